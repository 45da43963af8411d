-- Rows of the bus's batches head office refused for good (it holds the order_uuid with other
-- content). Over HTTP the batch's answer tells the store at once; over the bus the store
-- learns only that the stream holds its batch, so each refusal is kept here for the store to
-- read back (GET /hq/v1/stores/{id}/refused-rows) and set the row aside for its staff. One
-- row per store and order_uuid, however often the refusal is recorded.

CREATE TABLE bus_refused_rows (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id     text NOT NULL,
    order_uuid   text NOT NULL,
    reason       text NOT NULL,
    stream       text NOT NULL,
    stream_seq   bigint NOT NULL,
    recorded_at  timestamptz NOT NULL,
    UNIQUE (store_id, order_uuid)
);
CREATE INDEX bus_refused_rows_by_store ON bus_refused_rows (store_id, id);
