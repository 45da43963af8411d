-- Sales central refuses for good (a "poison row") are set aside as needing attention, so the
-- rows behind them still drain. SQLite cannot widen a CHECK in place: the table is rebuilt
-- (https://sqlite.org/lang_altertable.html#otheralter), keeping every row, seq and index.

CREATE TABLE edge_orders_new (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_uuid       TEXT NOT NULL UNIQUE,
    kiosk_id         TEXT NOT NULL REFERENCES kiosks (kiosk_id),
    idempotency_key  TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    items_json       TEXT NOT NULL,
    vat_json         TEXT NOT NULL,
    total_ore        INTEGER NOT NULL CHECK (total_ore >= 0),
    payment_json     TEXT NOT NULL,
    catalog_version  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    business_day     TEXT NOT NULL,
    sync_state       TEXT NOT NULL DEFAULT 'pending'
                     CHECK (sync_state IN ('pending', 'synced', 'attention')),
    synced_at        TEXT,
    prev_hash        TEXT,
    entry_hash       TEXT,
    set_aside_at     TEXT,
    set_aside_reason TEXT,
    UNIQUE (kiosk_id, idempotency_key)
);

INSERT INTO edge_orders_new (seq, order_uuid, kiosk_id, idempotency_key, request_hash,
    items_json, vat_json, total_ore, payment_json, catalog_version, created_at, business_day,
    sync_state, synced_at, prev_hash, entry_hash)
SELECT seq, order_uuid, kiosk_id, idempotency_key, request_hash, items_json, vat_json,
    total_ore, payment_json, catalog_version, created_at, business_day, sync_state, synced_at,
    prev_hash, entry_hash
FROM edge_orders;

DROP TABLE edge_orders;
ALTER TABLE edge_orders_new RENAME TO edge_orders;

CREATE INDEX edge_orders_by_state ON edge_orders (sync_state, kiosk_id, seq);
CREATE INDEX edge_orders_by_kiosk ON edge_orders (kiosk_id, seq);
CREATE INDEX edge_orders_by_day ON edge_orders (business_day);
CREATE INDEX edge_orders_by_created ON edge_orders (created_at);
-- The wallboard's history counts syncs per minute.
CREATE INDEX edge_orders_by_synced ON edge_orders (synced_at);
