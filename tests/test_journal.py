"""The tamper-evident sales journal: hash chains per kiosk, and `verify-journal` finding
altered, deleted and inserted rows at the edge and at central, as an auditor would run it."""
import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import CENTRAL_DB, EDGE_DB
from server.edge_app.factory import create_app
from server.edge_app.keys import SYNC_WORKER
from server.journal.chain import GENESIS, chained_hash, entry_hash
from server.journal.verify import verify_journal
from server.orders import canonical_content
from server.schema import SCHEMA_ROOT
from server.sqlite_open import DatabaseError
from tests.conftest import MILK, eventually, heartbeat, sale
from tests.store_files import central_rows, open_file, store_env

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

ROOT = Path(__file__).resolve().parent.parent
FILES = {"edge": EDGE_DB, "central": CENTRAL_DB}
TABLES = {"edge": ("edge_orders", "seq"), "central": ("central_orders", "id")}


async def run_verifier(settings) -> subprocess.CompletedProcess:
    """The real command, in its own process, beside the running service."""
    command = [sys.executable, "-m", "server", "verify-journal", "--data-dir", settings.data_dir]
    return await asyncio.to_thread(subprocess.run, command, cwd=ROOT, capture_output=True,
                                   text=True, timeout=60, env=store_env(settings))


async def post_sales(client, kiosk_id: str, count: int) -> list[str]:
    """Make `count` sales at one kiosk; their order_uuids."""
    uuids = []
    for _ in range(count):
        resp = await client.post("/edge/checkout", json=sale(kiosk_id=kiosk_id))
        assert resp.status == 201, await resp.text()
        uuids.append((await resp.json())["order_uuid"])
    return uuids


async def synced_fleet(client, settings):
    """k1's five sales reach central; k2's three wait at the edge. Then the files hold still."""
    await heartbeat(client, "k1", link_up=True)
    await heartbeat(client, "k2", link_up=False)
    await post_sales(client, "k1", 5)
    await post_sales(client, "k2", 3)

    async def k1_synced():
        overview = await (await client.get("/dashboard/overview")).json()
        return central_rows(settings) == 5 and overview["pending_count"] == 3
    await eventually(k1_synced)
    await client.app[SYNC_WORKER].stop()  # nothing moves while the tests tamper


def connect(settings, side: str):
    """A connection straight on one side's file, as someone tampering would open it."""
    return open_file(settings, FILES[side], named_rows=True)


def chain_rows(settings, side: str, kiosk_id: str) -> list[dict]:
    """A kiosk's rows on one side, in chain order, straight from the file."""
    table, position = TABLES[side]
    with connect(settings, side) as conn:
        rows = conn.execute(f"SELECT * FROM {table} WHERE kiosk_id = ? ORDER BY {position}",
                            (kiosk_id,))
        return [dict(row) for row in rows]


def insert_copy(settings, side: str, source: dict, hashes: str) -> str:
    """Insert a copy of `source` under a new order_uuid, out of band; return its order_uuid."""
    table, position = TABLES[side]
    row = {k: v for k, v in source.items() if k != position}
    row["idempotency_key"] = "forged-0001"
    row["order_uuid"] = f"{row['kiosk_id']}:forged-0001"
    if hashes == "none":
        row["prev_hash"] = row["entry_hash"] = None
    elif hashes == "plausible":  # linked where the source was, and true to its own content
        row["entry_hash"] = entry_hash(row["prev_hash"], row)
    # "copied": the source's own hashes, which do not match the new content
    with connect(settings, side) as conn:
        conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES"
                     f" ({', '.join('?' for _ in row)})", list(row.values()))
    return row["order_uuid"]


def broken_lines(report: str) -> list[str]:
    """The report's lines naming a broken chain."""
    return [line for line in report.splitlines() if "BROKEN at" in line]


async def test_an_untouched_journal_holds_and_an_altered_total_is_named(client, settings):
    await synced_fleet(client, settings)
    overview = await (await client.get("/dashboard/overview")).json()
    assert overview["journal_last_check"] is None  # never run

    result = await run_verifier(settings)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len([line for line in result.stdout.splitlines() if line.endswith("  ok")]) == 3
    last = (await (await client.get("/dashboard/overview")).json())["journal_last_check"]
    assert last["ok"] is True and last["summary"].startswith("ok: 3 chains, 13 rows")

    victim = chain_rows(settings, "edge", "k2")[1]
    with connect(settings, "edge") as conn:
        conn.execute("UPDATE edge_orders SET total_ore = total_ore - 100 WHERE seq = ?",
                     (victim["seq"],))
    result = await run_verifier(settings)
    assert result.returncode == 1
    [line] = broken_lines(result.stdout)
    assert f"BROKEN at seq {victim['seq']} (order {victim['order_uuid']}): altered:" in line
    last = (await (await client.get("/dashboard/overview")).json())["journal_last_check"]
    assert last["ok"] is False
    assert f"edge k2 seq {victim['seq']} altered ({victim['order_uuid']})" in last["summary"]


@pytest.mark.parametrize("side", ["edge", "central"])
async def test_an_altered_row_is_named(client, settings, side):
    await synced_fleet(client, settings)
    victim = chain_rows(settings, side, "k1")[2]
    table, position = TABLES[side]
    with connect(settings, side) as conn:
        payment = json.dumps({"method": "swish", "reference": "SKIMMED"})
        conn.execute(f"UPDATE {table} SET payment_json = ? WHERE order_uuid = ?",
                     (payment, victim["order_uuid"]))
    result = await run_verifier(settings)
    assert result.returncode == 1
    [line] = broken_lines(result.stdout)
    assert line.startswith("  k1 ") and f" {side} " in line
    assert f"BROKEN at {position} {victim[position]} (order {victim['order_uuid']}): altered" \
        in line


@pytest.mark.parametrize("side", ["edge", "central"])
async def test_a_deleted_middle_row_is_named_by_the_row_after_the_gap(client, settings, side):
    await synced_fleet(client, settings)
    rows = chain_rows(settings, side, "k1")
    table, position = TABLES[side]
    with connect(settings, side) as conn:
        conn.execute(f"DELETE FROM {table} WHERE order_uuid = ?", (rows[2]["order_uuid"],))
    result = await run_verifier(settings)
    assert result.returncode == 1
    [line] = broken_lines(result.stdout)
    after_gap = rows[3]
    assert f" {side} " in line
    assert f"BROKEN at {position} {after_gap[position]} (order {after_gap['order_uuid']}):" \
           f" deleted" in line


@pytest.mark.parametrize("hashes", ["none", "plausible", "copied"])
@pytest.mark.parametrize("side", ["edge", "central"])
async def test_a_row_inserted_out_of_band_is_named(client, settings, side, hashes):
    await synced_fleet(client, settings)
    source = chain_rows(settings, side, "k1")[1]
    forged = insert_copy(settings, side, source, hashes)
    result = await run_verifier(settings)
    assert result.returncode == 1, result.stdout
    [line] = broken_lines(result.stdout)
    assert f" {side} " in line and f"(order {forged}): inserted" in line


async def test_edge_and_central_disagreeing_on_an_order_is_reported(client, settings):
    await synced_fleet(client, settings)
    # Central's chain rewritten from its third row on, and rehashed so it holds by itself.
    rows = chain_rows(settings, "central", "k1")
    prev = rows[1]["entry_hash"]
    with connect(settings, "central") as conn:
        for index, row in enumerate(rows[2:]):
            row["total_ore"] += 100 if index == 0 else 0
            row["prev_hash"], row["entry_hash"] = prev, entry_hash(prev, row)
            prev = row["entry_hash"]
            conn.execute("UPDATE central_orders SET total_ore = ?, prev_hash = ?, entry_hash = ?"
                         " WHERE id = ?",
                         (row["total_ore"], row["prev_hash"], row["entry_hash"], row["id"]))
    result = await run_verifier(settings)
    assert result.returncode == 1
    assert broken_lines(result.stdout) == []  # each chain holds on its own
    assert "Edge and central disagree" in result.stdout
    assert f"order {rows[2]['order_uuid']} (edge seq" in result.stdout
    assert "3 order(s) with a different entry_hash" in result.stdout


async def test_sales_from_before_the_journal_are_counted_and_the_chain_starts_after_them(
        make_client, settings, clock):
    # An edge file as the first release left it: schema 1, two sales without hashes.
    edge = settings.data_path / EDGE_DB
    edge.parent.mkdir(parents=True)
    with open_file(settings, EDGE_DB) as conn:
        conn.executescript((SCHEMA_ROOT / "edge" / "0001_init.sql").read_text())
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO kiosks (kiosk_id, first_seen_at) VALUES ('k1', 'then')")
        for key in ("old-sale-0001", "old-sale-0002"):
            conn.execute(
                "INSERT INTO edge_orders (order_uuid, kiosk_id, idempotency_key, request_hash,"
                " items_json, vat_json, total_ore, payment_json, catalog_version, created_at,"
                " business_day) VALUES (?, 'k1', ?, 'h', ?, '[]', 3390, ?, 'v1',"
                " '2026-01-01T10:00:00.000000+00:00', '2026-01-01')",
                (f"k1:{key}", key, json.dumps([{"sku": MILK, "qty": 2}]),
                 json.dumps({"method": "card", "reference": "T"})))
    client = await make_client(create_app(settings, clock=clock))
    await heartbeat(client, "k1", link_up=True)
    await post_sales(client, "k1", 2)

    async def all_synced():
        return central_rows(settings) == 4
    await eventually(all_synced)
    assert chain_rows(settings, "edge", "k1")[2]["prev_hash"] == GENESIS
    result = await run_verifier(settings)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("2 rows checked (2 before the journal)  ok") == 2


async def test_the_chain_survives_a_restart(make_client, settings, clock):
    first = await make_client(create_app(settings, clock=clock))
    await heartbeat(first, "k1", link_up=False)
    await post_sales(first, "k1", 3)
    await first.close()

    second = await make_client(create_app(settings, clock=clock))
    resp = await second.post("/edge/checkout", json=sale(kiosk_id="k1"))
    order = await resp.json()
    before, after = chain_rows(settings, "edge", "k1")[2:]
    assert order["prev_hash"] == before["entry_hash"] == after["prev_hash"]
    assert order["entry_hash"] == entry_hash(before["entry_hash"], after)
    report = await asyncio.to_thread(verify_journal, settings.edge_db_path,
                                     settings.central_db_path, 1000, settings.database_key())
    assert report.ok and report.chains[0].rows_checked == 4


def test_the_hash_covers_what_the_json_says_not_how_it_is_spelt():
    row = {"order_uuid": "k1:a", "kiosk_id": "k1", "idempotency_key": "a", "total_ore": 1,
           "items_json": '[{"qty": 1, "sku": "x"}]', "vat_json": "[]",
           "payment_json": '{"method": "card"}', "catalog_version": "v",
           "created_at": "t", "business_day": "d"}
    respelt = {**row, "items_json": '[{"sku":"x","qty":1}]'}
    assert entry_hash(GENESIS, row) == entry_hash(GENESIS, respelt)
    assert entry_hash(GENESIS, row) != entry_hash(GENESIS, {**row, "total_ore": 2})
    assert entry_hash(GENESIS, row) != entry_hash("1" * 64, row)


def test_a_sale_being_made_hashes_its_values_as_the_stored_text_would():
    decoded = {"items_json": [{"sku": "x", "name": "Mjölk 1,5%", "qty": 2}],
               "vat_json": [{"rate_pct": 12, "vat_ore": 36}],
               "payment_json": {"method": "card", "reference": "TERM-ÅÄÖ"}}
    row = {"order_uuid": "k1:a", "kiosk_id": "k1", "idempotency_key": "a", "total_ore": 339,
           "catalog_version": "v", "created_at": "t", "business_day": "d",
           **{name: json.dumps(value) for name, value in decoded.items()}}
    assert canonical_content(row, decoded) == canonical_content(row)
    assert chained_hash(GENESIS, canonical_content(row, decoded)) == entry_hash(GENESIS, row)
    other = {**decoded, "payment_json": {"method": "swish", "reference": "TERM-ÅÄÖ"}}
    assert canonical_content(row, other) != canonical_content(row)


@pytest.mark.parametrize("side", ["edge", "central"])
async def test_hashes_removed_from_a_kiosk_s_rows_are_a_break_not_old_rows(client, settings,
                                                                            side):
    await synced_fleet(client, settings)
    table, position = TABLES[side]
    first = chain_rows(settings, side, "k1")[0]
    with connect(settings, side) as conn:
        conn.execute(f"UPDATE {table} SET prev_hash = NULL, entry_hash = NULL"
                     " WHERE kiosk_id = 'k1'")
    result = await run_verifier(settings)
    assert result.returncode == 1, result.stdout
    [line] = broken_lines(result.stdout)
    assert f" {side} " in line and "before the journal" not in line
    assert f"BROKEN at {position} {first[position]} (order {first['order_uuid']}): inserted:" \
           " it has no hash" in line


@pytest.mark.parametrize("side, other", [("edge", "central"), ("central", "edge")])
async def test_a_synced_sale_deleted_on_one_side_only_is_named(client, settings, side, other):
    await synced_fleet(client, settings)
    table, _ = TABLES[side]
    last = chain_rows(settings, side, "k1")[-1]   # the chain's end: its own chain still holds
    with connect(settings, side) as conn:
        conn.execute(f"DELETE FROM {table} WHERE order_uuid = ?", (last["order_uuid"],))
    result = await run_verifier(settings)
    assert result.returncode == 1, result.stdout
    assert broken_lines(result.stdout) == []
    assert f"order {last['order_uuid']} (k1, {other} " in result.stdout
    assert f"is missing at {side}" in result.stdout
    last_check = (await (await client.get("/dashboard/overview")).json())["journal_last_check"]
    assert f"1 order(s) missing at {side}" in last_check["summary"]


@pytest.mark.parametrize("side", ["edge", "central"])
async def test_where_the_journal_began_cannot_be_moved(client, settings, side):
    await synced_fleet(client, settings)
    with connect(settings, side) as conn:
        assert conn.execute("SELECT began_after FROM journal_origin").fetchone()[0] == 0
        for statement in ("UPDATE journal_origin SET began_after = 1000",
                          "DELETE FROM journal_origin"):
            with pytest.raises(DatabaseError, match="fixed"):
                conn.execute(statement)
