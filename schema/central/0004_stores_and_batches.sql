-- The central ledger learns of stores and signed batches, so that head office can keep every
-- store's sales in this same shape when it runs on SQLite (its embedded default). At a
-- store's edge the embedded ledger keeps store_id '' and no batches.
--
-- An order is its store's: (store_id, order_uuid) is unique, as kiosk ids are unique only
-- within a store. Every accepted signed batch is recorded with its proof (the signature's
-- headers and the exact body received), and every order it brought names it.

CREATE TABLE hq_batches (
    batch_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id         TEXT NOT NULL,
    key_id           TEXT NOT NULL,
    signature_input  TEXT NOT NULL,
    signature        TEXT NOT NULL,
    content_digest   TEXT NOT NULL,
    body             BLOB NOT NULL,
    received_at      TEXT NOT NULL,
    rows             INTEGER NOT NULL
);

CREATE TABLE central_orders_by_store (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id         TEXT NOT NULL DEFAULT '',
    order_uuid       TEXT NOT NULL,
    kiosk_id         TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    items_json       TEXT NOT NULL,
    vat_json         TEXT NOT NULL,
    total_ore        INTEGER NOT NULL,
    payment_json     TEXT NOT NULL,
    catalog_version  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    business_day     TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    prev_hash        TEXT,
    entry_hash       TEXT,
    batch_id         INTEGER,
    UNIQUE (store_id, order_uuid)
);

INSERT INTO central_orders_by_store (id, order_uuid, kiosk_id, idempotency_key, items_json,
    vat_json, total_ore, payment_json, catalog_version, created_at, business_day, received_at,
    prev_hash, entry_hash)
SELECT id, order_uuid, kiosk_id, idempotency_key, items_json, vat_json, total_ore,
       payment_json, catalog_version, created_at, business_day, received_at, prev_hash,
       entry_hash
FROM central_orders;

DROP TABLE central_orders;
ALTER TABLE central_orders_by_store RENAME TO central_orders;
CREATE INDEX central_orders_by_kiosk ON central_orders (store_id, kiosk_id, id);
CREATE INDEX central_orders_by_batch ON central_orders (batch_id);
