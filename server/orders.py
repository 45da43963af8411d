"""The one shape of an order, wherever it is shown (edge, central, checkout answers)."""
import json

# The columns that hold an order's JSON values as text, and the order's names for them.
JSON_COLUMNS = {"items_json": "items", "vat_json": "vat", "payment_json": "payment"}


def order_view(row, sync_state: str, synced_at: str | None,
               decoded: dict | None = None) -> dict:
    """An order row (edge or central) as the JSON every API and ledger speaks. `decoded`
    holds the JSON columns' values by column name when the caller has them at hand (a sale
    just made), which spares decoding the text just encoded from them."""
    if decoded is None:
        decoded = {column: json.loads(row[column]) for column in JSON_COLUMNS}
    return {
        "order_uuid": row["order_uuid"],
        "kiosk_id": row["kiosk_id"],
        "idempotency_key": row["idempotency_key"],
        "items": decoded["items_json"],
        "total_ore": row["total_ore"],
        "currency": "SEK",
        "vat": decoded["vat_json"],
        "payment": decoded["payment_json"],
        "catalog_version": row["catalog_version"],
        "created_at": row["created_at"],
        "business_day": row["business_day"],
        "sync_state": sync_state,
        "synced_at": synced_at,
        # The journal's chain links (NULL for sales from before the journal).
        "prev_hash": row["prev_hash"],
        "entry_hash": row["entry_hash"],
    }


def make_order_uuid(kiosk_id: str, idempotency_key: str) -> str:
    """The global identity of a sale: one per kiosk and idempotency key."""
    return f"{kiosk_id}:{idempotency_key}"
