-- Head office on PostgreSQL: every store's sales, the signed batches they came in, the
-- stores' public keys, and the credentials of the people at head office.
--
-- Every key of the sales starts with store_id, so the ledger can be distributed by store
-- (Citus: SELECT create_distributed_table('central_orders', 'store_id'), with hq_batches
-- co-located and stores, store_keys as reference tables) without a change of key.

CREATE TABLE stores (
    store_id     text PRIMARY KEY,
    enrolled_at  timestamptz NOT NULL
);

CREATE TABLE store_keys (
    key_id       text PRIMARY KEY,
    store_id     text NOT NULL REFERENCES stores (store_id),
    public_key   text NOT NULL,
    enrolled_at  timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX store_keys_by_store ON store_keys (store_id);

-- Every accepted batch, with what proves it: the signature's headers and the exact body
-- received (its Content-Digest is signed, so the rows can be checked against it later).
CREATE SEQUENCE hq_batches_batch_id_seq;
CREATE TABLE hq_batches (
    store_id         text NOT NULL,
    batch_id         bigint NOT NULL DEFAULT nextval('hq_batches_batch_id_seq'),
    key_id           text NOT NULL,
    signature_input  text NOT NULL,
    signature        text NOT NULL,
    content_digest   text NOT NULL,
    body             bytea NOT NULL,
    received_at      timestamptz NOT NULL,
    rows             integer NOT NULL,
    PRIMARY KEY (store_id, batch_id)
);

-- The ledger: one row per sale, once, keyed by the store and the sale's business day (fixed
-- at the sale, inside the signed content, so a retry lands in the same partition). The
-- text columns are the edge's own text, so that the journal's hashes recompute exactly.
-- `id` is the arrival order, for reading a store's sales page by page.
CREATE SEQUENCE central_orders_id_seq;
CREATE TABLE central_orders (
    store_id         text NOT NULL,
    business_day     date NOT NULL,
    order_uuid       text NOT NULL,
    id               bigint NOT NULL DEFAULT nextval('central_orders_id_seq'),
    kiosk_id         text NOT NULL,
    idempotency_key  text NOT NULL,
    items_json       text NOT NULL,
    vat_json         text NOT NULL,
    total_ore        bigint NOT NULL,
    payment_json     text NOT NULL,
    catalog_version  text NOT NULL,
    created_at       text NOT NULL,
    prev_hash        text,
    entry_hash       text,
    batch_id         bigint NOT NULL,
    received_at      timestamptz NOT NULL,
    PRIMARY KEY (store_id, business_day, order_uuid)
) PARTITION BY RANGE (business_day);
CREATE INDEX central_orders_by_arrival ON central_orders (store_id, id);
CREATE INDEX central_orders_by_kiosk ON central_orders (store_id, kiosk_id, id);
CREATE INDEX central_orders_by_batch ON central_orders (store_id, batch_id);
CREATE INDEX central_orders_by_id ON central_orders (id);
-- Partitions are monthly (central_orders_pYYYYMM), made ahead at start and, for a month not
-- made yet, in a short transaction of their own before the batch that needs it
-- (server/central/pg_ledger.py).

-- Per store, kiosk and business day: the orders held and their sum, kept in each batch's own
-- transaction, so that a store's reconciliation reads a few rows, not a year of sales.
CREATE TABLE central_totals (
    store_id      text NOT NULL,
    kiosk_id      text NOT NULL,
    business_day  date NOT NULL,
    orders        bigint NOT NULL,
    total_ore     bigint NOT NULL,
    PRIMARY KEY (store_id, kiosk_id, business_day)
);

-- Who may do what at head office (as at a store: only hashes of secrets are kept).
CREATE TABLE credentials (
    token_id     text PRIMARY KEY,
    secret_hash  text NOT NULL,
    role         text NOT NULL CHECK (role IN ('hq-operator', 'hq-dashboard')),
    kiosk_id     text CHECK (kiosk_id IS NULL),
    label        text NOT NULL,
    created_at   text NOT NULL,
    revoked_at   text
);

CREATE TABLE sessions (
    session_hash  text PRIMARY KEY,
    token_id      text NOT NULL REFERENCES credentials (token_id),
    created_at    text NOT NULL,
    expires_at    text NOT NULL
);

CREATE TABLE audit_events (
    id            bigserial PRIMARY KEY,
    at            text NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    target        text,
    details_json  text NOT NULL DEFAULT '{}'
);
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
