"""The sales stream and HQ's ingest consumer: their settings, chosen once here, and their
creation at head office's start. A running stream or consumer is never changed from here:
one whose settings differ from these is named, difference by difference, and left alone for
an operator to decide (`nats stream edit`), since changing retention or limits under a live
chain can drop sales.

The stream:
- limits retention, not work-queue: other systems at head office (finance, stock, analytics)
  read the same messages with consumers of their own, and a work-queue stream deletes a
  message once one consumer acks it (and allows one consumer per subject);
- file storage, so that a restart of the NATS server keeps every message not yet ingested;
- max_age 14 days: a message stays readable, and a sale "in transit", across a long weekend's
  outage of the ingest or the database, twice over; past it a message is gone from the bus
  (the store still holds the sale, and reconciliation then calls it missing);
- max_bytes 10 GiB with discard "new": a full stream refuses the next publish, so the store
  gets no acknowledgement, keeps its rows pending and backs off, as when head office is down.
  Discard "old" would drop the oldest messages, perhaps not yet ingested, without a word to
  anyone. 10 GiB holds 14 days of a chain of 200 stores at ~5,000 sales a day of ~700 bytes
  (~9.8 GB);
  a larger chain sets a larger bound (an operator's `nats stream edit`, then `hq ingest
  --max-bytes`). JetStream reserves a stream's max_bytes on the server's store when it is
  made, so a stream for a test or a benchmark run takes a small bound (RUN_STREAM_BYTES);
- duplicate_window 120 s (JetStream's default, kept in memory): it spares work when a store
  publishes a batch again after a lost acknowledgement; the ledger's key, not the window,
  makes each sale count once;
- one replica: one NATS server at head office. A cluster of three would state 3 here.
A second stream, `SALES_DEAD` on `sales_dead.>` with the same limits, keeps the dead letters
(`dead_letter_stream`), so that a refused message is kept for an operator, not lost.

The ingest consumer (durable, pulled by each ingest process, which share its messages):
- explicit acks, sent only after the ledger's commit; AckWait 60 s, far above a batch's
  commit, so that a message is redelivered a minute after an ingest process dies with it (a
  slow commit says "in progress" to keep its message);
- MaxAckPending 256: at most this many messages are out unacknowledged across all ingest
  processes, which bounds their memory and the redeliveries after a crash;
- MaxDeliver unlimited (-1): past a limit JetStream stops delivering a message to the consumer
  and tells only an advisory subject, so a sale would be skipped silently. The ingest itself
  tells a message that can never be ingested (bad signature, malformed) and moves it to the
  dead-letter subject; one that failed for now (the database down) is delivered again later.
"""
from dataclasses import dataclass, field, replace

from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from server.bus.names import DEAD_SUFFIX, PREFIX, STREAM, all_stores_subject, checked_stream_name

DAY_S = 86400.0
GIB = 1024 ** 3
RUN_STREAM_BYTES = GIB  # a test's or a chain run's stream (the docstring says why)
INGEST_CONSUMER = "hq-ingest"


class BusSettingsDiffer(RuntimeError):
    """A stream or consumer on the bus exists with other settings than head office's."""

    def __init__(self, what: str, differences: list[str]):
        super().__init__(f"{what} exists with other settings than head office's, and is left "
                         f"as it is for an operator to settle: {'; '.join(differences)}")
        self.differences = differences


@dataclass(frozen=True)
class StreamSpec:
    """The sales stream's settings (the module's docstring says why each)."""

    name: str = STREAM
    prefix: str = PREFIX
    retention: RetentionPolicy = RetentionPolicy.LIMITS
    storage: StorageType = StorageType.FILE
    max_age_s: float = 14 * DAY_S
    max_bytes: int = 10 * GIB
    discard: DiscardPolicy = DiscardPolicy.NEW
    duplicate_window_s: float = 120.0
    num_replicas: int = 1

    def config(self) -> StreamConfig:
        """The stream's configuration as JetStream takes it."""
        return StreamConfig(
            name=checked_stream_name(self.name), subjects=[all_stores_subject(self.prefix)],
            retention=self.retention, storage=self.storage, max_age=self.max_age_s,
            max_bytes=self.max_bytes, discard=self.discard,
            duplicate_window=self.duplicate_window_s, num_replicas=self.num_replicas)


def dead_letter_stream(sales: StreamSpec) -> StreamSpec:
    """The stream that keeps the sales stream's dead letters (`<prefix>_dead.>`), with the
    same limits: a refused message stays there for an operator, never again under `sales.>`."""
    return replace(sales, name=f"{sales.name}{DEAD_SUFFIX.upper()}",
                   prefix=f"{sales.prefix}{DEAD_SUFFIX}")


STREAM_CHECKED = ("subjects", "retention", "storage", "max_age", "max_bytes", "discard",
                  "duplicate_window", "num_replicas")


@dataclass(frozen=True)
class ConsumerSpec:
    """HQ's ingest consumer's settings (the module's docstring says why each)."""

    stream: StreamSpec = field(default_factory=StreamSpec)
    durable_name: str = INGEST_CONSUMER
    ack_wait_s: float = 60.0
    max_ack_pending: int = 256
    max_deliver: int = -1

    def config(self) -> ConsumerConfig:
        """The consumer's configuration as JetStream takes it."""
        return ConsumerConfig(
            durable_name=checked_stream_name(self.durable_name),
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_s, max_ack_pending=self.max_ack_pending,
            max_deliver=self.max_deliver,
            filter_subject=all_stores_subject(self.stream.prefix))


CONSUMER_CHECKED = ("deliver_policy", "ack_policy", "ack_wait", "max_ack_pending",
                    "max_deliver", "filter_subject")


def differences(wanted, held, names: tuple[str, ...]) -> list[str]:
    """Each setting of `names` where `held` (as the server tells) is not `wanted`."""
    return [f"{name} is {_shown(getattr(held, name))}, head office's is "
            f"{_shown(getattr(wanted, name))}"
            for name in names if getattr(held, name) != getattr(wanted, name)]


def _shown(value) -> str:
    return str(value.value if hasattr(value, "value") else value)


async def ensure_stream(js, spec: StreamSpec):
    """Create the sales stream if it is absent; its info. One with other settings raises
    BusSettingsDiffer and is left as it is."""
    wanted = spec.config()
    try:
        info = await js.stream_info(spec.name)
    except NotFoundError:
        # Two processes starting at once both add it: JetStream takes the same config twice.
        info = await js.add_stream(config=wanted)
    found = differences(wanted, info.config, STREAM_CHECKED)
    if found:
        raise BusSettingsDiffer(f"stream {spec.name}", found)
    return info


async def ensure_consumer(js, spec: ConsumerSpec):
    """Create HQ's durable ingest consumer on the stream if it is absent; its info. One with
    other settings raises BusSettingsDiffer and is left as it is."""
    wanted = spec.config()
    try:
        info = await js.consumer_info(spec.stream.name, spec.durable_name)
    except NotFoundError:
        info = await js.add_consumer(spec.stream.name, config=wanted)
    found = differences(wanted, info.config, CONSUMER_CHECKED)
    if found:
        raise BusSettingsDiffer(f"consumer {spec.durable_name} of {spec.stream.name}", found)
    return info
