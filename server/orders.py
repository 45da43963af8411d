"""The one shape of an order, wherever it is shown (edge, central, checkout answers)."""
import json


def order_view(row, sync_state: str, synced_at: str | None) -> dict:
    """An order row (edge or central) as the JSON every API and ledger speaks."""
    return {
        "order_uuid": row["order_uuid"],
        "kiosk_id": row["kiosk_id"],
        "idempotency_key": row["idempotency_key"],
        "items": json.loads(row["items_json"]),
        "total_ore": row["total_ore"],
        "currency": "SEK",
        "vat": json.loads(row["vat_json"]),
        "payment": json.loads(row["payment_json"]),
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
