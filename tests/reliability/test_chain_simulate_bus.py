"""The chain's simulator over the bus, as a person runs it: `scripts/simulate --stores 3
--transport nats` (links flipping, head office's HTTP service stopped and started), then
`scripts/check_history` against head office's PostgreSQL: every sale once, vouched for; the
run's streams are gone after it."""
import asyncio
import json
import os

import pytest
from nats.js.errors import NotFoundError

from reliability.chain_bus import nats_url_of
from tests.bus.conftest import connect
from tests.reliability.test_chain_simulate_and_check import check, script


async def test_three_stores_over_the_bus_check_clean_and_leave_no_stream(tmp_path, postgres):
    history, work = tmp_path / "chain.jsonl", tmp_path / "chain"
    nats_url = nats_url_of(os.environ.get("CHECKOUT_TEST_NATS"))
    run = await asyncio.to_thread(
        script, "scripts/simulate", "--stores", "3", "--kiosks", "2", "--rate", "2",
        "--duration", "15", "--flip-every", "5", "--heartbeat", "1", "--hq-outage-every", "6",
        "--hq-outage-for", "2", "--seed", "7", "--history", str(history), "--heal", "60",
        "--hq-database", postgres, "--work-dir", str(work), "--transport", "nats",
        "--nats", nats_url, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout)
    assert summary["transport"] == "nats" and all(summary["healed"].values())
    bus = summary["bus"]
    assert bus["figures"]["held"] > 0 and bus["figures"]["dead_letters"] == 0
    assert bus["figures"]["pending"] == bus["figures"]["ack_pending"] == 0
    assert len(bus["ingest"]) == 2 and "[bus]" in run.stderr       # progress, each second
    assert all(store["orders"]["ok"] > 20 for store in summary["stores"].values())

    direct = await asyncio.to_thread(check, history, work, "--hq-database", postgres)
    assert direct.returncode == 0, direct.stdout + direct.stderr
    assert direct.stdout.count("head office") == 3 and "CLEAN" in direct.stdout

    client = await connect(nats_url)
    try:
        with pytest.raises(NotFoundError):
            await client.jetstream().stream_info(bus["stream"])
    finally:
        await client.close()
