-- Head office's price lists (issue 21): its own signing key and every published version.
-- Numbered 0003: 0002 is the stores' status reports (another change, merged first).
--
-- The signing key lives here, in head office's own storage, not in a file: every head office
-- process of a chain shares one database, so they sign with one key, made once (the slot's
-- CHECK keeps it one); its private half never leaves head office.
CREATE TABLE hq_signing_key (
    slot         INTEGER PRIMARY KEY CHECK (slot = 1),
    key_id       TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    private_pem  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- One row per published version: the exact document signed and its signature, so that what
-- a store verifies is byte for byte what was signed. Times are ISO 8601 text in UTC.
CREATE TABLE catalog_versions (
    seq           INTEGER PRIMARY KEY,
    version       TEXT NOT NULL,
    effective_at  TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    document      TEXT NOT NULL,
    signature     TEXT NOT NULL
);
CREATE INDEX catalog_versions_by_effective_at ON catalog_versions (effective_at, seq);
