"""Head office's ingest from the bus: a durable pull consumer on the sales stream that takes
each store's batch message by the same rules as POST /hq/v1/batches
(server.central.batch_intake), commits it to the ledger, and acknowledges it only after the
commit returned. Several ingest processes pull from the one durable consumer and share the
messages; each sale counts once because the ledger's key says so, not the bus (a redelivered
message, or the same batch under another message id, is `already_present`).

A row refused for good (held with other content) is kept in head office's storage
(server.central.bus_refused_rows) before the message is acknowledged, for its store to
read back and set aside, as an HTTP answer would have told it.

A message that can never be ingested (a refusal of the 4xx kind: bad or stale signature,
unknown or revoked key, malformed, too many rows, another store's) is published to the
store's dead-letter subject with its headers, its body and the reason, counted in head
office's storage (bus_dead_letters, for the chain wallboard's alert), then terminated, so
it never blocks the stream. A failure for now (the database unavailable, or anything not
understood) is never a dead letter: the message is given back with a delay and the ingest
backs off, so messages wait in the stream until the ledger answers again.
"""
import asyncio
import logging
import time
from dataclasses import dataclass

import nats.errors

from server.bus.envelope import MSG_ID, request_view
from server.bus.names import dead_letter_subject, subject_store
from server.bus.stream import ConsumerSpec
from server.central.batch_intake import take_signed_batch
from server.central.bus_dead_letters import DeadLetter
from server.chain.registry import KeyRing
from server.clock import to_iso, utc_now
from server.errors import DomainError, StoreMismatch

log = logging.getLogger(__name__)
REASON = "Checkout-Dead-Letter-Reason"  # "<error code>: <message>" on a dead letter
FETCH_BATCH = 16      # messages pulled at once by one process (all handled in turn)
FETCH_WAIT_S = 1.0    # how long a pull waits for messages: also how soon a stop is seen
FIRST_BACKOFF_S, MOST_BACKOFF_S = 1.0, 30.0


@dataclass
class IngestCounts:
    """What this process did with the messages it took."""

    messages: int = 0
    inserted: int = 0
    already_present: int = 0
    refused_rows: int = 0
    dead_letters: int = 0
    retries: int = 0

    def line(self) -> str:
        """The counts as one log line."""
        return (f"{self.messages} messages: {self.inserted} sales inserted, "
                f"{self.already_present} already present, {self.refused_rows} rows refused, "
                f"{self.dead_letters} dead letters, {self.retries} given back for later")


@dataclass(frozen=True)
class IngestRules:
    """The HTTP route's limits, as head office's settings give them."""

    max_age_s: float
    max_rows: int


def is_for_now(exc: Exception) -> bool:
    """Whether a failure may pass (try the message again later) rather than be for good."""
    return not isinstance(exc, DomainError) or exc.status >= 500


class BusIngest:
    """One ingest process's share of the consumer: pull, check, commit, then acknowledge."""

    def __init__(self, js, storage, rules: IngestRules, spec: ConsumerSpec, clock=utc_now,
                 log_every: int = 100, log_interval_s: float = 30.0):
        self.js, self.rules, self.spec, self.clock = js, rules, spec, clock
        self.ledger, self.dead_letters = storage.ledger, storage.dead_letters
        self.refused_rows = storage.refused_rows
        self.ring = KeyRing(storage.registry)
        self.counts = IngestCounts()
        self.log_every, self.log_interval_s = log_every, log_interval_s
        self._logged_at, self._logged_count = time.monotonic(), 0
        self._backoff_s = FIRST_BACKOFF_S

    async def run(self, stop: asyncio.Event) -> IngestCounts:
        """Pull and take messages until `stop` is set; the message in hand is finished, the
        rest of a pull is given back at once for another process."""
        sub = await self.js.pull_subscribe_bind(durable=self.spec.durable_name,
                                                stream=self.spec.stream.name)
        try:
            while not stop.is_set():
                try:
                    messages = await sub.fetch(FETCH_BATCH, timeout=FETCH_WAIT_S)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue  # nothing waiting (nats-py raises either)
                except nats.errors.Error as exc:  # the NATS server away: it reconnects
                    log.warning("cannot pull from the bus for now: %r", exc)
                    await _sleep_unless(stop, FIRST_BACKOFF_S)
                    continue
                await self.take_all(messages, stop)
        finally:
            with _quietly():
                await sub.unsubscribe()
        return self.counts

    async def take_all(self, messages: list, stop: asyncio.Event) -> None:
        """Take pulled messages in turn; after a failure for now, give the rest back with a
        delay and wait as long before pulling again."""
        for taken, msg in enumerate(messages):
            if stop.is_set():
                await _give_back(messages[taken:], None)
                return
            if not await self.take(msg):
                await _give_back(messages[taken + 1:], self._backoff_s)
                await _sleep_unless(stop, self._backoff_s)
                self._backoff_s = min(self._backoff_s * 2, MOST_BACKOFF_S)
                return
            self._backoff_s = FIRST_BACKOFF_S
        self.log_progress()

    async def take(self, msg) -> bool:
        """Take one message: committed then acknowledged, or a dead letter (True); or given
        back for later (False)."""
        try:
            batch = await self.checked_batch(msg)
            delivery = await self.committed(msg, batch)
            if delivery.refused:  # kept for the store to read back before the ack
                await self.refused_rows.record(batch.store_id, delivery.refused,
                                               self.spec.stream.name,
                                               msg.metadata.sequence.stream, self.clock())
        except Exception as exc:
            if is_for_now(exc):
                await self.retry_later(msg, exc)
                return False
            return await self.dead_letter(msg, exc)
        with _quietly():  # an ack lost on the way: delivered again, then already present
            await msg.ack()  # only now: the ledger's commit returned
        counts = self.counts
        counts.messages += 1
        counts.inserted += delivery.inserted
        counts.already_present += delivery.already_present
        counts.refused_rows += len(delivery.refused)
        if delivery.refused:
            log.warning("%s: rows refused for good (other content than held), kept for the "
                        "store to set aside: %s", msg.subject, delivery.refused)
        return True

    async def committed(self, msg, batch):
        """The ledger's ingest of a message's batch, saying "in progress" to the bus every
        third of AckWait meanwhile, so that a slow commit keeps its message rather than see
        it delivered to another process (which would wait on the same rows' locks)."""
        keeping = asyncio.create_task(self._keep_in_hand(msg))
        try:
            return await self.ledger.ingest(batch)
        finally:
            keeping.cancel()
            await asyncio.gather(keeping, return_exceptions=True)

    async def _keep_in_hand(self, msg) -> None:
        while True:
            await asyncio.sleep(self.spec.ack_wait_s / 3)
            with _quietly():
                await msg.in_progress()

    async def checked_batch(self, msg):
        """The message's batch, by the HTTP route's rules and one more: a store publishes on
        its own subject only. Its signature's age is judged at the moment the stream took
        it, since a message may wait in the stream for days."""
        headers = msg.headers or {}
        batch = await take_signed_batch(
            self.ring, *request_view(headers, msg.data), msg.metadata.timestamp,
            self.rules.max_age_s, self.rules.max_rows, to_iso(self.clock()))
        published_as = subject_store(msg.subject, self.spec.stream.prefix)
        if published_as != batch.proof.store_id:
            raise StoreMismatch("a store publishes on its own subject only",
                                {"key_store_id": batch.proof.store_id, "subject": msg.subject})
        return batch

    async def dead_letter(self, msg, refusal: DomainError) -> bool:
        """Move a message that can never be ingested to its store's dead-letter subject
        (kept by the dead-letter stream) and count it in head office's storage, then end
        it on the consumer; if either step fails for now, give it back (False)."""
        store = subject_store(msg.subject, self.spec.stream.prefix)
        reason = f"{refusal.code}: {refusal.message}".replace("\r", " ").replace("\n", " ")
        headers = {**(msg.headers or {}), REASON: reason[:1000]}
        letter = DeadLetter(store, msg.subject, self.spec.stream.name,
                            msg.metadata.sequence.stream, headers.get(MSG_ID), refusal.code,
                            reason[:1000])
        try:
            # The original's Nats-Msg-Id goes with it: moved again after a crash, it is one.
            await self.js.publish(dead_letter_subject(store, self.spec.stream.prefix),
                                  msg.data, headers=headers)
            await self.dead_letters.record(letter, self.clock())
        except Exception as exc:
            await self.retry_later(msg, exc)
            return False
        with _quietly():  # a term lost on the way: moved aside again, counted once
            await msg.term()  # only now: a crash before it moves the message aside again
        self.counts.messages += 1
        self.counts.dead_letters += 1
        log.warning("dead letter from %s (stream seq %s): %s (%d so far)", msg.subject,
                    letter.stream_seq, reason, self.counts.dead_letters)
        return True

    async def retry_later(self, msg, failure: Exception) -> None:
        """Give a message back to the consumer, to be delivered again after the backoff."""
        self.counts.retries += 1
        log.warning("%s (stream seq %s) given back for %.0f s: %r", msg.subject,
                    msg.metadata.sequence.stream, self._backoff_s, failure)
        with _quietly():
            await msg.nak(delay=self._backoff_s)

    def log_progress(self) -> None:
        """One line every `log_every` messages or `log_interval_s`, whichever comes first."""
        now = time.monotonic()
        if (self.counts.messages - self._logged_count >= self.log_every
                or now - self._logged_at >= self.log_interval_s):
            log.info("ingest: %s", self.counts.line())
            self._logged_at, self._logged_count = now, self.counts.messages


async def _give_back(messages: list, delay_s: float | None) -> None:
    """Hand messages not taken back to the consumer (for another process, or later)."""
    for msg in messages:
        with _quietly():
            await msg.nak(delay=delay_s)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


class _quietly:
    """Ignore a NATS failure where the message comes back anyway (after AckWait)."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if exc is not None and isinstance(exc, nats.errors.Error):
            log.warning("the bus did not take it: %r", exc)
            return True
        return False
