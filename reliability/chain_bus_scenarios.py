"""The bus's versions of the chain's torture scenarios (`--transport nats`): the stores
publish to a stream of the run's own and two `hq ingest` processes take the batches
(reliability/chain_bus.py); each scenario does the bus's fault while the stores sell and
measures it, and every run ends with the chain's checker (reliability/chain_torture.py).

Here the ingest's faults (hq_crashes, db_faults); the publishing side's (regional_outage,
bus_republish) are in reliability/chain_bus_publishing.py.
"""
import asyncio
import random
import time
from collections import Counter
from pathlib import Path

import asyncpg

from reliability.chain_bus import BusOptions, ChainBus
from reliability.chain_bus_publishing import bus_republish, regional_outage
from reliability.chain_torture import (
    BUSY_SYNC,
    ChainOutcome,
    ChainProfile,
    ChainRun,
    bus_run,
    ingesting,
    replays_at_least,
)
from reliability.databases import admin_dsn, name_of
from server.hq.bus_ingest import FETCH_WAIT_S

ACK_WAIT_S = 2.0  # a killed ingest's messages come back this soon
LAST_BATCH = "SELECT coalesce(max(batch_id), 0) FROM hq_batches"
COMMITTED_SINCE = "SELECT count(*) FROM hq_batches WHERE batch_id > $1"


async def hq_crashes(profile: ChainProfile, workdir: Path, database: str,
                     nats_url: str | None) -> ChainOutcome:
    """The ingest processes SIGKILLed mid-batch `profile.ingest_kills` times: half caught
    before their commit (in pg_stat_activity), half after it, their acks held back by the
    relay each reaches NATS through (reliability/held_relay.py); those messages come back
    after AckWait and are found already present (replays)."""
    run = bus_run("hq_crashes", profile, workdir, database, edge_env=BUSY_SYNC,
                  bus=BusOptions(nats_url, ack_wait_s=ACK_WAIT_S, relayed=True))
    wanted = max(1, profile.ingest_kills // 2)

    async def damage(run: ChainRun) -> None:
        bus, tally = run.chain.bus, Counter()
        conn = await asyncpg.connect(database)
        try:
            while (min(tally["before_commit"], tally["after_commit"]) < wanted
                   and tally["kills"] < 4 * profile.ingest_kills):
                await asyncio.sleep(random.uniform(0.2, 0.6))
                if tally["after_commit"] < wanted and (
                        tally["kills"] % 2 or tally["before_commit"] >= wanted):
                    await _kill_after_commit(conn, bus, tally)
                else:
                    tally["before_commit"] += bool(await ingesting(conn, name_of(database), 5))
                    await _kill_ingest(bus)
                await _start_ingest(bus)
                tally["kills"] += 1
                run.say(f"ingest kill {tally['kills']}: {dict(tally)}")
        finally:
            await conn.close()
        run.outcome.measures.update(ingest_kills=tally["kills"],
                                    kills_before_commit=tally["before_commit"],
                                    kills_after_commit=tally["after_commit"],
                                    commits_unacked=tally["commits_unacked"])
        if min(tally["before_commit"], tally["after_commit"]) < wanted:
            run.outcome.problems.append(f"kills did not land as wanted: {dict(tally)}")
        run.end_sales()

    outcome = await run.run(damage)
    await replays_at_least(outcome, database, outcome.measures["commits_unacked"],
                           "commits lost their ack")
    return outcome


async def _kill_after_commit(conn: asyncpg.Connection, bus: ChainBus, tally: Counter) -> None:
    """Hold what the ingest sends, wait for a commit (at most 5 s), kill: every batch
    committed since the hold has its ack unsent."""
    for relay in bus.relays:
        relay.hold()
    last = await conn.fetchval(LAST_BATCH)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and await conn.fetchval(LAST_BATCH) == last:
        await asyncio.sleep(0.005)
    await _kill_ingest(bus)
    unacked = await conn.fetchval(COMMITTED_SINCE, last)
    tally["after_commit"] += bool(unacked)
    tally["commits_unacked"] += unacked


async def _kill_ingest(bus: ChainBus) -> None:
    """SIGKILL every ingest process and drop what its relay held."""
    for ingest in bus.ingests:
        await asyncio.to_thread(ingest.kill)
    for relay in bus.relays:
        await relay.cut()


async def _start_ingest(bus: ChainBus) -> None:
    """Start every ingest process again, and wait until each pulls."""
    for ingest in bus.ingests:
        ingest.start()
    await asyncio.sleep(FETCH_WAIT_S)  # the pulls of the processes killed have expired
    await bus.pulling(within_s=15)  # the next kill lands on a consuming process


async def db_faults(profile: ChainProfile, workdir: Path, database: str,
                    nats_url: str | None) -> ChainOutcome:
    """The ingest's connections terminated mid-batch, then the database refusing new ones for
    `profile.refuse_s` while the stores publish: the messages wait in the stream (none a
    dead letter) and the ingest takes them when the database is back, with no restart."""
    run = bus_run("db_faults", profile, workdir, database, edge_env=BUSY_SYNC,
                  bus=BusOptions(nats_url))
    name = name_of(database)

    async def damage(run: ChainRun) -> None:
        bus, terminated, tries = run.chain.bus, 0, 0
        conn = await asyncpg.connect(admin_dsn())
        try:
            while terminated < profile.terminations and tries < 10 * profile.terminations:
                for pid in await ingesting(conn, name, within_s=5):
                    terminated += await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
                tries += 1
                await asyncio.sleep(random.uniform(0.05, 0.3))
            run.say(f"{terminated} connections terminated mid-batch; now refusing connections")
            await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE datname = $1", name)
            before = await bus.figures()
            await asyncio.sleep(profile.refuse_s)
            during = await bus.figures()
        finally:
            await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await conn.close()
        began = time.monotonic()
        settled = await bus.settled(profile.drain_bound_s)
        _judge_db_faults(run, terminated, before, during,
                         round(time.monotonic() - began, 2) if settled else None)
        run.end_sales()

    return await run.run(damage)


def _judge_db_faults(run: ChainRun, terminated: int, before, during, recovered_in) -> None:
    bus = run.chain.bus
    arrived = during.held - before.held
    waiting = during.pending + during.ack_pending
    dead = bus.last_figures.dead_letters
    exited = sum(not ingest.running for ingest in bus.ingests)
    given_back = sum(ingest.given_back() for ingest in bus.ingests)
    run.outcome.measures.update(
        terminated_mid_batch=terminated, arrived_while_refusing=arrived,
        waiting_while_refusing=waiting, given_back=given_back, dead_letters=dead,
        ingest_exits=exited, recovered_in_s=recovered_in)
    if terminated < run.profile.terminations:
        run.outcome.problems.append(f"only {terminated} connections terminated mid-batch")
    if not arrived or waiting < arrived or not given_back:
        run.outcome.problems.append(f"messages did not wait in the stream: {arrived} arrived,"
                                    f" {waiting} waiting, {given_back} given back")
    if dead or exited or recovered_in is None:
        run.outcome.problems.append(f"the ingest did not resume by itself: {dead} dead "
                                    f"letters, {exited} exited, recovered in {recovered_in}")


BUS_SCENARIOS = {"hq_crashes": hq_crashes, "db_faults": db_faults,
                 "regional_outage": regional_outage, "bus_republish": bus_republish}
