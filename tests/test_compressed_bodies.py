"""A compressed request body is refused before it is inflated, so nobody can freeze the
edge's event loop with a gzip bomb: 1 MB on the wire that inflates to 1 GB cost the edge
2.3 s of CPU per MB when its parser inflated it, and a shopper's checkout waited meanwhile.
Driven against `python -m server` as a process, with no credential, as an attacker would."""
import asyncio
import io
import struct
import uuid
import zlib

import aiohttp
import pytest

from reliability.edge_process import Edge
from tests.conftest import MILK

MB = 1 << 20
# Where an attacker without a credential can send a body: the sign-in, an open route, a
# kiosk route (auth is checked first, but the parser inflates before any of it).
ROUTES = ("/auth/session", "/health", "/edge/heartbeat")


def gzip_bomb(inflated_mb: int) -> bytes:
    """A valid gzip stream of `inflated_mb` MB of zeros, about 1 KB per MB, made in a blink:
    after a full flush, every further MB of zeros compresses to the same block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * MB
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(inflated_mb):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, (inflated_mb * MB) & 0xFFFFFFFF)
    return first + block * (inflated_mb - 1) + compressor.flush()[:-8] + trailer


def test_the_bomb_is_what_it_claims():
    bomb = gzip_bomb(64)
    assert len(bomb) < 100_000
    assert len(zlib.decompress(bomb, 31)) == 64 * MB


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    server = Edge(tmp_path_factory.mktemp("bomb") / "data", {
        "CHECKOUT_CHECKOUT_RATE_PER_S": "1000", "CHECKOUT_CHECKOUT_BURST": "1000"})
    server.start()
    yield server
    server.stop()


async def settled_cpu(edge: Edge) -> float:
    """The edge's CPU seconds once it has stopped working (polled, within a deadline)."""
    loop = asyncio.get_running_loop()
    deadline, last = loop.time() + 60, edge.cpu_seconds()
    while loop.time() < deadline:
        await asyncio.sleep(0.3)
        now = edge.cpu_seconds()
        if now - last < 0.02:
            return now
        last = now
    return last


async def checkouts_until(http, edge: Edge, done: asyncio.Event) -> list[int]:
    """A shopper on another kiosk checks out one sale after another until `done`."""
    headers = {"Authorization": f"Bearer {edge.token('kiosk-2')}"}
    statuses = []
    while not done.is_set():
        body = {"idempotency_key": str(uuid.uuid4()), "items": [{"sku": MILK, "qty": 1}],
                "payment": {"method": "card", "reference": "TERM-1"}}
        async with http.post(f"{edge.url}/edge/checkout", json=body, headers=headers) as resp:
            statuses.append(resp.status)
        await asyncio.sleep(0.05)
    return statuses


async def test_a_gzip_bomb_is_refused_uninflated_and_checkouts_go_on(edge):
    bomb = gzip_bomb(1024)   # 1 MB sent, 1 GB if inflated

    async def chunks():
        for start in range(0, len(bomb), 64 * 1024):
            yield bomb[start:start + 64 * 1024]

    before = await settled_cpu(edge)
    done = asyncio.Event()
    # A connection per request: the edge closes one whose body it did not read.
    fresh = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession() as http, aiohttp.ClientSession(connector=fresh) as attacker:
        shopper = asyncio.create_task(checkouts_until(http, edge, done))
        answers = []
        for path in ROUTES:
            for body in (io.BytesIO(bomb), chunks()):    # with Content-Length, and chunked
                async with attacker.post(f"{edge.url}{path}", data=body, headers={
                        "Content-Encoding": "gzip", "Content-Type": "application/json"}) as resp:
                    answers.append((path, resp.status, (await resp.json())["error"]["code"]))
        # The shopper stops first: the edge settles only once nobody is checking out, and
        # what the shopper cost during the bombs (a few dozen sales) stays in the count.
        done.set()
        statuses = await shopper
        spent = await settled_cpu(edge) - before
    assert all(status == 415 and code == "unsupported_content_encoding"
               for _, status, code in answers), answers
    # Six bombs inflated would have cost the edge about 14 s of CPU; refused, next to nothing.
    assert spent < 1.0, f"the edge spent {spent:.2f} s of CPU on 6 MB of gzip"
    assert statuses and set(statuses) == {201}, statuses


async def test_any_content_encoding_is_refused_and_records_nothing(client, settings):
    from tests.conftest import sale
    from tests.store_files import edge_rows
    for encoding in ("gzip", "deflate", "br", "x-unknown", "GZIP "):
        resp = await client.post("/edge/checkout", data=b'{"not": "inflated"}', headers={
            "Content-Encoding": encoding, "Content-Type": "application/json"})
        assert resp.status == 415, await resp.text()
        assert (await resp.json())["error"]["code"] == "unsupported_content_encoding"
    resp = await client.post("/edge/checkout", json=sale("k1"),
                             headers={"Content-Encoding": "identity"})
    assert resp.status == 201
    assert edge_rows(settings) == 1
