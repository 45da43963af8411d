"""The signed requests head office takes: a store's batch, or its read of its own sales.
The signature is checked over the exact bytes received, before anything parses them, against
the key it names (KeyRing); a store that signed is the caller, as a token's holder is
elsewhere. Each refusal is counted by its code."""
from aiohttp import web
from multidict import CIMultiDict

from server.auth.store import Principal
from server.central.batch_intake import verified_signature
from server.chain.registry import KeyRing
from server.chain.signing import Message, Verified
from server.errors import DomainError

SIGNED: web.RequestKey[Verified] = web.RequestKey("signed")  # the proof, kept with the batch


def signature_checker(ring: KeyRing, metrics, clock, max_age_s: float):
    """The app's SIGNATURES: (request, its body) -> the store's Principal, or the refusal."""

    async def check(request: web.Request, body: bytes) -> Principal:
        url = f"{request.scheme}://{request.host}{request.raw_path}"
        message = Message(request.method, url, CIMultiDict(request.headers))
        try:
            proof = await verified_signature(ring, message, body, clock(), max_age_s)
        except DomainError as exc:
            metrics.refused(exc.code)
            raise
        request[SIGNED] = proof
        return Principal("store", None, proof.key_id, store_id=proof.store_id)

    return check
