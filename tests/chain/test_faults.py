"""Head office fails while stores deliver, with real processes on a real PostgreSQL: killed
with SIGKILL mid-batch, its database connections terminated mid-ingest, its database
refusing connections for a while. In each, the store keeps selling, retries, and head office
ends with every acknowledged sale exactly once and nothing else, each row vouched for."""
import asyncio
import uuid

import aiohttp
import asyncpg
import pytest

from tests.chain.helpers import MILK, beat, held_at_hq, until

BACKLOG = 400
# Small batches and quick retries: many batches in flight for the faults to land in.
EDGE_ENV = {"CHECKOUT_SYNC_BATCH_SIZE": "10", "CHECKOUT_SYNC_BACKOFF_INITIAL_S": "0.2",
            "CHECKOUT_SYNC_BACKOFF_MAX_S": "1", "CHECKOUT_SYNC_SWEEP_INTERVAL_S": "0.5",
            "CHECKOUT_CHECKOUT_RATE_PER_S": "1000", "CHECKOUT_CHECKOUT_BURST": "1000",
            "CHECKOUT_CENTRAL_TIMEOUT_S": "5"}


async def sell_many(edge, count: int, kiosks=("kiosk-1", "kiosk-2")) -> list[str]:
    """`count` sales over the kiosks, eight at a time; every one must be a 201."""
    gate, sold = asyncio.Semaphore(8), []

    async def one(http, i):
        kiosk = kiosks[i % len(kiosks)]
        async with gate, http.post(f"{edge.url}/edge/checkout", headers={
                "Authorization": f"Bearer {edge.token(kiosk)}"}, json={
                "idempotency_key": str(uuid.uuid4()), "items": [{"sku": MILK, "qty": 1}],
                "payment": {"method": "card", "reference": "TERM-1"}}) as answer:
            assert answer.status == 201, await answer.text()
            sold.append((await answer.json())["order_uuid"])

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(one(http, i) for i in range(count)))
    return sold


async def all_once_and_vouched(head_office, postgres, sold: list[str]) -> None:
    """Head office holds exactly the acknowledged sales, once each, and verify-ledger holds."""

    async def arrived():
        return len(await held_at_hq(postgres)) >= len(sold)
    await until(arrived, timeout=90)
    held = [row["order_uuid"] for row in await held_at_hq(postgres)]
    assert sorted(held) == sorted(sold), "lost or doubled sales at head office"
    assert "Result: ok" in await asyncio.to_thread(head_office.hq, "verify-ledger")


@pytest.fixture
async def store_with_backlog(tmp_path, head_office):
    """A store whose kiosks sold BACKLOG sales while their link was down."""
    edge = head_office.chain_edge(tmp_path / "store-a", "store-a", EDGE_ENV)
    await asyncio.to_thread(edge.start)
    for kiosk in ("kiosk-1", "kiosk-2"):
        await beat(edge, kiosk, link_up=False)
    edge.sold = await sell_many(edge, BACKLOG)
    yield edge
    await asyncio.to_thread(edge.stop)


async def start_draining(edge) -> None:
    for kiosk in ("kiosk-1", "kiosk-2"):
        await beat(edge, kiosk, link_up=True)


async def test_head_office_killed_mid_batch_again_and_again(store_with_backlog, head_office,
                                                            postgres):
    edge = store_with_backlog
    held = len(await held_at_hq(postgres))              # links down: nothing arrives yet
    await start_draining(edge)
    for _ in range(3):
        await until(more_than(postgres, held))          # batches are going in
        await asyncio.to_thread(head_office.kill)       # SIGKILL, batches in flight
        edge.sold += await sell_many(edge, 20)          # the store sells on meanwhile
        # Counted while head office is down, so the sales still to come (the 20 at least)
        # are what the next round waits for, even if all arrive as it starts.
        held = len(await held_at_hq(postgres))
        await asyncio.to_thread(head_office.start)
    await all_once_and_vouched(head_office, postgres, edge.sold)


def more_than(postgres, count: int):
    """A predicate: head office holds more than `count` rows."""
    async def predicate():
        return len(await held_at_hq(postgres)) > count
    return predicate


async def admin(postgres) -> asyncpg.Connection:
    return await asyncpg.connect(postgres.rsplit("/", 1)[0] + "/postgres")


async def terminate_sessions(conn, database: str) -> int:
    return len(await conn.fetch(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1"
        " AND pid <> pg_backend_pid()", database))


async def test_head_office_s_connections_terminated_mid_ingest(store_with_backlog,
                                                               head_office, postgres):
    edge, database = store_with_backlog, postgres.rsplit("/", 1)[1]
    conn = await admin(postgres)
    try:
        await start_draining(edge)
        terminated = 0
        for _ in range(5):
            await asyncio.sleep(0.3)   # batches keep coming; cut them off again and again
            terminated += await terminate_sessions(conn, database)
            edge.sold += await sell_many(edge, 5)
        assert terminated >= 3
    finally:
        await conn.close()
    await all_once_and_vouched(head_office, postgres, edge.sold)
    assert head_office.server_errors() == 0


async def test_the_database_refusing_connections_for_a_while(store_with_backlog, head_office,
                                                             postgres):
    edge, database = store_with_backlog, postgres.rsplit("/", 1)[1]
    conn = await admin(postgres)
    try:
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await terminate_sessions(conn, database)
        await start_draining(edge)
        async with aiohttp.ClientSession() as http:
            async def unavailable():
                async with http.get(f"{head_office.url}/health") as answer:
                    return answer.status == 503
            await until(unavailable)
        edge.sold += await sell_many(edge, 20)          # the store sells on meanwhile
        status = await beat(edge, "kiosk-1", link_up=True)
        assert status["pending_count"] > 0              # and keeps its sales
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    finally:
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await conn.close()
    await all_once_and_vouched(head_office, postgres, edge.sold)
    assert head_office.server_errors() == 0   # every refused batch was a 503, not a 500
