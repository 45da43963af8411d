"""The journal's one hash: a sale's entry_hash chains its content to the kiosk's previous sale.

entry_hash = SHA-256 hex of (previous entry_hash + canonical JSON of the content columns), with
GENESIS standing in for the previous hash of a kiosk's first journaled sale. The JSON text
columns are decoded before hashing, so the hash covers what they say, not how they are spelt:
the edge and central store the same values but each writes its own JSON text.
"""
import hashlib
import json
from collections.abc import Mapping

GENESIS = "0" * 64
CONTENT_COLUMNS = (
    "order_uuid", "kiosk_id", "idempotency_key", "items_json", "vat_json", "total_ore",
    "payment_json", "catalog_version", "created_at", "business_day",
)
_JSON_COLUMNS = frozenset({"items_json", "vat_json", "payment_json"})


def canonical_content(row: Mapping) -> bytes:
    """The order's content columns as canonical JSON (sorted keys, no spaces, ASCII only)."""
    content = {
        name: json.loads(row[name]) if name in _JSON_COLUMNS else row[name]
        for name in CONTENT_COLUMNS
    }
    # ASCII escapes keep the bytes defined even for text UTF-8 cannot encode.
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("ascii")


def entry_hash(prev_hash: str, row: Mapping) -> str:
    """The entry_hash of a row (edge or central, or an order about to be inserted)."""
    # prev_hash is fixed-width hex, so plain concatenation cannot be read two ways.
    return hashlib.sha256(prev_hash.encode() + canonical_content(row)).hexdigest()
