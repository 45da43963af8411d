"""A chain's bus, for a run with `--transport nats`: the stores publish their batches to a
NATS JetStream stream and head office's ingest processes (two, sharing one consumer) take
them into the ledger; head office's HTTP service still runs, for the stores' reads and
status reports.

The NATS server is one already running (`nats_url`) or one of the run's own, on a free port
with its store in the work dir (a scenario that stops the bus needs that). Either way the run
has its own stream and subject prefix, so runs never meet on a server, and deletes both
streams (sales and dead letters) at its end. With `relayed`, each ingest process reaches
NATS through a relay the run can hold (reliability/held_relay.py).
"""
import asyncio
import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import nats
from nats.js.errors import NotFoundError

from reliability.held_relay import HeldRelay
from reliability.ingest_process import IngestProcess
from reliability.nats_process import ThrowawayNats, free_port
from server.bus.stream import INGEST_CONSUMER, RUN_STREAM_BYTES, StreamSpec, dead_letter_stream

ASK_TIMEOUT_S = 2.0
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def nats_url_of(given: str | None = None) -> str:
    """The NATS server a run uses: the one given, else $CHECKOUT_TEST_NATS, else this
    machine's on 4222; this machine's only."""
    url = given or os.environ.get("CHECKOUT_TEST_NATS", "nats://127.0.0.1:4222")
    if urlsplit(url).hostname not in LOCAL_HOSTS:
        raise ValueError(f"runs use a NATS server on this machine only, not {url!r}")
    return url


@dataclass
class BusOptions:
    """Where the bus is and how head office's ingest runs on it."""

    nats_url: str | None = None  # None: a NATS server of the run's own
    ingest_processes: int = 2
    ack_wait_s: float = 30.0
    relayed: bool = False


@dataclass
class BusFigures:
    """What the stream holds and what its consumers have yet to take."""

    held: int
    pending: int
    ack_pending: int
    dead_letters: int

    @property
    def settled(self) -> bool:
        """Nothing in transit: every message delivered to the ingest and acknowledged."""
        return self.pending == 0 and self.ack_pending == 0


async def _unheard(exc: Exception) -> None:
    """The run's own connection says nothing of a bus away: its progress line does."""


class ChainBus:
    """The run's stream, its NATS server if it is the run's own, and the ingest processes."""

    def __init__(self, options: BusOptions, workdir: Path, database: str):
        self.options = options
        part = secrets.token_hex(6)
        self.spec = StreamSpec(name=f"CHAIN_{part.upper()}", prefix=f"chain_{part}.sales",
                               max_bytes=RUN_STREAM_BYTES)
        self.server = None if options.nats_url else ThrowawayNats(workdir / "nats", free_port())
        self.url = options.nats_url or self.server.url
        self.workdir, self.database = workdir, database
        self.relays: list[HeldRelay] = []
        self.ingests: list[IngestProcess] = []
        self.client = None
        self.last_figures: BusFigures | None = None

    def edge_env(self) -> dict:
        """What makes a store's edge publish its batches to this bus."""
        return {"CHECKOUT_CENTRAL_TRANSPORT": "nats", "CHECKOUT_NATS_URL": self.url,
                "CHECKOUT_NATS_SUBJECT_PREFIX": self.spec.prefix}

    async def start(self, say) -> None:
        """The server (if the run's own), the relays (if asked), the ingest processes; then
        wait until the ingest made the stream and its consumer."""
        if self.server is not None:
            await self.server.start()
        for number in range(1, self.options.ingest_processes + 1):
            url = self.url
            if self.options.relayed:
                self.relays.append(relay := HeldRelay(int(self.url.rsplit(":", 1)[1])))
                await relay.start()
                url = relay.url
            self.ingests.append(IngestProcess(
                url, self.database, self.spec.name, self.spec.prefix,
                self.workdir / f"ingest-{number}.log", ack_wait_s=self.options.ack_wait_s))
            self.ingests[-1].start()
        await self.watch()
        for _ in range(300):
            if await self.figures() is not None:
                say(f"[bus] stream {self.spec.name} on {self.url}, subjects "
                    f"{self.spec.prefix}.>, {len(self.ingests)} ingest processes")
                return
            if not all(ingest.running for ingest in self.ingests):
                break
            await asyncio.sleep(0.1)
        raise RuntimeError("the ingest did not make its stream and consumer:\n"
                           + "\n".join(i.output()[-1500:] for i in self.ingests))

    async def watch(self) -> None:
        """Connect the run's own client, which reads the stream's figures."""
        self.client = await nats.connect(self.url, connect_timeout=3, error_cb=_unheard,
                                         max_reconnect_attempts=-1, reconnect_time_wait=0.5)

    async def unwatch(self) -> None:
        """Close the run's own client (while the bus is away: nats-py's reconnects to a port
        that never answers leave sockets unclosed)."""
        if self.client is not None:
            await self.client.close()

    async def figures(self) -> BusFigures | None:
        """The stream's and its consumer's figures now (None if the bus cannot say)."""
        try:
            js = self.client.jetstream(timeout=ASK_TIMEOUT_S)
            stream = await js.stream_info(self.spec.name)
            consumer = await js.consumer_info(self.spec.name, INGEST_CONSUMER)
            dead = await js.stream_info(dead_letter_stream(self.spec).name)
        except Exception:  # the server away, the stream not made yet: nothing to say
            return None
        self.last_figures = BusFigures(stream.state.messages, consumer.num_pending,
                                       consumer.num_ack_pending, dead.state.messages)
        return self.last_figures

    async def pulling(self, within_s: float) -> bool:
        """Wait until every ingest process has a pull waiting at the consumer (started and
        consuming); False if not within the time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while loop.time() < deadline:
            with contextlib.suppress(Exception):
                consumer = await self.client.jetstream(timeout=ASK_TIMEOUT_S).consumer_info(
                    self.spec.name, INGEST_CONSUMER)
                if consumer.num_waiting >= len(self.ingests):
                    return True
            await asyncio.sleep(0.05)
        return False

    async def settled(self, within_s: float) -> bool:
        """Wait until nothing is in transit (False if something still is after the time)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while loop.time() < deadline:
            figures = await self.figures()
            if figures is not None and figures.settled:
                return True
            await asyncio.sleep(0.2)
        return False

    async def progress_line(self) -> str:
        """One line: the ingest processes, what the stream holds, what is in transit."""
        up = sum(ingest.running for ingest in self.ingests)
        starts = sum(ingest.starts for ingest in self.ingests)
        figures = await self.figures()
        held = ("bus unreachable" if figures is None else
                f"held={figures.held} pending={figures.pending} "
                f"ack-pending={figures.ack_pending} dead={figures.dead_letters}")
        return f"ingest {up}/{len(self.ingests)} up, {starts} starts; stream {held}"

    async def stop(self) -> None:
        """Stop the ingest processes (by PID), delete the run's streams, stop the server."""
        for ingest in self.ingests:
            if ingest.running:
                await ingest.stop()
        for relay in self.relays:
            await relay.stop()
        if self.client is not None:
            await self.figures()  # the last figures, for the summary
            with contextlib.suppress(Exception):
                await self._delete_streams()
            await self.unwatch()
        if self.server is not None:
            self.server.stop()

    async def _delete_streams(self) -> None:
        js = self.client.jetstream(timeout=ASK_TIMEOUT_S)
        for spec in (self.spec, dead_letter_stream(self.spec)):
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(spec.name)

    def summary(self) -> dict:
        """The bus's part of a run's summary (the stream's figures as last seen)."""
        figures = self.last_figures
        return {"url": self.url, "own_server": self.server is not None,
                "stream": self.spec.name, "prefix": self.spec.prefix,
                "figures": None if figures is None else vars(figures),
                "ingest": [{"log": str(i.log_path), "starts": i.starts, "running": i.running}
                           for i in self.ingests]}
