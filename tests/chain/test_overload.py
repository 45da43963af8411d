"""Head office protects itself: a bounded number of batches, and of their bytes, go in at
once; one beyond is answered 503 hq_busy with Retry-After at once (never queued, never a
pile-up of database connections), writes nothing, and the store's sync waits at least what
was asked, with jitter."""
import asyncio
import contextlib

import asyncpg
import pytest

from server.chain.signing import sign
from server.errors import HqBusy
from server.hq.gate import IngestGate
from server.hq.keys import HQ_METRICS, INGEST_GATE
from server.sync.backoff import Backoff
from server.web.keys import SETTINGS
from tests.chain.helpers import batch_body, sales_rows
from tests.chain.test_signatures import BATCHES, assert_refused, written
from tests.conftest import eventually, raw_exchange


@contextlib.asynccontextmanager
async def gate_full(store, hq_client, postgres):
    """Batches fill the gate, held inside by a lock on hq_batches; each answers 200 once
    the lock goes."""
    app = hq_client.app
    limit = app[SETTINGS].hq_max_concurrent_batches
    blocker = await asyncpg.connect(postgres)
    try:
        await blocker.execute("BEGIN; LOCK TABLE hq_batches IN EXCLUSIVE MODE")
        inside = [asyncio.create_task(store.post(BATCHES, batch_body(
            "store-a", sales_rows(f"kiosk-{i}", 2)))) for i in range(limit)]
        await eventually(lambda: app[INGEST_GATE].in_progress == limit)
        yield
        await blocker.execute("COMMIT")
        assert [answer.status for answer in await asyncio.gather(*inside)] == [200] * limit
    finally:
        await blocker.close()


async def test_a_batch_beyond_the_ingest_limit_is_503_hq_busy(store, hq_client, postgres):
    app = hq_client.app
    limit = app[SETTINGS].hq_max_concurrent_batches
    async with gate_full(store, hq_client, postgres):
        resp = await store.post(BATCHES, batch_body("store-a", sales_rows("kiosk-9", 2)))
        error = await assert_refused(resp, 503, "hq_busy")
        assert resp.headers["Retry-After"] == str(app[SETTINGS].hq_busy_retry_after_s)
        assert error["details"]["retry_after_s"] == app[SETTINGS].hq_busy_retry_after_s
    assert await written(postgres) == (2 * limit, limit)   # the refused batch wrote nothing


async def test_a_busy_head_office_refuses_at_the_door_without_reading_the_body(
        store, hq_client, postgres):
    """The refusal comes on the request head alone: a body that never arrives is not
    waited for, nor its signature checked."""
    body = batch_body("store-a", sales_rows("kiosk-9", 500))
    signed = sign(store.key, "POST", store.url(BATCHES), body)
    head = "".join(f"{name}: {value}\r\n" for name, value in signed.items())
    async with gate_full(store, hq_client, postgres):
        answer = await raw_exchange(hq_client, (
            f"POST {BATCHES} HTTP/1.1\r\nHost: {hq_client.host}:{hq_client.port}\r\n"
            f"{head}Content-Length: {len(body)}\r\n\r\n").encode(), timeout=3)
        assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
        assert b'"hq_busy"' in answer
    refusals = hq_client.app[HQ_METRICS].refusals.labels("hq_busy")._value.get()
    assert refusals == 1


def test_the_sync_waits_at_least_what_head_office_asked_with_jitter():
    backoff = Backoff(initial_s=0.1, cap_s=60)
    delays = [backoff.failed(f"kiosk-{i}", at_least_s=5) for i in range(200)]
    assert all(5 <= delay <= 7.5 for delay in delays)
    assert max(delays) - min(delays) > 1.0   # spread out, not all back at once


def test_the_gate_weighs_batches_by_their_bytes():
    """One-sale batches go in many at once, a herd's large ones a few at a time, a batch
    alone whatever its size; a body of unknown length weighs the most a body may."""
    gate = IngestGate(limit=16, max_bytes=3_000, unknown_size=8_000, retry_after_s=2)
    with contextlib.ExitStack() as held:
        for _ in range(16):
            held.enter_context(gate.enter(100))
        assert not gate.admits(100)                      # the count's bound
    with gate.enter(1_000), gate.enter(1_000), gate.enter(1_000):
        assert gate.bytes_in_progress == 3_000 and not gate.admits(1)   # the bytes' bound
    with gate.enter(50_000):                             # alone, however large
        with pytest.raises(HqBusy):
            gate.enter(100).__enter__()
    with gate.enter(None):
        assert gate.bytes_in_progress == 8_000
    assert gate.in_progress == gate.bytes_in_progress == 0
