"""Head office's ingest when things go wrong, with real processes, a real NATS stream and a
real PostgreSQL database: two processes share the work, one is killed before its commit,
the database goes away while messages arrive. Each ends as each sale once."""
import asyncio
import random
import re
import signal

import asyncpg

from tests.bus import ingest_helpers as helpers
from tests.bus.ingest_helpers import (
    SHORT_ACK_WAIT,
    consumer_made,
    consumer_settled,
    count_is,
    ingesting,
    publish,
    published,
    sales_held,
)
from tests.chain.helpers import until

store_key, ingest = helpers.store_key, helpers.ingest  # store-a enrolled; ingest processes


def messages_taken(output: str) -> int:
    """How many messages an ingest process said, as it stopped, it had taken."""
    return int(re.search(r"hq ingest: (\d+) messages", output).group(1))


async def test_two_processes_share_the_work_and_every_sale_counts_once(
        ingest, js, bus_names, store_key, postgres):
    first, second = ingest("first"), ingest("second")
    await until(lambda: consumer_made(js, bus_names.stream))
    batches = [published(store_key, bus_names.prefix, kiosk, start, 2)
               for kiosk in ("k1", "k2", "k3") for start in range(0, 20, 2)]
    random.Random(23).shuffle(batches)  # out of order, kiosk by kiosk
    for batch in batches:
        await publish(js, batch)
    for batch in batches[:5]:  # again, under other ids: past the bus's duplicate window
        await publish(js, batch, msg_id=f"again-{batch.msg_id}")
    await until(lambda: count_is(postgres, 60))
    await until(lambda: consumer_settled(js, bus_names.stream))
    assert await first.stop() == 0 and await second.stop() == 0
    assert len(set(await sales_held(postgres))) == 60
    assert messages_taken(first.output()) + messages_taken(second.output()) == 35


async def test_a_process_killed_before_its_commit_leaves_its_message_to_another(
        ingest, js, bus_names, store_key, postgres):
    doomed = ingest("doomed", *SHORT_ACK_WAIT)
    await until(lambda: consumer_made(js, bus_names.stream))
    blocker = await asyncpg.connect(postgres)
    try:
        blocking = blocker.transaction()
        await blocking.start()
        await blocker.execute("LOCK TABLE hq_batches IN ACCESS EXCLUSIVE MODE")
        await publish(js, published(store_key, bus_names.prefix, "k1", 0, 3))
        await until(lambda: _someone_waits_on_a_lock(blocker))  # mid-ingest, uncommitted
        assert await doomed.stop(signal.SIGKILL) == -signal.SIGKILL
        await blocking.rollback()
    finally:
        await blocker.close()
    assert await sales_held(postgres) == []
    heir = ingest("heir", *SHORT_ACK_WAIT)
    await until(lambda: count_is(postgres, 3))  # after the consumer's AckWait (2 s here)
    await until(lambda: consumer_settled(js, bus_names.stream))
    assert await heir.stop() == 0
    assert "1 messages: 3 sales inserted" in heir.output()


async def test_a_slow_commit_keeps_its_message_past_ack_wait(
        ingest, js, bus_names, store_key, postgres):
    first, second = ingest("first", *SHORT_ACK_WAIT), ingest("second", *SHORT_ACK_WAIT)
    await until(lambda: consumer_made(js, bus_names.stream))
    blocker = await asyncpg.connect(postgres)
    try:
        async with blocker.transaction():
            await blocker.execute("LOCK TABLE hq_batches IN ACCESS EXCLUSIVE MODE")
            await publish(js, published(store_key, bus_names.prefix, "k1", 0, 3))
            await until(lambda: _someone_waits_on_a_lock(blocker))
            await asyncio.sleep(5.0)  # two and a half AckWaits, the commit held up
    finally:
        await blocker.close()
    await until(lambda: count_is(postgres, 3))
    await until(lambda: consumer_settled(js, bus_names.stream))
    assert await first.stop() == 0 and await second.stop() == 0
    taken = messages_taken(first.output()) + messages_taken(second.output())
    assert taken == 1, "the message was delivered again while its commit was under way"


async def test_messages_wait_while_the_database_is_away_and_are_ingested_after(
        ingest, js, bus_names, store_key, postgres):
    process = ingest()
    await until(lambda: ingesting(process))  # its storage open before the database goes
    database = postgres.rsplit("/", 1)[1]
    admin = await asyncpg.connect(postgres.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = $1", database)
        for start in range(0, 6, 2):
            await publish(js, published(store_key, bus_names.prefix, "k1", start, 2))
        await until(lambda: _given_back(process))
        await asyncio.sleep(1.0)
        held = await js.consumer_info(bus_names.stream, "hq-ingest")
        assert held.num_pending + held.num_ack_pending == 3  # waiting, none a dead letter
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')
        await admin.close()
    await until(lambda: count_is(postgres, 6))
    await until(lambda: consumer_settled(js, bus_names.stream))
    assert await process.stop() == 0
    assert "0 dead letters" in process.output()


async def _someone_waits_on_a_lock(conn) -> bool:
    return bool(await conn.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"))


async def _given_back(process) -> bool:
    return "given back for" in process.output()
