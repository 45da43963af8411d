"""The journal's one hash: a sale's entry_hash chains its content to the kiosk's previous sale.

entry_hash = SHA-256 hex of (previous entry_hash + canonical JSON of the content columns), with
GENESIS standing in for the previous hash of a kiosk's first journaled sale. The JSON text
columns are decoded before hashing, so the hash covers what they say, not how they are spelt:
the edge and central store the same values but each writes its own JSON text.
"""
import hashlib
import json
from collections.abc import Mapping

from server import json_text
from server.orders import JSON_COLUMNS

GENESIS = "0" * 64
CONTENT_COLUMNS = (
    "order_uuid", "kiosk_id", "idempotency_key", "items_json", "vat_json", "total_ore",
    "payment_json", "catalog_version", "created_at", "business_day",
)


def canonical_content(row: Mapping, decoded: Mapping | None = None) -> bytes:
    """The order's content columns as canonical JSON (sorted keys, no spaces, ASCII only).
    `decoded` holds the JSON columns' values by column name when the caller has them at hand
    (a sale being made), which spares decoding the text just encoded from them."""
    content = {name: row[name] for name in CONTENT_COLUMNS}
    for name in JSON_COLUMNS:
        content[name] = decoded[name] if decoded is not None else json.loads(row[name])
    # ASCII escapes keep the bytes defined even for text UTF-8 cannot encode.
    return json_text.canonical(content)


def chained_hash(prev_hash: str, content: bytes) -> str:
    """The entry_hash of canonical content chained to the previous sale's entry_hash."""
    # prev_hash is fixed-width hex, so plain concatenation cannot be read two ways.
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


def entry_hash(prev_hash: str, row: Mapping) -> str:
    """The entry_hash of a row (edge or central, or an order about to be inserted)."""
    return chained_hash(prev_hash, canonical_content(row))
