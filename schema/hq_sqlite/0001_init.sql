-- Head office on SQLite (the embedded default, for demos): the stores' public keys and the
-- credentials of the people at head office. The sales and their batches are in
-- central_hq.db (schema/central), beside it. Times are ISO 8601 text in UTC.

CREATE TABLE stores (
    store_id     TEXT PRIMARY KEY,
    enrolled_at  TEXT NOT NULL
);

CREATE TABLE store_keys (
    key_id       TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores (store_id),
    public_key   TEXT NOT NULL,
    enrolled_at  TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX store_keys_by_store ON store_keys (store_id);

CREATE TABLE credentials (
    token_id     TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('hq-operator', 'hq-dashboard')),
    kiosk_id     TEXT CHECK (kiosk_id IS NULL),
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

CREATE TABLE sessions (
    session_hash  TEXT PRIMARY KEY,
    token_id      TEXT NOT NULL REFERENCES credentials (token_id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT,
    details_json  TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
