"""`hq verify-ledger`, as an auditor runs it: every row came in a batch whose signature still
verifies against the store key recorded for it and holds what that batch's body said, and
every kiosk's chain holds; it names the first bad row and why (exit 1), and says when it
cannot check (exit 2)."""
import asyncio
import subprocess
import sys

import asyncpg
import pytest

from tests.chain.helpers import batch_body, sales_rows
from tests.chain.test_signatures import BATCHES


async def run_verifier(dsn: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "server", "hq", "verify-ledger", "--database", dsn]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True,
                                   timeout=120)


async def execute(dsn: str, sql: str, *args) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


@pytest.fixture
async def delivered(store):
    """Two stores' worth of batches: kiosk-1 in two batches, kiosk-2 in one."""
    first = sales_rows("kiosk-1", 3)
    await store.post(BATCHES, batch_body("store-a", first))
    await store.post(BATCHES, batch_body("store-a", sales_rows("kiosk-1", 2, first=3,
                                                               prev=first[-1][-1])))
    await store.post(BATCHES, batch_body("store-a", sales_rows("kiosk-2", 2)))
    return store


async def test_an_untouched_ledger_holds(delivered, postgres):
    result = await run_verifier(postgres)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 batches, 7 rows, 2 chains checked" in result.stdout


@pytest.mark.parametrize("tamper, named", [
    ("UPDATE central_orders SET total_ore = total_ore + 100"
     " WHERE order_uuid = 'kiosk-1:key-kiosk-1-000001'",
     "row kiosk-1:key-kiosk-1-000001: differs from its batch in total_ore"),
    ("UPDATE central_orders SET batch_id = 999999 WHERE order_uuid = 'kiosk-2:key-kiosk-2-000000'",
     "row kiosk-2:key-kiosk-2-000000: names batch 999999, which is not held"),
    ("UPDATE hq_batches SET body = convert_to(replace(convert_from(body, 'UTF8'), '1695',"
     " '1595'), 'UTF8')"
     " WHERE batch_id = (SELECT min(batch_id) FROM hq_batches)",
     "its signature no longer verifies"),
    # The first character of the signature's bytes (after `store=:`), always changed.
    ("UPDATE hq_batches SET signature = overlay(signature placing CASE WHEN"
     " substr(signature, 8, 1) = 'A' THEN 'B' ELSE 'A' END from 8 for 1)"
     " WHERE batch_id = (SELECT max(batch_id) FROM hq_batches)",
     "its signature no longer verifies"),
    ("DELETE FROM central_orders WHERE order_uuid = 'kiosk-1:key-kiosk-1-000002'",
     "chain kiosk-1: id"),
], ids=["edited-row", "row-with-no-batch", "body-edited", "signature-edited", "row-deleted"])
async def test_a_tampered_ledger_is_named(delivered, postgres, tamper, named):
    await execute(postgres, tamper)
    result = await run_verifier(postgres)
    assert result.returncode == 1, result.stdout + result.stderr
    assert named in result.stdout, result.stdout


async def test_an_unreachable_database_cannot_be_checked(postgres):
    result = await run_verifier(postgres.rsplit("/", 1)[0] + "/no_such_database_here")
    assert result.returncode == 2
    assert "cannot check" in result.stderr
