"""The chain's simulator and checker, as a person runs them: `scripts/simulate --stores 4`
for 30 s (links flipping, head office stopped and started twice), then `scripts/check_history`
against head office's PostgreSQL and against its API. A defect made behind head office's
back, in its database, is named by both."""
import asyncio
import json
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from reliability.chain import Chain, ChainOptions
from reliability.edge_process import EdgeDied
from reliability.hq_process import HeadOffice
from reliability.simulator import FleetOptions
from server.config import EDGE_DB

ROOT = Path(__file__).resolve().parents[2]


def script(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def check(history: Path, work: Path, *hq: str) -> subprocess.CompletedProcess:
    return script("scripts/check_history", str(history), "--stores-dir", str(work), *hq,
                  "--expect-drained", timeout=120)


async def test_four_stores_for_thirty_seconds_check_clean_then_a_defect_is_named(
        tmp_path, postgres):
    history, work = tmp_path / "chain.jsonl", tmp_path / "chain"
    run = await asyncio.to_thread(
        script, "scripts/simulate", "--stores", "4", "--kiosks", "2", "--rate", "2",
        "--duration", "30", "--flip-every", "5", "--heartbeat", "1", "--hq-outage-every", "10",
        "--hq-outage-for", "2", "--seed", "7", "--history", str(history), "--heal", "60",
        "--hq-database", postgres, "--work-dir", str(work), timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout)
    assert sorted(summary["healed"]) == ["store-1", "store-2", "store-3", "store-4"]
    assert all(summary["healed"].values()) and len(summary["hq"]["outages"]) >= 2
    assert all(store["orders"]["ok"] > 50 for store in summary["stores"].values())
    assert "[store-4]" in run.stderr and "[hq]" in run.stderr     # progress, each second
    assert f"--stores-dir {work}" in summary["check"]

    direct = await asyncio.to_thread(check, history, work, "--hq-database", postgres)
    assert direct.returncode == 0, direct.stdout + direct.stderr
    assert direct.stdout.count("head office") == 4 and "CLEAN" in direct.stdout

    hq = HeadOffice(tmp_path, postgres)            # the same head office, for its API
    await asyncio.to_thread(hq.start)
    try:
        api = ("--hq-url", hq.url, "--token", await asyncio.to_thread(hq.token))
        assert (await asyncio.to_thread(check, history, work, *api)).returncode == 0
        conn = await asyncpg.connect(postgres)
        try:
            edited = await conn.fetchval(
                "UPDATE central_orders SET total_ore = total_ore + 100 WHERE id ="
                " (SELECT min(id) FROM central_orders) RETURNING order_uuid")
        finally:
            await conn.close()
        for hq_source in (("--hq-database", postgres), api):
            found = await asyncio.to_thread(check, history, work, *hq_source)
            assert found.returncode == 1, found.stdout + found.stderr
            assert f"unvouched: 1: {edited}" in found.stdout
            assert f"central_differs: 1: {edited}" in found.stdout
    finally:
        await asyncio.to_thread(hq.stop)


async def test_a_store_that_cannot_start_leaves_no_other_running(tmp_path, postgres):
    """One store's edge dies at its start (its data file is no database): the chain raises,
    and stopping it ends every edge that did start and head office."""
    chain = Chain(ChainOptions(stores=3, fleet=FleetOptions(base_url="", operator_token="")),
                  tmp_path, postgres)
    (tmp_path / "store-2").mkdir()
    (tmp_path / "store-2" / EDGE_DB).write_bytes(b"not a database, " * 512)
    with pytest.raises(EdgeDied):
        try:
            await chain.start(lambda line: None)
        finally:
            await chain.stop()
    assert sorted(chain.edges) == ["store-1", "store-2", "store-3"]
    assert not any(edge.running for edge in chain.edges.values()) and not chain.hq.running
