-- Messages from the bus that head office can never ingest, counted for the chain wallboard's
-- alert (as on PostgreSQL). Times are ISO 8601 text in UTC.

CREATE TABLE bus_dead_letters (
    id           INTEGER PRIMARY KEY,
    store_id     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    stream       TEXT NOT NULL,
    stream_seq   INTEGER NOT NULL,
    msg_id       TEXT,
    code         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    UNIQUE (stream, stream_seq)
);
