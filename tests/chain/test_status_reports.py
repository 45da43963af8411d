"""A store in a chain reports in: its edge sends head office its status at once when it
starts and when something changes much (a kiosk's link, a sale left waiting), with the
figures its own wallboard shows; a report that cannot be sent is dropped, counted, and
logged once. In this process (the edge beside head office's app on a real socket), and once
with real processes."""
import asyncio
import dataclasses
import logging
import re

from reliability.edge_process import free_port
from reliability.hq_process import HeadOffice
from server.chain.store_keys import KEY_FILE, create_key, load_key
from server.clock import to_iso, utc_now
from server.edge_app.factory import create_app
from server.edge_app.keys import SHELF
from server.hq.keys import KEY_RING, STORAGE
from tests.chain.helpers import acall, beat, sell, until
from tests.conftest import heartbeat, sale


def chain_settings(settings, central_url: str, interval_s: float):
    """The test's edge settings, in a chain as store-a, its key made in its data dir."""
    settings.data_path.mkdir(parents=True, exist_ok=True)
    create_key(settings.data_path / KEY_FILE)
    return dataclasses.replace(settings, central_url=central_url, store_id="store-a",
                               store_status_interval_s=interval_s)


async def edge_beside(hq_client, make_client, settings, interval_s: float):
    """The store's edge, delivering and reporting to the head office in this process."""
    chained = chain_settings(settings, str(hq_client.make_url("")).rstrip("/"), interval_s)
    key = load_key(chained.data_path / KEY_FILE)
    await hq_client.app[STORAGE].registry.enroll("store-a", key.public_text, to_iso(utc_now()))
    await hq_client.app[KEY_RING].reload()
    return await make_client(create_app(chained))


async def metric(client, name: str) -> float:
    text = await (await client.get("/metrics")).text()
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_a_change_is_reported_at_once_with_the_wallboard_s_figures(
        hq_client, make_client, settings):
    statuses = hq_client.app[STORAGE].statuses
    edge = await edge_beside(hq_client, make_client, settings, interval_s=60)
    first = await until(lambda: statuses.latest_of("store-a"), timeout=5, interval=0.05)
    assert first["status"]["pending"] == {"count": 0, "oldest_at": None}
    await heartbeat(edge, "k1", link_up=False)
    order = await (await edge.post("/edge/checkout", json=sale("k1"))).json()
    began = asyncio.get_running_loop().time()

    async def sale_reported():
        report = await statuses.latest_of("store-a")
        return report["status"]["pending"]["count"] == 1 and report
    report = await until(sale_reported, timeout=5, interval=0.05)
    # Within the glance and the least gap between reports, not the interval of 60 s.
    assert asyncio.get_running_loop().time() - began < 3.5
    status = report["status"]
    assert status["fleet"] == {"enrolled": 1, "online": 1, "link_down": 1}
    [kiosk] = status["kiosks"]
    assert kiosk.pop("last_heartbeat") <= status["sent_at"]
    assert kiosk == {"kiosk_id": "k1", "online": True, "link": "down", "pending": 1,
                     "last_checkout": order["created_at"]}
    assert status["pending"] == {"count": 1, "oldest_at": order["created_at"]}
    assert status["last_sale_at"] == order["created_at"] and status["set_aside"] == 0
    [day] = status["totals"]
    assert day == {"kiosk_id": "k1", "business_day": day["business_day"], "orders": 1,
                   "total_ore": order["total_ore"], "synced_orders": 0, "synced_total_ore": 0}
    assert status["catalog"] == {"version": edge.app[SHELF].catalog.version, "seq": None,
                                 "refused": None}
    assert status["software_version"] and report["received_at"] >= report["sent_at"]
    assert await metric(edge, "status_reports_total") >= 2


async def test_a_report_that_cannot_be_sent_is_dropped_counted_and_logged_once(
        make_client, settings, caplog):
    caplog.set_level(logging.INFO, logger="server.dashboard.status_reporter")
    closed = f"http://127.0.0.1:{free_port()}"   # nothing listens there
    edge = await make_client(create_app(chain_settings(settings, closed, interval_s=0.1)))

    async def dropped_some():
        return await metric(edge, "status_reports_dropped_total") >= 4
    await until(dropped_some, timeout=10, interval=0.1)
    warned = [r for r in caplog.records if r.name == "server.dashboard.status_reporter"]
    assert len(warned) == 1 and "dropped" in warned[0].getMessage()
    assert await metric(edge, "status_reports_total") == 0


async def test_real_processes_report_a_waiting_sale_a_link_going_down_then_silence(
        tmp_path, postgres):
    head_office = HeadOffice(tmp_path, postgres, {"CHECKOUT_HQ_STORE_SILENT_AFTER_S": "3",
                                                  "CHECKOUT_HQ_BOARD_TICK_S": "1"})
    await asyncio.to_thread(head_office.start)
    edge = head_office.chain_edge(tmp_path / "store-a", "store-a",
                                  {"CHECKOUT_STORE_STATUS_INTERVAL_S": "1"})
    await asyncio.to_thread(edge.start)
    token = head_office.token("hq-dashboard")

    async def state_on_the_board(wanted: str):
        _, board = await acall(f"{head_office.url}/hq/v1/board", token=token)
        return board["stores"]["store-a"]["state"] == wanted

    async def latest():
        code, report = await acall(f"{head_office.url}/hq/v1/stores/store-a/status",
                                   token=token)
        return report["status"] if code == 200 else None
    try:
        await beat(edge, "kiosk-1", link_up=False)
        await beat(edge, "kiosk-2", link_up=True)
        await sell(edge, "kiosk-1", 1)

        async def sale_reported():
            status = await latest()
            return status and status["pending"]["count"] == 1 and status
        status = await until(sale_reported, timeout=20)
        assert status["fleet"] == {"enrolled": 3, "online": 2, "link_down": 1}
        kiosks = {kiosk["kiosk_id"]: kiosk for kiosk in status["kiosks"]}
        assert (kiosks["kiosk-1"]["link"], kiosks["kiosk-1"]["pending"]) == ("down", 1)
        assert kiosks["kiosk-3"] == {"kiosk_id": "kiosk-3", "online": False, "link": "unknown",
                                     "last_heartbeat": None, "pending": 0,
                                     "last_checkout": None}
        assert [(d["kiosk_id"], d["orders"], d["synced_orders"]) for d in status["totals"]] == [
            ("kiosk-1", 1, 0)]
        await beat(edge, "kiosk-2", link_up=False)
        began = asyncio.get_running_loop().time()

        async def link_down_reported():
            status = await latest()
            return status["fleet"]["link_down"] == 2
        await until(link_down_reported, timeout=10, interval=0.1)
        assert asyncio.get_running_loop().time() - began < 3.5
        assert await state_on_the_board("reporting")
        # The store stops reporting (it may be selling offline): head office says silent.
        await asyncio.to_thread(edge.stop)
        await until(lambda: state_on_the_board("silent"), timeout=15)
    finally:
        for process in (edge, head_office):
            if process.running:
                await asyncio.to_thread(process.stop)
