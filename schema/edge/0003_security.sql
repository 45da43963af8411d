-- Who may do what: credentials (only hashes of their secrets), browser sessions, and an
-- append-only audit trail of security and operator events.

CREATE TABLE credentials (
    token_id     TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('kiosk', 'dashboard', 'operator')),
    kiosk_id     TEXT,
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    CHECK ((role = 'kiosk') = (kiosk_id IS NOT NULL))
);
CREATE INDEX credentials_by_kiosk ON credentials (kiosk_id);

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
