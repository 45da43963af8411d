"""Sales committed together go in as one batch (server.edge.sale_insert), and every answer,
row and journal link is the one each sale would have had alone.

Real checkouts on the real app, sent at once so that they share commit groups; the rows are
read back from the edge file by a second connection.
"""
import asyncio
import sqlite3

import pytest

from server.config import EDGE_DB
from server.edge.checkout import checkout
from server.edge.sale_insert import SaleInsert
from server.edge_app.keys import EDGE_EVENTS, EDGE_STORE, SHELF
from server.journal.chain import GENESIS, entry_hash
from server.web.keys import CLOCK
from tests.conftest import MILK, sale
from tests.store_files import open_file, statements_of

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

KIOSKS = ["k1", "k2", "k3"]


@pytest.fixture
def batches(monkeypatch):
    """Every batch tried, as (how, size): "by itself" (the whole group, by one statement that
    commits itself) or "in a transaction"; the real ones run."""
    tried = []

    def counting(how, real):
        def counted(conn, sales):
            tried.append((how, len(sales)))
            return real(conn, sales)
        return staticmethod(counted)

    monkeypatch.setattr(SaleInsert, "commit_batch",
                        counting("by itself", SaleInsert.commit_batch))
    monkeypatch.setattr(SaleInsert, "run_batch",
                        counting("in a transaction", SaleInsert.run_batch))
    return tried


@pytest.fixture
def statements(client):
    """The SQL the edge's writer runs from now on."""
    with statements_of(client.app[EDGE_STORE].db.writer) as run:
        yield run


async def checkouts(client, bodies) -> list[tuple[int, dict]]:
    async def one(body):
        answer = await client.post("/edge/checkout", json=body)
        return answer.status, await answer.json()
    return await asyncio.gather(*(one(body) for body in bodies))


def checking_out(client, body):
    """Straight to the checkout: the sale's write is queued in the task's first step."""
    app = client.app
    return checkout(app[EDGE_STORE], app[SHELF].catalog, body, app[CLOCK](), "Europe/Stockholm",
                    app[EDGE_EVENTS])


async def one_group(client, bodies) -> list:
    """Checkouts all queued in one turn of the loop: they commit as one group."""
    return await asyncio.gather(*(checking_out(client, body) for body in bodies))


def stored(settings) -> list[sqlite3.Row]:
    with open_file(settings, EDGE_DB, named_rows=True) as conn:
        return conn.execute("SELECT * FROM edge_orders ORDER BY seq").fetchall()


def assert_chains_hold(rows) -> None:
    """Every kiosk's sales link, in seq order, each to the one before (GENESIS first)."""
    heads = {}
    for row in rows:
        prev = heads.get(row["kiosk_id"], GENESIS)
        assert row["prev_hash"] == prev, row["order_uuid"]
        assert row["entry_hash"] == entry_hash(prev, row), row["order_uuid"]
        heads[row["kiosk_id"]] = row["entry_hash"]


async def test_sales_sent_together_go_in_as_batches_chained_as_one_by_one(
        client, settings, batches):
    await checkouts(client, [sale(kiosk_id=kiosk) for kiosk in KIOSKS])  # kiosks known
    bodies = [sale(kiosk_id=KIOSKS[i % 3], items=[{"sku": MILK, "qty": 1 + i}])
              for i in range(60)]
    answers = await checkouts(client, bodies)
    assert [status for status, _ in answers] == [201] * 60
    by_itself = [size for how, size in batches if how == "by itself"]
    assert sum(by_itself) >= 30 and max(by_itself) > 1  # most of them did go in together
    rows = stored(settings)
    assert len(rows) == 63
    by_uuid = {row["order_uuid"]: row for row in rows}
    for body, (_, order) in zip(bodies, answers, strict=True):
        row = by_uuid[f"{body['kiosk_id']}:{body['idempotency_key']}"]
        assert order["entry_hash"] == row["entry_hash"]  # the answer is the row as stored
        assert order["total_ore"] == row["total_ore"] == 1695 * body["items"][0]["qty"]
    assert_chains_hold(rows)


async def test_a_key_sent_twice_in_one_group_makes_one_sale_and_replays_it(
        client, settings, batches):
    await checkouts(client, [sale(kiosk_id=kiosk) for kiosk in KIOSKS])
    batches.clear()
    twice = sale(kiosk_id="k2")
    bodies = [sale(kiosk_id="k1"), twice, sale(kiosk_id="k3"), twice, sale(kiosk_id="k1")]
    results = await one_group(client, bodies)
    # Tried together, and undone: the key was used in the batch.
    assert batches == [("by itself", 5), ("in a transaction", 5)]
    assert [result.replayed for result in results] == [False, False, False, True, False]
    assert results[1].order["order_uuid"] == results[3].order["order_uuid"]
    assert results[1].order["entry_hash"] == results[3].order["entry_hash"]
    rows = stored(settings)
    assert len(rows) == 3 + 4
    assert_chains_hold(rows)


async def test_a_kiosks_first_sale_in_a_group_brings_its_kiosk_row(client, settings, batches):
    await checkouts(client, [sale(kiosk_id="k1")])
    batches.clear()
    results = await one_group(client, [sale(kiosk_id="k1"), sale(kiosk_id="k9"),
                                       sale(kiosk_id="k1")])
    # Tried, and left to one by one: k9 has no kiosks row yet.
    assert batches == [("by itself", 3), ("in a transaction", 3)]
    assert not any(result.replayed for result in results)
    with open_file(settings, EDGE_DB) as conn:
        assert conn.execute("SELECT COUNT(*) FROM kiosks WHERE kiosk_id = 'k9'").fetchone() == (1,)
    assert_chains_hold(stored(settings))


async def test_a_group_of_sales_alone_costs_the_writer_one_statement(client, settings, statements):
    await checkouts(client, [sale(kiosk_id=kiosk) for kiosk in KIOSKS])
    await one_group(client, [sale(kiosk_id=kiosk) for kiosk in KIOSKS])  # heads read once
    statements.clear()
    results = await one_group(client, [sale(kiosk_id=KIOSKS[i % 3]) for i in range(6)])
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO edge_orders")
    rows = stored(settings)
    assert [result.order["entry_hash"] for result in results] == [
        row["entry_hash"] for row in rows[-6:]]
    assert_chains_hold(rows)


async def test_a_sale_stored_in_a_transaction_makes_the_heads_read_again(
        client, settings, statements):
    """The heads a group by itself uses are the ones the last such group left, unless a sale
    went in another way since: alone, or as a batch inside a group with other writes."""
    store = client.app[EDGE_STORE]
    await checkouts(client, [sale(kiosk_id=kiosk) for kiosk in KIOSKS])
    await one_group(client, [sale(kiosk_id=kiosk) for kiosk in KIOSKS])  # heads known
    for second, beside_a_heartbeat in enumerate(([sale(kiosk_id="k1")],  # one: alone
                                                 [sale(kiosk_id="k1"), sale(kiosk_id="k2")])):
        heartbeat = store.record_heartbeat("k1", False, f"2026-11-30T10:00:0{second}.000000Z")
        await asyncio.gather(heartbeat, *(checking_out(client, b) for b in beside_a_heartbeat))
        statements.clear()
        await one_group(client, [sale(kiosk_id=kiosk) for kiosk in KIOSKS])
        assert statements[0].startswith("SELECT json_group_object")  # the heads, read again
        assert_chains_hold(stored(settings))


async def test_an_approved_sale_and_its_approval_commit_in_one_transaction(
        client, settings, statements):
    beer = "7318168610409"   # 18+
    await checkouts(client, [sale(kiosk_id="k1")])   # the kiosk and its chain exist
    statements.clear()
    [(status, order)] = await checkouts(client, [sale(kiosk_id="k1", staff_pin=settings.staff_pin,
                                                      items=[{"sku": beer, "qty": 1}])])
    assert status == 201
    # The PIN's own try is a write of its own; the sale and its approval are one transaction.
    sale_at = next(i for i, sql in enumerate(statements) if sql.startswith("INSERT INTO edge"))
    begin = max(i for i, sql in enumerate(statements[:sale_at]) if sql.startswith("BEGIN"))
    commit = sale_at + next(i for i, sql in enumerate(statements[sale_at:]) if sql == "COMMIT")
    inside = statements[begin:commit]
    assert sum(sql.startswith("INSERT INTO audit_events") for sql in inside) == 1
    with open_file(settings, EDGE_DB) as conn:
        [(target, details)] = conn.execute(
            "SELECT target, details_json FROM audit_events WHERE action = 'staff_approval'")
    assert target == order["order_uuid"] and '"age_limit": 18' in details
