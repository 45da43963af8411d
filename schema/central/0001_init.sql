-- Central ledger: every accepted sale exactly once, keyed by its global order_uuid.

CREATE TABLE central_orders (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    order_uuid       TEXT NOT NULL UNIQUE,
    kiosk_id         TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    items_json       TEXT NOT NULL,
    vat_json         TEXT NOT NULL,
    total_ore        INTEGER NOT NULL,
    payment_json     TEXT NOT NULL,
    catalog_version  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    business_day     TEXT NOT NULL,
    received_at      TEXT NOT NULL
);

CREATE INDEX central_orders_by_kiosk ON central_orders (kiosk_id, id);
