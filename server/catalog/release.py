"""A price list as head office signs it (a release): one canonical JSON document
{"seq", "version", "effective_at", "published_at", "currency", "items"} and an Ed25519
signature over its exact UTF-8 bytes, with head office's own key.

A store trusts the document only: the fields head office sends beside it are for people.
Opening a release checks, in order, the signature (against the key the store pinned), the
document's shape, its items (the catalog's own rules) and that those items give the version
it claims, the one orders will name as their `catalog_version`.
"""
import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server.catalog.catalog import Catalog, Product

DOCUMENT_FIELDS = {"seq", "version", "effective_at", "published_at", "currency", "items"}


class ReleaseRefused(ValueError):
    """A release a store must not sell from: `reason` is a code, `message` says why."""

    def __init__(self, seq: int | None, reason: str, message: str):
        super().__init__(message)
        self.seq, self.reason, self.message = seq, reason, message


@dataclass(frozen=True)
class Release:
    """An opened release: what its signed document says, and the catalog it holds."""

    seq: int
    effective_at: datetime
    document: str
    signature: str
    catalog: Catalog

    @property
    def version(self) -> str:
        """The catalog's content hash, as orders name it."""
        return self.catalog.version


def document_text(seq: int, catalog: Catalog, effective_at: str, published_at: str) -> str:
    """The canonical document head office signs (sorted keys, no spaces, UTF-8 as is)."""
    items = [product.as_json() for product in catalog.products.values()]
    return json.dumps({"seq": seq, "version": catalog.version, "effective_at": effective_at,
                       "published_at": published_at, "currency": catalog.currency,
                       "items": items}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def b64url(raw: bytes) -> str:
    """base64url without padding (the chain's encoding of keys and signatures)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign_document(key: Ed25519PrivateKey, document: str) -> str:
    """The signature over the document's UTF-8 bytes, base64url."""
    return b64url(key.sign(document.encode("utf-8")))


def _check_signature(seq, document: str, signature: str, key: Ed25519PublicKey) -> None:
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        key.verify(raw, document.encode("utf-8"))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        raise ReleaseRefused(seq, "bad_signature", "the signature does not hold for this "
                             "document and head office's key") from None


def _document(document: str, seq_said: int | None) -> dict:
    """The document's fields, its effective time parsed; ReleaseRefused if it is not one
    head office makes (checked in code, not by assert: `python -O` drops asserts)."""
    malformed = ReleaseRefused(seq_said, "malformed_document",
                               "the document is not a price list head office makes")
    try:
        data = json.loads(document)
        if not isinstance(data, dict) or data.keys() != DOCUMENT_FIELDS:
            raise malformed
        effective_at = datetime.fromisoformat(data["effective_at"])
    except (ValueError, TypeError):
        raise malformed from None
    if (type(data["seq"]) is not int or effective_at.tzinfo is None
            or not isinstance(data["items"], list) or data["currency"] != "SEK"):
        raise malformed
    return {**data, "effective_at": effective_at}


def open_release(document: str, signature: str, key: Ed25519PublicKey,
                 seq_said: int | None = None) -> Release:
    """The release, checked whole; ReleaseRefused naming the first rule it breaks."""
    _check_signature(seq_said, document, signature, key)
    data = _document(document, seq_said)
    seq, effective_at = data["seq"], data["effective_at"]
    try:
        catalog = Catalog([Product(**item) for item in data["items"]], data["currency"])
    except (ValueError, TypeError) as exc:
        raise ReleaseRefused(seq, "invalid_items", f"its items break a rule: {exc}") from None
    if catalog.version != data["version"]:
        raise ReleaseRefused(seq, "version_mismatch", f"its items make version "
                             f"{catalog.version}, not the {data['version']} it claims")
    return Release(seq, effective_at, document, signature, catalog)
