"""The chain's torture scenarios, each the damage it does while the stores sell (see
reliability/chain_torture.py for the run around it), and what it measures on the way."""
import asyncio
import random
import time
import urllib.request
from collections import Counter
from pathlib import Path

import aiohttp
import asyncpg

from reliability.chain_bus import nats_url_of
from reliability.chain_bus_scenarios import BUS_SCENARIOS
from reliability.chain_torture import (
    BUSY_SYNC,
    HERD_SYNC,
    ChainOutcome,
    ChainProfile,
    ChainRun,
    herd_tries_bound,
    ingesting,
)
from reliability.databases import admin_dsn, create_database, drop_database, name_of
from reliability.door_counter import DoorCounter
from server.chain.store_keys import KEY_FILE, load_key

HEALTH_TIMEOUT = aiohttp.ClientTimeout(total=3)

async def hq_crashes(profile: ChainProfile, workdir: Path, database: str,
                     broken: str | None = None) -> ChainOutcome:
    """Head office SIGKILLed whenever it is caught mid-batch, `profile.hq_kills` times."""
    run = ChainRun("hq_crashes", profile, workdir, database, broken, edge_env=BUSY_SYNC)

    async def damage(run: ChainRun) -> None:
        hq, kills, caught = run.chain.hq, 0, 0
        conn = await asyncpg.connect(database)
        try:
            while caught < profile.hq_kills and kills < 3 * profile.hq_kills:
                await asyncio.sleep(random.uniform(0.1, 0.5))
                caught += bool(await ingesting(conn, name_of(database), within_s=5))
                await asyncio.to_thread(hq.kill)
                kills += 1
                if kills % 5 == 0:
                    run.say(f"kill {kills} ({caught} mid-batch of {profile.hq_kills} wanted)")
                await asyncio.to_thread(hq.start)
        finally:
            await conn.close()
        run.outcome.measures.update(hq_kills=kills, hq_kills_mid_batch=caught,
                                    hq_500s=hq.server_errors())
        if caught < profile.hq_kills:
            run.outcome.problems.append(f"only {caught} of {kills} kills landed mid-batch")
        if hq.server_errors():
            run.outcome.problems.append(f"head office answered 500 {hq.server_errors()} times")
        run.end_sales()

    return await run.run(damage)


async def db_faults(profile: ChainProfile, workdir: Path, database: str,
                    broken: str | None = None) -> ChainOutcome:
    """Head office's connections terminated mid-batch, then its database refusing new ones
    for `profile.refuse_s`: 503 meanwhile, never 500, and recovery with no restart."""
    run = ChainRun("db_faults", profile, workdir, database, broken, edge_env=BUSY_SYNC)
    name = name_of(database)

    async def damage(run: ChainRun) -> None:
        hq, health = run.chain.hq, Counter()
        conn = await asyncpg.connect(admin_dsn())
        watch = asyncio.create_task(_watch_health(hq.url, health))
        terminated = 0
        try:
            while terminated < profile.terminations:
                for pid in await ingesting(conn, name, within_s=5):
                    terminated += await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
                await asyncio.sleep(random.uniform(0.05, 0.3))
            run.say(f"{terminated} connections terminated mid-batch; now refusing connections")
            await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE datname = $1", name)
            health.clear()
            await asyncio.sleep(profile.refuse_s)
            while_refusing = dict(health)
        finally:
            await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await conn.close()
        recovered_in = await _until_healthy(hq.url, profile.drain_bound_s)
        watch.cancel()
        ledger_503s = await asyncio.to_thread(_refusals, hq, "ledger_unavailable")
        run.outcome.measures.update(terminated_mid_batch=terminated,
                                    health_while_refusing=while_refusing,
                                    batches_answered_503=ledger_503s,
                                    recovered_in_s=recovered_in, hq_500s=hq.server_errors())
        if not while_refusing.get(503) or set(while_refusing) - {503} or not ledger_503s:
            run.outcome.problems.append(f"not 503 while refusing: /health {while_refusing},"
                                        f" {ledger_503s} batches answered 503")
        if recovered_in is None or hq.server_errors() or not hq.running:
            run.outcome.problems.append("head office did not recover by itself, or failed")
        run.end_sales()

    return await run.run(damage)


async def regional_outage(profile: ChainProfile, workdir: Path, database: str,
                          broken: str | None = None) -> ChainOutcome:
    """Head office down for `profile.outage_s` while every store sells, each store's knocks
    counted on its port; then back, with a gate of one batch at a time: every store comes
    at once, head office sheds them with 503 hq_busy, and the backlog drains in bounds."""
    run = ChainRun("regional_outage", profile, workdir, database, broken,
                   hq_env={"CHECKOUT_HQ_MAX_CONCURRENT_BATCHES": "1",
                           "CHECKOUT_HQ_DB_POOL_SIZE": "2"},
                   edge_env=HERD_SYNC, flip_probability=0.0)

    async def damage(run: ChainRun) -> None:
        hq, door = run.chain.hq, DoorCounter(run.chain.hq.port)
        ridden = await run.ride_out_outage(lambda: asyncio.to_thread(hq.kill), door,
                                           lambda: asyncio.to_thread(hq.start))
        knocks, bound = _knocks(run, door, ridden.outage_s)
        busy = await asyncio.to_thread(_refusals, hq, "hq_busy")
        run.outcome.measures.update(outage_s=round(ridden.outage_s, 1), knocks=knocks,
                                    knock_bound=bound, hq_busy=busy,
                                    herd_drain_s=round(ridden.drain_s, 2),
                                    drained=ridden.drained, hq_500s=hq.server_errors())
        if any(not 2 <= count <= bound for count in knocks.values()):
            run.outcome.problems.append(f"knocks out of [2, {bound}]: {knocks}")
        if not busy or hq.server_errors():
            run.outcome.problems.append(f"head office did not shed the herd ({busy} hq_busy, "
                                        f"{hq.server_errors()} answered 500)")

    return await run.run(damage)


def _knocks(run: ChainRun, door: DoorCounter, outage_s: float) -> tuple[dict, int]:
    """Each store's batches sent while head office was down, and the bound its backoff
    implies (herd_tries_bound)."""
    by_key = door.by_key()
    knocks = {store: by_key.get(load_key(edge.data_dir / KEY_FILE).key_id, 0)
              for store, edge in run.chain.edges.items()}
    return knocks, herd_tries_bound(run.profile.kiosks, outage_s)


def _refusals(hq, code: str) -> int:
    """How many requests head office refused with this code (its /metrics)."""
    request = urllib.request.Request(f"{hq.url}/metrics", headers={
        "Authorization": f"Bearer {hq.token()}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read().decode()
    line = f'hq_refusals_total{{code="{code}"}} '
    return sum(int(float(row[len(line):])) for row in text.splitlines() if row.startswith(line))


async def _watch_health(url: str, seen: Counter) -> None:
    """Ask head office's /health every 0.1 s; count the answers (0: none)."""
    async with aiohttp.ClientSession(timeout=HEALTH_TIMEOUT) as http:
        while True:
            seen[await _health(http, url)] += 1
            await asyncio.sleep(0.1)


async def _until_healthy(url: str, within_s: float) -> float | None:
    """Seconds until /health answers 200 (None if it never does in time)."""
    began = time.monotonic()
    async with aiohttp.ClientSession(timeout=HEALTH_TIMEOUT) as http:
        while time.monotonic() - began < within_s:
            if await _health(http, url) == 200:
                return round(time.monotonic() - began, 2)
            await asyncio.sleep(0.1)
    return None


async def _health(http: aiohttp.ClientSession, url: str) -> int:
    try:
        async with http.get(f"{url}/health") as answer:
            return answer.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


SCENARIOS = {"hq_crashes": hq_crashes, "db_faults": db_faults,
             "regional_outage": regional_outage}


async def run_scenario(name: str, profile: ChainProfile, workdir: Path,
                       broken: str | None = None, keep_database: bool = False,
                       transport: str = "http", nats_url: str | None = None) -> ChainOutcome:
    """Run one chain scenario on a database of its own (dropped after, unless kept): over
    HTTP, or its bus version with the `nats` transport, on the NATS server at `nats_url`
    (this machine's only), else on one of the run's own (regional_outage always is): a
    tortured run then neither meets nor starves another user of a shared server, where
    each stream reserves its max_bytes of the server's storage."""
    admin = admin_dsn()
    database = await create_database(admin, "torture")
    try:
        if transport == "nats":
            return await BUS_SCENARIOS[name](profile, workdir, database,
                                             nats_url and nats_url_of(nats_url))
        return await SCENARIOS[name](profile, workdir, database, broken)
    finally:
        if not keep_database:
            await drop_database(admin, database)
