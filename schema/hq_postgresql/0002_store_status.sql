-- What each store last said of itself (its signed status report, as JSON), and its backlog
-- over the last hours, one row per report, for the chain wallboard. A store that stops
-- reporting keeps its last word here: head office shows it as silent since then.

CREATE TABLE store_status (
    store_id     text PRIMARY KEY REFERENCES stores (store_id),
    key_id       text NOT NULL,
    sent_at      timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    status_json  text NOT NULL
);

CREATE TABLE store_backlog (
    store_id           text NOT NULL REFERENCES stores (store_id),
    at                 timestamptz NOT NULL,
    pending            bigint NOT NULL,
    oldest_pending_at  timestamptz,
    PRIMARY KEY (store_id, at)
);
