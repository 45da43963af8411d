"""What head office takes in as a store's batch, whichever way it came: a signed POST to
/hq/v1/batches or a message on the bus (server.bus.envelope.request_view gives the POST a
message stands for). One set of rules for both: the signature is verified over the exact
bytes against the key it names, before anything parses them; then the batch is parsed whole
and must be the key's store's. Each refusal is a DomainError naming the rule it broke."""
import datetime

from server.central.ledger import SignedBatch
from server.chain.batches import parse_batch
from server.chain.signing import Message, Verified, signed_key_id, verify
from server.errors import StoreMismatch


async def verified_signature(ring, message: Message, body: bytes, now: datetime.datetime,
                             max_age_s: float) -> Verified:
    """The proof of a store's signature on `message` and `body`, judged at `now` against
    head office's key ring (server.chain.registry.KeyRing)."""
    record = await ring.find(signed_key_id(message.headers))
    return verify(message, body, record, now, max_age_s)


def signed_batch(proof: Verified, body: bytes, max_rows: int, received_at: str) -> SignedBatch:
    """The batch a verified body carries, for the ledger: parsed and checked whole, and of
    the store whose key signed it."""
    store_id, rows = parse_batch(body, max_rows)
    if store_id != proof.store_id:
        raise StoreMismatch("the batch is another store's than the key's",
                            {"key_store_id": proof.store_id, "store_id": store_id})
    return SignedBatch(store_id, rows, proof, body, received_at)


async def take_signed_batch(ring, message: Message, body: bytes, now: datetime.datetime,
                            max_age_s: float, max_rows: int, received_at: str) -> SignedBatch:
    """A signed batch checked by every rule (signature, then content, then store), ready for
    the ledger's ingest."""
    proof = await verified_signature(ring, message, body, now, max_age_s)
    return signed_batch(proof, body, max_rows, received_at)
