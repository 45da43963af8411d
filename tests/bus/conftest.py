"""Fixtures for the bus's tests: a real NATS server with JetStream, found at
CHECKOUT_TEST_NATS (scripts/test starts one when none answers at the machine's
nats://127.0.0.1:4222). A test that cannot reach it fails: it is never skipped.

Each test has names of its own (a stream and a subject prefix with a uuid part), so tests
never meet on one server, and its stream is deleted after it."""
import asyncio
import os
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import nats
import pytest
from nats.js.errors import NotFoundError

from server.bus.stream import RUN_STREAM_BYTES, StreamSpec

DEFAULT_NATS = "nats://127.0.0.1:4222"


async def connect(url: str):
    """A connection to a NATS server whose JetStream answers; pytest.fail if none does."""
    try:
        # nats-py keeps trying a port where nothing listens: a plain connect answers at once.
        where = urlsplit(url)
        _, writer = await asyncio.wait_for(asyncio.open_connection(where.hostname,
                                                                   where.port or 4222), 3)
        writer.close()
        client = await asyncio.wait_for(nats.connect(
            url, connect_timeout=3, allow_reconnect=False, max_reconnect_attempts=0), 10)
        await client.jetstream().account_info()
    except Exception as exc:  # whatever stopped it, the test fails saying where to look
        pytest.fail(f"no NATS with JetStream answers at {url} ({exc!r}); "
                    "scripts/nats-for-tests starts one (scripts/test does)")
    return client


@pytest.fixture
async def nats_url() -> str:
    """The URL of the tests' NATS server, once it answered with JetStream on."""
    url = os.environ.get("CHECKOUT_TEST_NATS", DEFAULT_NATS)
    await (await connect(url)).close()
    return url


@pytest.fixture
async def nats_client(nats_url):
    """A connection to the tests' NATS server; closed after."""
    client = await connect(nats_url)
    yield client
    await client.close()


@pytest.fixture
def js(nats_client):
    """The tests' JetStream context."""
    return nats_client.jetstream()


@dataclass(frozen=True)
class BusNames:
    """A test's own stream name and subject prefix."""

    stream: str
    prefix: str

    def spec(self, **changes) -> StreamSpec:
        """Head office's stream settings under these names, with a test's small max_bytes
        (as `hq ingest` started by the tests makes it: reliability/ingest_process.py)."""
        return StreamSpec(name=self.stream, prefix=self.prefix, max_bytes=RUN_STREAM_BYTES,
                          **changes)


@pytest.fixture
async def bus_names(js):
    """Names no other test uses; the stream of that name is deleted after the test."""
    part = uuid.uuid4().hex[:12]
    names = BusNames(stream=f"TEST_SALES_{part}", prefix=f"test_{part}.sales")
    yield names
    try:
        await js.delete_stream(names.stream)
    except NotFoundError:
        pass  # the test made none
