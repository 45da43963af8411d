"""The sales in transit: published by a store and held by the stream, not yet taken by head
office's ingest. The store marked them synced on JetStream's acknowledgement, so until the
ingest commits them they are on their way, not missing; once the stream no longer holds a
message (past its max_age), what the ledger lacks is missing.

A message is taken once the ingest committed its batch (head office's batches then hold its
body's digest for its store) or moved it aside as a dead letter. The ingest consumer's ack
floor says every message up to it is taken; above it, a message not yet delivered to the
consumer is not taken, and one delivered is asked of head office's storage (`taken`), since
several ingest processes acknowledge out of turn.

The messages are read headers only (their ids name store, kiosk and seq range; the
Checkout-Rows header counts the sales; the stream's timestamp is when the store's sale was
marked synced) by a short-lived consumer of the look's own, at most `limit` of them per look:
beyond that the figures are a floor, and say so (`complete` false). A message of another
shape (an id of one's own, no row count) counts as a message with no sales known.
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from server.bus.envelope import MSG_ID, ROWS
from server.bus.names import all_stores_subject, message_range, subject_store
from server.bus.stream import ConsumerSpec
from server.clock import to_iso

FETCH = 256        # messages read at once
FETCH_WAIT_S = 1.0  # a read that brings nothing ends the look


@dataclass(frozen=True)
class Candidate:
    """A message delivered to the ingest above its ack floor: taken, or in transit?"""

    stream_seq: int
    store_id: str
    content_digest: str


# Head office's answer: the stream seqs of the candidates it has taken.
Taken = Callable[[list[Candidate]], Awaitable[set[int]]]


@dataclass
class StoreTransit:
    """One store's sales in transit: how many, in how many messages, since when, and per
    kiosk how many and their seq ranges (merged where they meet), by which the store finds
    its own rows."""

    sales: int = 0
    messages: int = 0
    oldest_at: datetime | None = None
    kiosk_sales: dict[str, int] = field(default_factory=dict)
    kiosk_seqs: dict[str, list[list[int]]] = field(default_factory=dict)

    def add(self, at: datetime, rows: int | None, seqs: tuple[str, int, int] | None) -> None:
        """Count one message of the store's."""
        self.messages += 1
        self.sales += rows or 0
        self.oldest_at = at if self.oldest_at is None else min(self.oldest_at, at)
        if seqs is not None:
            kiosk, first, last = seqs
            self.kiosk_sales[kiosk] = self.kiosk_sales.get(kiosk, 0) + (rows or 0)
            self.kiosk_seqs.setdefault(kiosk, []).append([first, last])

    def as_json(self, complete: bool) -> dict:
        """As head office's reads and boards show it."""
        return {"sales": self.sales, "messages": self.messages,
                "oldest_at": self.oldest_at and to_iso(self.oldest_at), "complete": complete,
                "kiosks": {kiosk: {"sales": self.kiosk_sales[kiosk], "seqs": merged(ranges)}
                           for kiosk, ranges in self.kiosk_seqs.items()}}


def merged(ranges: list[list[int]]) -> list[list[int]]:
    """Seq ranges in order, those that overlap or meet made one."""
    out: list[list[int]] = []
    for first, last in sorted(ranges):
        if out and first <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return out


@dataclass
class TransitLook:
    """One look at the stream: each store's sales in transit, and whether it saw them all."""

    stores: dict[str, StoreTransit]
    complete: bool
    looked_at: datetime

    def of(self, store_id: str) -> dict:
        """A store's figures (zero when it has nothing in transit)."""
        return self.stores.get(store_id, StoreTransit()).as_json(self.complete)


async def look_in_transit(js, spec: ConsumerSpec, taken: Taken, limit: int,
                          now: datetime) -> TransitLook:
    """What the stream holds that the ingest has not taken, per store (see the module)."""
    consumer = await js.consumer_info(spec.stream.name, spec.durable_name)
    state = (await js.stream_info(spec.stream.name)).state
    start = max(consumer.ack_floor.stream_seq + 1, state.first_seq)
    if state.messages == 0 or start > state.last_seq:
        return TransitLook({}, True, now)
    seen = await _read_headers(js, spec, start, state.last_seq, limit)
    delivered = consumer.delivered.stream_seq
    asked = [Candidate(msg.metadata.sequence.stream, subject_store(msg.subject, spec.stream.prefix),
                       (msg.headers or {}).get("Content-Digest", ""))
             for msg in seen if msg.metadata.sequence.stream <= delivered]
    done = await taken(asked) if asked else set()
    stores: dict[str, StoreTransit] = {}
    for msg in seen:
        if msg.metadata.sequence.stream in done:
            continue
        headers = msg.headers or {}
        rows = headers.get(ROWS, "")
        stores.setdefault(subject_store(msg.subject, spec.stream.prefix), StoreTransit()).add(
            msg.metadata.timestamp, int(rows) if rows.isdigit() else None,
            message_range(headers.get(MSG_ID)))
    complete = not seen or seen[-1].metadata.sequence.stream >= state.last_seq
    return TransitLook(stores, complete, now)


async def _read_headers(js, spec: ConsumerSpec, start: int, last: int, limit: int) -> list:
    """The stream's messages from seq `start` to `last` (at most `limit`), headers only."""
    config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                            opt_start_seq=start, ack_policy=AckPolicy.NONE, headers_only=True,
                            mem_storage=True, inactive_threshold=60.0)
    sub = await js.pull_subscribe(all_stores_subject(spec.stream.prefix),
                                  stream=spec.stream.name, config=config)
    seen: list = []
    try:
        while len(seen) < limit and (not seen or seen[-1].metadata.sequence.stream < last):
            try:
                seen += await sub.fetch(min(FETCH, limit - len(seen)), timeout=FETCH_WAIT_S)
            except (nats.errors.TimeoutError, TimeoutError):
                break  # nothing more (messages that aged out meanwhile)
    finally:
        try:
            await sub.unsubscribe()
            await js.delete_consumer(spec.stream.name, config.name)
        except nats.errors.Error:
            pass  # it goes by itself after its inactive_threshold
    return [msg for msg in seen if msg.metadata.sequence.stream <= last]
