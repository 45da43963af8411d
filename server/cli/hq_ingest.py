"""`python -m server hq ingest --nats URL (--database DSN | --data-dir DIR)`: head office
takes the stores' batches from the bus (server.hq.bus_ingest) until SIGINT or SIGTERM.

At start it creates the sales stream, its dead-letter stream and the durable ingest
consumer if absent; one that exists with other settings is refused, each difference named,
and left for an operator (exit 2), as is a NATS server that does not answer or storage
that cannot be opened. Any number of ingest processes may run at once: they share the one
consumer. Exit 0 after a stop.
"""
import asyncio
import logging
import signal
import sys

from server.bus.connection import connect_bus
from server.bus.names import PREFIX, STREAM, BadBusName
from server.bus.stream import (
    BusSettingsDiffer,
    ConsumerSpec,
    StreamSpec,
    dead_letter_stream,
    ensure_consumer,
    ensure_stream,
)
from server.cli.serve import start_logging
from server.hq.bus_ingest import BusIngest, IngestRules
from server.hq.storage import open_storage

log = logging.getLogger(__name__)
CONNECT_WAIT_S = 15.0
CANNOT_START = 2


def add_bus_arguments(parser) -> None:
    """The bus's options of `hq ingest`."""
    parser.add_argument("--nats", required=True, help="NATS server URL, e.g. nats://host:4222")
    parser.add_argument("--prefix", default=PREFIX, help="subject prefix (default: sales)")
    parser.add_argument("--stream", default=STREAM, help="stream name (default: SALES)")
    parser.add_argument("--max-bytes", type=int, default=StreamSpec.max_bytes,
                        help="the streams' max_bytes when head office makes them (default "
                             "10 GiB; JetStream reserves it on the server's store at once)")
    parser.add_argument("--ack-wait", type=float, default=ConsumerSpec.ack_wait_s,
                        help="seconds before an unacknowledged message is delivered again "
                             "(default 60; the consumer keeps the value it was made with)")


def ingest(args) -> int:
    """Run the ingest until SIGINT or SIGTERM; the exit status."""
    try:
        if args.max_bytes <= 0:
            raise BadBusName(f"--max-bytes must be positive, not {args.max_bytes}")
        spec = ConsumerSpec(StreamSpec(name=args.stream, prefix=args.prefix,
                                       max_bytes=args.max_bytes), ack_wait_s=args.ack_wait)
        spec.config(), dead_letter_stream(spec.stream).config()  # names checked first
    except BadBusName as exc:
        print(f"hq ingest: {exc}", file=sys.stderr)
        return CANNOT_START
    start_logging(args.settings)
    return asyncio.run(_ingest(args.nats, args.settings, spec))


async def _ingest(url: str, settings, spec: ConsumerSpec) -> int:
    try:
        client = await connect_bus(url, CONNECT_WAIT_S, "checkout-hq-ingest",
                                   max_reconnect_attempts=-1, disconnected_cb=_bus_away,
                                   reconnected_cb=_bus_back)
    except Exception as exc:  # whatever the reason, no bus: nothing to do here
        print(f"hq ingest: no NATS answers at {url}: {exc!r}", file=sys.stderr)
        return CANNOT_START
    try:
        js = client.jetstream()
        try:
            await ensure_stream(js, spec.stream)
            await ensure_stream(js, dead_letter_stream(spec.stream))
            await ensure_consumer(js, spec)
        except BusSettingsDiffer as exc:
            print(f"hq ingest: {exc}", file=sys.stderr)
            return CANNOT_START
        return await _consume(js, settings, spec)
    finally:
        await client.close()  # flushes the acknowledgements sent last


async def _bus_away() -> None:
    log.info("disconnected from the bus (reconnecting, unless stopping)")


async def _bus_back() -> None:
    log.info("the bus is back")


async def _consume(js, settings, spec: ConsumerSpec) -> int:
    try:
        storage = await open_storage(settings)
    except Exception as exc:  # the database away or refusing: a supervisor starts it again
        print(f"hq ingest: cannot open head office's storage: {exc!r}", file=sys.stderr)
        return CANNOT_START
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        rules = IngestRules(settings.hq_signature_max_age_s, settings.hq_max_batch_rows)
        ingest_loop = BusIngest(js, storage, rules, spec)
        log.info("ingesting %s.> of stream %s as consumer %s", spec.stream.prefix,
                 spec.stream.name, spec.durable_name)
        counts = await ingest_loop.run(stop)
    finally:
        await storage.close()
    log.info("ingest stopped: %s", counts.line())
    print(f"hq ingest: {counts.line()}")
    return 0
