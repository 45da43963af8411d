-- Head office's price lists (issue 21): its own signing key and every published version.
-- Numbered 0003: 0002 is the stores' status reports (another change, merged first).
--
-- The signing key lives here, in head office's own database, not in a file: every head
-- office process of a chain shares this database, so they sign with one key, made once (the
-- slot's CHECK keeps it one); its private half never leaves head office.
CREATE TABLE hq_signing_key (
    slot         integer PRIMARY KEY CHECK (slot = 1),
    key_id       text NOT NULL,
    public_key   text NOT NULL,
    private_pem  text NOT NULL,
    created_at   timestamptz NOT NULL
);

-- One row per published version: the exact document signed and its signature, so that what
-- a store verifies is byte for byte what was signed. A reference table under Citus.
CREATE TABLE catalog_versions (
    seq           bigint PRIMARY KEY,
    version       text NOT NULL,
    effective_at  timestamptz NOT NULL,
    published_at  timestamptz NOT NULL,
    document      text NOT NULL,
    signature     text NOT NULL
);
CREATE INDEX catalog_versions_by_effective_at ON catalog_versions (effective_at, seq);
