"""What the ingest's tests share: head office's storage on the test's PostgreSQL database with
store-a's key enrolled, `python -m server hq ingest` as a real process on the test's own
stream, and batch messages published as a store would."""
import signal
from pathlib import Path

import asyncpg
import pytest
from nats.js.errors import NotFoundError

from reliability.ingest_process import IngestProcess
from server.bus.envelope import MSG_ID, batch_message
from server.bus.stream import INGEST_CONSUMER, StreamSpec, dead_letter_stream
from server.chain.store_keys import create_key
from server.clock import to_iso, utc_now
from server.config import HqSettings
from server.hq.storage import open_storage
from tests.chain.helpers import batch_body, sales_rows

ACK_WAIT_S = 30.0  # a message is not delivered twice on a slow machine, unless a test says
SHORT_ACK_WAIT = ("--ack-wait", "2")  # ... that one killed with it comes back this soon


@pytest.fixture
async def store_key(postgres, tmp_path):
    """store-a's key, enrolled at head office on the test's database."""
    return await enrolled_store(postgres, tmp_path)


@pytest.fixture
async def ingest(nats_url, postgres, bus_names, js, tmp_path):
    """Start ingest processes on the test's stream (each killed after, if still running;
    its dead-letter stream deleted)."""
    started = []

    def start(name: str = "ingest", *more_args: str) -> IngestProcess:
        started.append(IngestProcess(nats_url, postgres, bus_names.stream, bus_names.prefix,
                                     tmp_path / f"{name}.log", more_args,
                                     ACK_WAIT_S).start())
        return started[-1]
    yield start
    for process in started:
        await process.stop(signal.SIGKILL)
    try:
        await js.delete_stream(dead_letter_stream(StreamSpec(bus_names.stream)).name)
    except NotFoundError:
        pass


async def enrolled_store(postgres: str, tmp_path: Path, store_id: str = "store-a"):
    """Head office's schema made on the test's database and a store's key enrolled; the key."""
    storage = await open_storage(HqSettings(database=postgres, data_dir=str(tmp_path / "hq")))
    try:
        key = create_key(tmp_path / f"{store_id}.pem")
        await storage.registry.enroll(store_id, key.public_text, to_iso(utc_now()))
    finally:
        await storage.close()
    return key


def published(key, prefix: str, kiosk: str, first: int, count: int, store_id: str = "store-a",
              signed_at=None):
    """A batch message of `count` sales of a kiosk, as store `store_id` publishes it (signed
    now, or at `signed_at`)."""
    body = batch_body(store_id, sales_rows(kiosk, count=count, first=first))
    return batch_message(key, body, store_id, kiosk, first + 1, first + count, prefix=prefix,
                         now=signed_at)


async def publish(js, message, msg_id: str | None = None) -> None:
    """Publish a batch message (under another message id, if given)."""
    headers = {**message.headers, **({MSG_ID: msg_id} if msg_id else {})}
    await js.publish(message.subject, message.body, headers=headers)


async def sales_held(postgres: str) -> list[str]:
    """Every order_uuid in head office's central_orders, duplicates and all."""
    conn = await asyncpg.connect(postgres)
    try:
        return [row[0] for row in await conn.fetch("SELECT order_uuid FROM central_orders")]
    finally:
        await conn.close()


async def ingesting(process: IngestProcess) -> bool:
    """Whether an ingest process is taking messages: its storage open (after its streams and
    consumer are made), its signal handlers set, so a stop is a clean one."""
    return "ingesting" in process.output()


async def consumer_made(js, stream: str) -> bool:
    """Whether the ingest made its streams and its consumer (the last thing it makes)."""
    try:
        await js.consumer_info(stream, INGEST_CONSUMER)
    except NotFoundError:
        return False
    return True


async def count_is(postgres: str, count: int) -> bool:
    """Whether head office holds `count` sales (failing at once if it holds more)."""
    held = await sales_held(postgres)
    assert len(held) <= count, f"more sales than published: {len(held)}"
    return len(held) == count


async def consumer_settled(js, stream: str) -> bool:
    """Whether the ingest consumer holds nothing pending, nor unacknowledged."""
    info = await js.consumer_info(stream, INGEST_CONSUMER)
    return info.num_pending == 0 and info.num_ack_pending == 0
