"""Link state and sync (DESIGN.md §5): pending while down, drained in order once up, once."""
from dataclasses import replace

import pytest

from server.central.sqlite_ledger import SqliteLedger
from server.config import CENTRAL_DB
from server.edge_app.factory import create_app
from server.edge_app.keys import CENTRAL_LEDGER, EDGE_STORE, SYNC_WORKER
from server.sync.backoff import Backoff
from tests.conftest import all_orders, batch_of, eventually, heartbeat, sale
from tests.store_files import central_rows, open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def post_sales(client, count, kiosk_id="k1"):
    uuids = []
    for _ in range(count):
        resp = await client.post("/edge/checkout", json=sale(kiosk_id=kiosk_id))
        assert resp.status == 201
        uuids.append((await resp.json())["order_uuid"])
    return uuids


async def test_offline_sales_stay_pending_then_drain_by_themselves_in_order(client, settings):
    await heartbeat(client, "k1", link_up=False)
    uuids = await post_sales(client, 25)
    edge = await all_orders(client, "/edge/orders", kiosk_id="k1")
    assert [o["sync_state"] for o in edge] == ["pending"] * 25

    resp = await client.post("/edge/sync", json={"kiosk_id": "k1"})
    assert resp.status == 503
    assert resp.headers["Retry-After"] == str(settings.sync_retry_after_s)
    error = (await resp.json())["error"]
    assert error["code"] == "central_link_down"
    assert error["details"]["pending_count"] == 25
    assert central_rows(settings) == 0

    answer = await heartbeat(client, "k1", link_up=True)
    assert answer["link_changed"] is True and answer["pending_count"] == 25

    async def drained():
        overview = await (await client.get("/dashboard/overview")).json()
        return overview["pending_count"] == 0
    await eventually(drained)

    central = await all_orders(client, "/central/orders")
    assert [o["order_uuid"] for o in central] == uuids  # arrival order is seq order
    edge = await all_orders(client, "/edge/orders")
    assert all(o["sync_state"] == "synced" and o["synced_at"] for o in edge)
    strip = ("sync_state", "synced_at")
    assert [{k: v for k, v in o.items() if k not in strip} for o in central] == \
           [{k: v for k, v in o.items() if k not in strip} for o in edge]


async def test_sales_made_while_the_link_is_up_reach_central_without_a_sync_call(client, settings):
    await heartbeat(client, "k1", link_up=True)
    await post_sales(client, 3)

    async def arrived():
        return central_rows(settings) == 3
    await eventually(arrived)


async def test_crash_between_central_commit_and_edge_mark_is_absorbed(client, settings):
    await heartbeat(client, "k1", link_up=False)
    await post_sales(client, 5)
    pending = (await (await client.get("/edge/orders")).json())["orders"]
    # What a crash right after central's commit leaves behind: central holds the rows,
    # the edge still has them pending. Written through a second ledger on the same file.
    ledger = await SqliteLedger(settings.central_db_path, key=settings.database_key()).open()
    assert (await ledger.deliver(batch_of(pending[:3]))).inserted == 3
    await ledger.close()

    await client.app[SYNC_WORKER].stop()  # drain by hand below, to read the report
    await heartbeat(client, "k1", link_up=True)
    report = (await (await client.post("/edge/sync", json={"kiosk_id": "k1"})).json())
    assert (report["synced"], report["already_present"]) == (2, 3)
    assert central_rows(settings) == 5
    with open_file(settings, CENTRAL_DB) as conn:
        distinct = conn.execute("SELECT COUNT(DISTINCT order_uuid) FROM central_orders")
        assert distinct.fetchone()[0] == 5


async def test_failing_central_keeps_rows_records_the_error_and_backs_off(client, settings):
    await heartbeat(client, "k1", link_up=True)
    worker = client.app[SYNC_WORKER]
    # Central really fails: another process holds its write lock.
    blocker = open_file(settings, CENTRAL_DB, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        await post_sales(client, 4)

        async def failed_repeatedly():
            return worker.backoff.failures.get("k1", 0) >= 2
        await eventually(failed_repeatedly)
        kiosks = (await (await client.get("/dashboard/kiosks")).json())["kiosks"]
        assert kiosks[0]["pending_count"] == 4
        assert "(busy)" in kiosks[0]["last_sync_error"]
        resp = await client.post("/edge/sync", json={"kiosk_id": "k1"})
        assert resp.status == 503
        assert (await resp.json())["error"]["code"] == "central_unavailable"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    async def recovered():  # the edge marks its rows after central's commit: wait for both
        row = (await (await client.get("/dashboard/kiosks")).json())["kiosks"][0]
        return row["pending_count"] == 0 and row["last_sync_error"] is None
    await eventually(recovered)
    assert central_rows(settings) == 4
    assert "k1" not in worker.backoff.failures


async def test_a_kiosk_that_went_silent_does_not_strand_its_sales(client, settings, clock):
    await heartbeat(client, "k1", link_up=False)
    await post_sales(client, 3)
    clock.advance(settings.heartbeat_timeout_s - 1)
    kiosks = (await (await client.get("/dashboard/kiosks")).json())["kiosks"]
    assert kiosks[0]["online"] is True and central_rows(settings) == 0

    clock.advance(2)  # its heartbeats stopped: the edge now goes by its own view of central

    async def drained_row():
        row = (await (await client.get("/dashboard/kiosks")).json())["kiosks"][0]
        return row if row["pending_count"] == 0 else None
    kiosk = await eventually(drained_row)
    assert kiosk["online"] is False
    assert central_rows(settings) == 3


async def test_link_dropping_mid_drain_stops_after_the_batch(client, settings):
    worker = client.app[SYNC_WORKER]
    await heartbeat(client, "k1", link_up=False)
    await post_sales(client, 35)
    await worker.stop()
    # The drain was already under way when the kiosk reported its link down.
    report = await worker.drain_kiosk("k1")
    assert (report.outcome, report.batches, report.synced) == ("link_down", 1, 10)
    assert central_rows(settings) == 10


async def test_sync_without_kiosk_drains_every_kiosk_whose_link_is_up(client, settings):
    await heartbeat(client, "up", link_up=False)
    await heartbeat(client, "down", link_up=False)
    await post_sales(client, 2, "up")
    await post_sales(client, 3, "down")
    await client.app[SYNC_WORKER].stop()
    await heartbeat(client, "up", link_up=True)
    resp = await client.post("/edge/sync", json={})
    assert resp.status == 200
    answer = await resp.json()
    assert answer["skipped_link_down"] == ["down"]
    assert [(r["kiosk_id"], r["synced"], r["outcome"]) for r in answer["results"]] == [
        ("up", 2, "drained")]
    assert answer["synced"] == 2 and central_rows(settings) == 2
    # An empty body means the same as {}.
    resp = await client.post("/edge/sync")
    assert resp.status == 200 and (await resp.json())["synced"] == 0


async def test_sync_of_an_unknown_kiosk_is_404(client):
    resp = await client.post("/edge/sync", json={"kiosk_id": "nobody"})
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "unknown_kiosk"


async def test_ledger_counts_duplicates_as_delivered(tmp_path):
    ledger = await SqliteLedger(tmp_path / "central.db").open()
    order = {"order_uuid": "k1:abcdefgh", "kiosk_id": "k1", "idempotency_key": "abcdefgh",
             "items": [], "vat": [], "total_ore": 0, "payment": {"method": "card"},
             "catalog_version": "v", "created_at": "2026-01-01T00:00:00.000000+00:00",
             "business_day": "2026-01-01"}
    first = await ledger.deliver(batch_of([order]))
    again = await ledger.deliver(batch_of([order, {**order, "order_uuid": "k1:other123"}]))
    assert (first.inserted, first.already_present) == (1, 0)
    assert (again.inserted, again.already_present) == (1, 1)
    assert await ledger.order_count() == 2
    await ledger.close()


async def test_kiosks_drain_side_by_side_each_in_order_sharing_commits(client, settings):
    kiosks = [f"k{i}" for i in range(1, 5)]
    sold = {}
    for kiosk_id in kiosks:
        await heartbeat(client, kiosk_id, link_up=False)
        sold[kiosk_id] = await post_sales(client, 25, kiosk_id)
    worker, ledger = client.app[SYNC_WORKER], client.app[CENTRAL_LEDGER]
    await worker.stop()
    for kiosk_id in kiosks:
        await heartbeat(client, kiosk_id, link_up=True)
    groups_before = ledger.db.writer.groups
    batches_before = ledger.db.writer.transactions
    worker.start()

    async def drained():
        return central_rows(settings) == 100
    await eventually(drained)

    central = await all_orders(client, "/central/orders")
    for kiosk_id in kiosks:  # each kiosk's sales arrived in the order they were made
        assert [o["order_uuid"] for o in central if o["kiosk_id"] == kiosk_id] == sold[kiosk_id]
    batches = ledger.db.writer.transactions - batches_before
    assert batches == 4 * 3  # 25 sales in batches of 10, per kiosk
    assert ledger.db.writer.groups - groups_before < batches  # kiosks' batches shared commits


async def test_the_sales_of_a_moment_share_one_look_at_the_link(make_client, settings, clock):
    """Every sale wakes the sync; the wake-ups within sync_wake_coalesce_s are one sweep, and
    the sweep reads every woken kiosk's link at once: busy kiosks whose links are down cost
    one read per sweep, not one per sale or per kiosk. A kiosk whose link is up is looked at
    again, alone, just before it drains."""
    # A window far longer than the thirty sales below take: they fall into one sweep.
    app = create_app(replace(settings, sync_wake_coalesce_s=2.0, sync_sweep_interval_s=60),
                     clock=clock)
    client = await make_client(app)
    store, read_together, read_alone = app[EDGE_STORE], [], []
    real_get_kiosks, real_get_kiosk = store.get_kiosks, store.get_kiosk

    async def counting_get_kiosks(kiosk_ids):
        read_together.append(list(kiosk_ids))
        return await real_get_kiosks(kiosk_ids)

    async def counting_get_kiosk(kiosk_id):
        read_alone.append(kiosk_id)
        return await real_get_kiosk(kiosk_id)

    store.get_kiosks, store.get_kiosk = counting_get_kiosks, counting_get_kiosk
    for kiosk_id, link_up in (("k1", False), ("k2", False), ("k3", True)):
        await heartbeat(client, kiosk_id, link_up=link_up)
    # No sale waits yet: the start's sweep and the heartbeats read no kiosk's link.
    assert read_together == read_alone == []
    for kiosk_id in ("k1", "k2", "k3"):
        await post_sales(client, 10, kiosk_id)

    async def k3_drained():
        return central_rows(settings) == 10

    await eventually(k3_drained)
    assert read_together == [["k1", "k2", "k3"]]
    assert read_alone == ["k3"]


def test_a_try_already_due_wakes_nobody_again():
    """A kiosk due for a retry but not tried (its link went down) must not make the sync
    wake at once, again and again; only keys still waiting set the next wake-up."""
    now = [100.0]
    backoff = Backoff(initial_s=1, cap_s=8, clock=lambda: now[0])
    backoff.failed("k1")
    assert 0.5 <= backoff.next_due_in() <= 1
    now[0] += 2
    assert backoff.next_due_in() is None and not backoff.waiting("k1")


def test_the_most_tries_a_backoff_allows_in_a_time():
    backoff = Backoff(initial_s=1, cap_s=8)  # least delays: 0.5, 1, 2, 4, 4, 4, ...
    assert [backoff.most_attempts_within(s) for s in (0, 0.4, 0.5, 3.4, 3.5, 7.5, 11.5)] == \
        [1, 1, 2, 3, 4, 5, 6]


def test_a_busy_head_office_paces_without_growing_the_delay():
    """hq_busy with Retry-After: wait what was asked (with up to half again), however many
    failures came before, and the next unexplained failure goes on from where they were."""
    now = [0.0]
    backoff = Backoff(initial_s=1, cap_s=60, clock=lambda: now[0])
    for _ in range(5):
        backoff.failed("*ledger*")
    for _ in range(20):
        assert 2 <= backoff.paced("*ledger*", 2) <= 3
    assert backoff.failures["*ledger*"] == 5 and backoff.waiting("*ledger*")
    assert backoff.failed("*ledger*") >= 16  # the sixth failure's step, 32 s, half of it
