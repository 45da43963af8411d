-- Rows of the bus's batches head office refused for good, kept for the store to read back
-- and set aside (as on PostgreSQL). Times are ISO 8601 text in UTC.

CREATE TABLE bus_refused_rows (
    id           INTEGER PRIMARY KEY,
    store_id     TEXT NOT NULL,
    order_uuid   TEXT NOT NULL,
    reason       TEXT NOT NULL,
    stream       TEXT NOT NULL,
    stream_seq   INTEGER NOT NULL,
    recorded_at  TEXT NOT NULL,
    UNIQUE (store_id, order_uuid)
);
CREATE INDEX bus_refused_rows_by_store ON bus_refused_rows (store_id, id);
