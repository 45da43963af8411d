"""Head office protects itself: a bounded number of batches go in at once; one beyond is
answered 503 hq_busy with Retry-After at once (never queued, never a pile-up of database
connections), writes nothing, and the store's sync waits at least what was asked, with
jitter."""
import asyncio

import asyncpg

from server.hq.keys import INGEST_GATE
from server.sync.backoff import Backoff
from server.web.keys import SETTINGS
from tests.chain.helpers import batch_body, sales_rows
from tests.chain.test_signatures import BATCHES, assert_refused, written
from tests.conftest import eventually


async def test_a_batch_beyond_the_ingest_limit_is_503_hq_busy(store, hq_client, postgres):
    app = hq_client.app
    limit = app[SETTINGS].hq_max_concurrent_batches
    blocker = await asyncpg.connect(postgres)
    try:
        # Someone holds hq_batches: the first batches wait inside, each holding its place.
        await blocker.execute("BEGIN; LOCK TABLE hq_batches IN EXCLUSIVE MODE")
        inside = [asyncio.create_task(store.post(BATCHES, batch_body(
            "store-a", sales_rows(f"kiosk-{i}", 2)))) for i in range(limit)]
        await eventually(lambda: app[INGEST_GATE].in_progress == limit)
        resp = await store.post(BATCHES, batch_body("store-a", sales_rows("kiosk-9", 2)))
        error = await assert_refused(resp, 503, "hq_busy")
        assert resp.headers["Retry-After"] == str(app[SETTINGS].hq_busy_retry_after_s)
        assert error["details"]["retry_after_s"] == app[SETTINGS].hq_busy_retry_after_s
        await blocker.execute("COMMIT")
        assert [answer.status for answer in await asyncio.gather(*inside)] == [200] * limit
    finally:
        await blocker.close()
    assert await written(postgres) == (2 * limit, limit)   # the refused batch wrote nothing


def test_the_sync_waits_at_least_what_head_office_asked_with_jitter():
    backoff = Backoff(initial_s=0.1, cap_s=60)
    delays = [backoff.failed(f"kiosk-{i}", at_least_s=5) for i in range(200)]
    assert all(5 <= delay <= 7.5 for delay in delays)
    assert max(delays) - min(delays) > 1.0   # spread out, not all back at once
