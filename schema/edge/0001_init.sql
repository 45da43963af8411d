-- Edge store: the kiosks and the transactional outbox of their sales.
-- Times are ISO 8601 text in UTC with fixed width, so they sort as they compare.

CREATE TABLE kiosks (
    kiosk_id            TEXT PRIMARY KEY,
    central_link_up     INTEGER NOT NULL DEFAULT 0 CHECK (central_link_up IN (0, 1)),
    first_seen_at       TEXT NOT NULL,
    last_heartbeat_at   TEXT,
    last_sync_at        TEXT,
    last_sync_error     TEXT,
    last_sync_error_at  TEXT
);

CREATE TABLE edge_orders (
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
                     CHECK (sync_state IN ('pending', 'synced')),
    synced_at        TEXT,
    UNIQUE (kiosk_id, idempotency_key)
);

-- The drain reads a kiosk's pending rows in seq order; the dashboard counts by state.
CREATE INDEX edge_orders_by_state ON edge_orders (sync_state, kiosk_id, seq);
CREATE INDEX edge_orders_by_kiosk ON edge_orders (kiosk_id, seq);
CREATE INDEX edge_orders_by_day ON edge_orders (business_day);
CREATE INDEX edge_orders_by_created ON edge_orders (created_at);
