-- Messages from the bus that head office can never ingest (a bad signature, a malformed
-- batch, another store's): each kept whole on the dead-letter stream, and counted here so
-- that the chain wallboard can show them as an alert. One row per message of the sales
-- stream (a message moved aside twice, after a crash between the two steps, is one row).

CREATE TABLE bus_dead_letters (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id     text NOT NULL,
    subject      text NOT NULL,
    stream       text NOT NULL,
    stream_seq   bigint NOT NULL,
    msg_id       text,
    code         text NOT NULL,
    reason       text NOT NULL,
    recorded_at  timestamptz NOT NULL,
    UNIQUE (stream, stream_seq)
);
