"""The journal's one hash: a sale's entry_hash chains its content to the kiosk's previous sale.

entry_hash = SHA-256 hex of (previous entry_hash + the order's canonical content, as
server.orders spells it), with GENESIS standing in for the previous hash of a kiosk's first
journaled sale.
"""
import hashlib
from collections.abc import Mapping

from server.orders import canonical_content

GENESIS = "0" * 64


def chained_hash(prev_hash: str, content: bytes) -> str:
    """The entry_hash of canonical content chained to the previous sale's entry_hash."""
    # prev_hash is fixed-width hex, so plain concatenation cannot be read two ways.
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


def entry_hash(prev_hash: str, row: Mapping) -> str:
    """The entry_hash of a row (edge or central, or an order about to be inserted)."""
    return chained_hash(prev_hash, canonical_content(row))
