"""The one shape of an order, wherever it is shown (edge, central, checkout answers)."""
import json
from collections.abc import Iterator, Mapping

# The order's JSON values and the columns that hold them as text.
JSON_COLUMNS = {"items": "items_json", "vat": "vat_json", "payment": "payment_json"}
# The order's values read straight from a column of the same name.
PLAIN_COLUMNS = frozenset({
    "order_uuid", "kiosk_id", "idempotency_key", "total_ore", "catalog_version", "created_at",
    "business_day", "prev_hash", "entry_hash",
})


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


class StoredOrder(Mapping):
    """A stored order row as its order JSON (order_view's shape) that decodes the JSON
    columns only when they are read, and hands out their stored text as it is.

    The drain gives central whole batches of these: central stores the text the edge
    stored, and decoding every row only to encode it again took a third of the edge's
    interpreter time during a drain. Anything that reads the order gets the decoded values.
    """

    __slots__ = ("_row", "_sync_state", "_synced_at", "_view")

    def __init__(self, row, sync_state: str, synced_at: str | None):
        self._row, self._sync_state, self._synced_at = row, sync_state, synced_at
        self._view: dict | None = None

    def stored_json(self, key: str) -> str:
        """The JSON text stored for `items`, `vat` or `payment`."""
        return self._row[JSON_COLUMNS[key]]

    def __getitem__(self, key: str):
        if key in PLAIN_COLUMNS:
            return self._row[key]
        return self._decoded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def _decoded(self) -> dict:
        if self._view is None:
            self._view = order_view(self._row, self._sync_state, self._synced_at)
        return self._view


def make_order_uuid(kiosk_id: str, idempotency_key: str) -> str:
    """The global identity of a sale: one per kiosk and idempotency key."""
    return f"{kiosk_id}:{idempotency_key}"
