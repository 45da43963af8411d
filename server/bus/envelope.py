"""A batch as a message on the bus: the exact body a store would POST to head office's
`/hq/v1/batches`, with the headers that sign it as that POST (RFC 9421: Signature-Input,
Signature, Content-Digest and Content-Type, made by server.chain.signing.sign), and a
Nats-Msg-Id. So head office verifies a message with the same verifier, the same keys and the
same rules as the HTTP route: `request_view` gives back the request it stands for.

The signature covers @method, @path, content-type and content-digest, not the host, so the
URL signed here names no host of the chain (`http://head-office`), as a kept batch is
verified again (server.journal.ledger_verify).

For whoever consumes it: the signature says when it was made, and head office refuses one
older than its max age (300 s) over HTTP. A message may wait in the stream for days (the
ingest or its database down), so its age is to be judged at the moment the stream took it
(verify's `now` is the message's timestamp in JetStream), not at the moment it is read. And the NATS
server takes messages up to its max_payload (1 MiB by default, headers included): a larger
one makes it close the connection, so a store sends a larger batch as parts that each fit
(server.bus.parts).
"""
import datetime
from dataclasses import dataclass

from multidict import CIMultiDict

from server.bus.names import PREFIX, message_id, store_subject
from server.chain.signing import Message, sign
from server.chain.store_keys import StoreKey

BATCH_PATH = "/hq/v1/batches"
SIGNED_URL = f"http://head-office{BATCH_PATH}"
CONTENT_TYPE = "application/json"
MSG_ID = "Nats-Msg-Id"
ROWS = "Checkout-Rows"  # how many sales the body holds: read from the headers alone, unsigned
SIGNED_HEADERS = ("Content-Type", "Content-Digest", "Signature-Input", "Signature")


@dataclass(frozen=True)
class BatchMessage:
    """One batch, ready to publish: where, with which headers, and its bytes."""

    subject: str
    headers: dict[str, str]
    body: bytes

    @property
    def msg_id(self) -> str:
        """Its Nats-Msg-Id: the batch's id in the whole chain."""
        return self.headers[MSG_ID]


def batch_message(key: StoreKey, body: bytes, store_id: str, kiosk_id: str, first_seq: int,
                  last_seq: int, prefix: str = PREFIX,
                  now: datetime.datetime | None = None, rows: int | None = None) -> BatchMessage:
    """The message that carries a batch (`body` as the HTTP route takes it), signed with the
    store's key as a POST to /hq/v1/batches, on the store's subject; with `rows`, its count
    of sales in a header, so that head office counts the sales in transit without reading
    bodies (server.bus.transit)."""
    subject = store_subject(store_id, prefix)
    signed = sign(key, "POST", SIGNED_URL, body, content_type=CONTENT_TYPE, now=now)
    headers = {name: signed[name] for name in SIGNED_HEADERS}
    headers[MSG_ID] = message_id(store_id, kiosk_id, first_seq, last_seq, body)
    if rows is not None:
        headers[ROWS] = str(rows)
    return BatchMessage(subject, headers, body)


def request_view(headers, body: bytes) -> tuple[Message, bytes]:
    """The POST /hq/v1/batches that a received message stands for, and its bytes, as
    server.chain.signing.verify takes them: `verify(*request_view(headers, body), ...)`."""
    return Message("POST", SIGNED_URL, CIMultiDict(headers or {})), bytes(body)
