"""Signed requests between a store and head office: RFC 9421 HTTP Message Signatures over
Ed25519, with an RFC 9530 Content-Digest (sha-256) of the body, through the
http-message-signatures library (no home-made parsing of signatures or digests).

A batch (POST) covers @method, @path, content-type and content-digest; a read (GET) covers
@method, @path and @query. Each signature names its key id and its creation time. The
verifier checks the exact bytes received, before anything parses them, and says which rule
failed: bad_signature (missing, malformed, another body, a bad signature), unknown_key
(unknown or revoked) or stale_signature (created more than max_age_s from its own clock).
"""
import datetime
from dataclasses import dataclass

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from multidict import CIMultiDict

from server.chain.store_keys import StoreKey
from server.errors import BadSignature, StaleSignature, UnknownKey

COVERED = {"POST": ("@method", "@path", "content-type", "content-digest"),
           "GET": ("@method", "@path", "@query")}
LABEL = "store"


@dataclass(frozen=True)
class Message:
    """What the library reads of a request: its method, its full URL and its headers."""

    method: str
    url: str
    headers: CIMultiDict


@dataclass(frozen=True)
class KeyRecord:
    """A store key as head office keeps it."""

    store_id: str
    key_id: str
    public_key: Ed25519PublicKey
    revoked_at: str | None = None


@dataclass(frozen=True)
class Verified:
    """A signature that held: whose key, and the headers that prove it (kept with a batch,
    so that it can be verified again later)."""

    store_id: str
    key_id: str
    created: int
    signature_input: str
    signature: str
    content_digest: str | None


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, private=None, public=None):
        self.private, self.public = private, public

    def resolve_private_key(self, key_id: str):
        return self.private

    def resolve_public_key(self, key_id: str):
        return self.public


def sign(key: StoreKey, method: str, url: str, body: bytes = b"",
         content_type: str = "application/json",
         now: datetime.datetime | None = None) -> dict[str, str]:
    """The headers that sign this request with the store's key (Content-Digest, for a body,
    Signature-Input and Signature), to send with it."""
    headers = CIMultiDict({"Content-Type": content_type} if method == "POST" else {})
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                               key_resolver=_OneKey(private=key.private_key))
    signer.sign(Message(method, url, headers), key_id=key.key_id, label=LABEL,
                created=now or datetime.datetime.now(datetime.UTC),
                covered_component_ids=COVERED[method],
                body=body if method == "POST" else None)
    return dict(headers)


def _signature_params(headers) -> dict:
    """The one signature's parameters (keyid, created, ...) from Signature-Input."""
    value = headers.get("Signature-Input")
    if not value or not headers.get("Signature"):
        raise BadSignature("the request is not signed (Signature-Input and Signature)")
    try:
        parsed = http_sf.parse(value.encode(), tltype="dictionary")
    except Exception:
        raise BadSignature("Signature-Input is not a structured field dictionary") from None
    if len(parsed) != 1:
        raise BadSignature("send exactly one signature")
    [(_, params)] = parsed.values()
    if not isinstance(params.get("keyid"), str) or type(params.get("created")) is not int:
        raise BadSignature("a signature names its keyid and its created time")
    return params


def signed_key_id(headers) -> str:
    """The key id a request's signature names (BadSignature if it has no readable one)."""
    return _signature_params(headers)["keyid"]


def verify(message: Message, body: bytes, record: KeyRecord | None,
           now: datetime.datetime, max_age_s: float) -> Verified:
    """Check a request's signature against the key it names (`record`, as head office
    holds it, or None if it holds none); raise the rule it breaks."""
    params = _signature_params(message.headers)
    if record is None:
        raise UnknownKey("no store holds this key", {"key_id": params["keyid"]})
    if record.revoked_at is not None:
        raise UnknownKey("this key was revoked", {"key_id": record.key_id,
                                                   "revoked_at": record.revoked_at})
    age = now.timestamp() - params["created"]
    if abs(age) > max_age_s:
        raise StaleSignature(f"the signature was made {age:.0f} s from head office's clock "
                             f"(at most {max_age_s:.0f} s either way)",
                             {"created": params["created"], "max_age_s": max_age_s})
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                   key_resolver=_OneKey(public=record.public_key))
    verifier.max_clock_skew = datetime.timedelta(seconds=max_age_s)
    try:
        verifier.verify(message, max_age=None, expect_label=None,
                        require_components=COVERED.get(message.method, ()),
                        body=body if message.method == "POST" else None)
    except (InvalidSignature, HTTPMessageSignaturesException) as exc:
        raise BadSignature(f"the signature does not hold: {str(exc)[:200] or 'no match'}",
                           {"key_id": record.key_id}) from None
    return Verified(record.store_id, record.key_id, params["created"],
                    message.headers["Signature-Input"], message.headers["Signature"],
                    message.headers.get("Content-Digest"))
