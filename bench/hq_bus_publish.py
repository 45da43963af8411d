"""Simulated stores publishing their batches to the bus as their edges do
(server.central.bus_ledger): a batch as the signed messages of server.bus.parts (one, or
parts under the NATS server's max_payload), each PubAck awaited before the next, on the
store's subject. A batch published again goes under another message id, as one published
again after JetStream's duplicate window (or formed again after a crash) does, so that it
reaches the ingest, which must find its rows already present."""
import time
from dataclasses import dataclass, field, replace

import orjson

from bench.hq_ingest import Plan
from bench.hq_stores import SimulatedStore
from server.bus.envelope import MSG_ID
from server.bus.parts import batch_messages
from server.chain.batches import batch_request_body
from server.orders import BATCH_COLUMNS

PUBLISH_TIMEOUT_S = 30.0  # a PubAck not back by then fails the phase (the bus is local)
KIOSK = BATCH_COLUMNS.index("kiosk_id")


@dataclass(frozen=True)
class Publication:
    """A batch as its store's edge holds it: its rows as written, their kiosk and seqs, and
    whether it goes again (under another message id)."""

    rows: str
    kiosk_id: str
    seqs: range
    again: bool = False


def publications(plan: Plan) -> list[tuple[SimulatedStore, list[Publication]]]:
    """Each store's batches of a Plan as publications, seqs the store's own from 1 on; a
    repeat (the same body again) keeps its batch's seqs."""
    sends = []
    for store, bodies in plan.sends:
        head = len(batch_request_body(store.store_id, "")) - 1  # '{"store_id":...,"rows":'
        made, own, next_seq = {}, [], 1
        for body in bodies:
            if body in made:
                own.append(replace(made[body], again=True))
                continue
            rows = orjson.loads(body)["rows"]
            made[body] = Publication(body[head:-1].decode(), rows[0][KIOSK],
                                     range(next_seq, next_seq + len(rows)))
            next_seq += len(rows)
            own.append(made[body])
        sends.append((store, own))
    return sends


@dataclass
class BusTally:
    """What the publishers met: the PubAcks, their rows, each publish's time to its PubAck."""

    messages: int = 0
    rows: int = 0
    duplicates: int = 0  # PubAcks saying the stream had the id already (none expected)
    ack_ms: list = field(default_factory=list)
    last_ack: float = 0.0  # when the last PubAck came (monotonic)


class Publisher:
    """Publishes a store's batch as its edge does: signed parts under the server's
    max_payload, each PubAck awaited before the next."""

    def __init__(self, client, prefix: str, tally: BusTally):
        self.js, self.max_payload = client.jetstream(), client.max_payload
        self.prefix, self.tally = prefix, tally

    async def publish(self, store: SimulatedStore, batch: Publication) -> None:
        """Publish one batch (a repeat under another message id)."""
        parts = batch_messages(store.key, store.store_id, batch.kiosk_id, batch.rows,
                               batch.seqs, self.max_payload, self.prefix)
        for part in parts:
            message, headers = part.message, part.message.headers
            if batch.again:
                headers = {**headers, MSG_ID: f"{message.msg_id}/again"}
            sent = time.monotonic()
            ack = await self.js.publish(message.subject, message.body, headers=headers,
                                        timeout=PUBLISH_TIMEOUT_S)
            self.tally.last_ack = time.monotonic()
            self.tally.ack_ms.append((self.tally.last_ack - sent) * 1000)
            self.tally.messages += 1
            self.tally.rows += part.rows
            self.tally.duplicates += bool(ack.duplicate)
