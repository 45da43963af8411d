"""The order row: its columns, its journal content and its wire form, in one place. The
edge stores it, the sync carries it, central keeps it, the journal hashes it: each takes its
columns from here.

- CONTENT_COLUMNS: what makes a sale this sale; the journal hashes them (server.journal).
- CHAIN_COLUMNS: the journal's links, stored with every row at both ends.
- BATCH_COLUMNS: a row as a batch carries it to central, in this order: each row of a batch
  is a JSON array of these values, the JSON ones (items, VAT, payment) as the text the edge
  stored. Flat rows of text are quick for SQLite to write and take apart.
- EDGE_COLUMNS: a row as the edge inserts it: the batch's, and the request's fingerprint
  that lets a retry be told from another sale (it never leaves the store).
"""
import json
from collections.abc import Mapping

from server import json_text

# What an id may be (kiosks and stores alike) and an idempotency key (a UUID fits).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ID_RULE = "1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
IDEMPOTENCY_KEY_RULE = "8-64 letters, digits, '_' or '-' (a UUID fits)"
# The columns that hold an order's JSON values as text, and the order's names for them.
JSON_COLUMNS = {"items_json": "items", "vat_json": "vat", "payment_json": "payment"}
CONTENT_COLUMNS = (
    "order_uuid", "kiosk_id", "idempotency_key", "items_json", "vat_json", "total_ore",
    "payment_json", "catalog_version", "created_at", "business_day",
)
CHAIN_COLUMNS = ("prev_hash", "entry_hash")
BATCH_COLUMNS = CONTENT_COLUMNS + CHAIN_COLUMNS
EDGE_COLUMNS = ("request_hash",) + BATCH_COLUMNS


def make_order_uuid(kiosk_id: str, idempotency_key: str) -> str:
    """The global identity of a sale: one per kiosk and idempotency key."""
    return f"{kiosk_id}:{idempotency_key}"


def canonical_content(row: Mapping, decoded: Mapping | None = None) -> bytes:
    """The order's content columns as canonical JSON (sorted keys, no spaces, ASCII only),
    the bytes the journal hashes. The JSON columns are decoded first, so the hash covers what
    they say, not how each side spelt them. `decoded` holds their values by column name when
    the caller has them at hand (a sale being made), which spares decoding them again."""
    content = {name: row[name] for name in CONTENT_COLUMNS}
    for name in JSON_COLUMNS:
        content[name] = decoded[name] if decoded is not None else json.loads(row[name])
    # ASCII escapes keep the bytes defined even for text UTF-8 cannot encode.
    return json_text.canonical(content)


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
