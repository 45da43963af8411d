-- What each store last said of itself (its signed status report, as JSON), and its backlog
-- over the last hours, one row per report, for the chain wallboard (as on PostgreSQL).
-- Times are ISO 8601 text in UTC.

CREATE TABLE store_status (
    store_id     TEXT PRIMARY KEY REFERENCES stores (store_id),
    key_id       TEXT NOT NULL,
    sent_at      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    status_json  TEXT NOT NULL
);

CREATE TABLE store_backlog (
    store_id           TEXT NOT NULL REFERENCES stores (store_id),
    at                 TEXT NOT NULL,
    pending            INTEGER NOT NULL,
    oldest_pending_at  TEXT,
    PRIMARY KEY (store_id, at)
);
