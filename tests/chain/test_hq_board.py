"""The chain wallboard's JSON and socket, in this process on a real PostgreSQL database over
a real socket, with head office's clock moved by the test (no sleeping): stores reporting,
silent and never reported; each alert; the verdict rule; a snapshot then a delta when a
store reports; bad input refused."""
import asyncio
import io
import json
from datetime import timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from marshmallow import RAISE

from server.auth.enrolment import issue_person_token
from server.chain.signing import sign
from server.clock import to_iso
from server.config import HqSettings
from server.dashboard.chain_reconciliation import verdict
from server.hq.board_schemas import BoardSchema, StoreBoardSchema
from server.hq.factory import create_hq_app
from server.hq.keys import HELD_AT_REPORT, STORAGE
from server.hub.messages import validator
from server.web.keys import AUTH_STORE
from server.web.serving import server_options
from tests.chain.board_helpers import enrol, kiosk_day, report, status_report, today
from tests.chain.helpers import batch_body, sales_rows
from tests.conftest import SettableClock

BOARD = "/hq/v1/board"


@pytest.fixture
async def hq(postgres, aiohttp_client, tmp_path):
    """Head office on a clock the test moves; a client with an hq-dashboard token."""
    clock = SettableClock()
    settings = HqSettings(database=postgres, data_dir=str(tmp_path / "hq"), rate_limits="off",
                          hq_board_min_interval_s=0.05, hq_board_tick_s=0.2)
    server = TestServer(create_hq_app(settings, clock))
    await server.start_server(**server_options(settings))
    client = await aiohttp_client(server)
    issued = await issue_person_token(client.app[AUTH_STORE], "hq-dashboard", "wall", "test",
                                      to_iso(clock()))
    client.clock, client.auth = clock, {"Authorization": f"Bearer {issued.token}"}
    return client


async def board(hq) -> dict:
    resp = await hq.get(BOARD, headers=hq.auth)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    BoardSchema(unknown=RAISE).load(body)  # every field documented, none missing
    return body


async def deliver(hq, key, store_id: str, rows) -> dict:
    """A store's signed batch, signed at head office's (moved) clock."""
    body = batch_body(store_id, rows)
    url = str(hq.make_url("/hq/v1/batches"))
    resp = await hq.post("/hq/v1/batches", data=io.BytesIO(body),
                         headers=sign(key, "POST", url, body, now=hq.clock()))
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_stores_reporting_silent_and_never_reported(hq, tmp_path):
    keys = await enrol(hq.app, tmp_path, "store-a", "store-b", "store-c")
    day = today(hq.clock)
    await deliver(hq, keys["store-a"], "store-a", sales_rows(count=3, day=day))
    b_reported = hq.clock()
    await report(hq.app, hq.clock, "store-b", pending=2, oldest=b_reported,
                 totals=[kiosk_day("kiosk-1", day, 2, 0)])
    hq.clock.advance(60)
    await report(hq.app, hq.clock, "store-a", totals=[kiosk_day("kiosk-1", day, 3, 3)])
    hq.clock.advance(40)  # store-b: 100 s without a word; store-a: 40 s
    body = await board(hq)
    stores, overview = body["stores"], body["overview"]
    assert {s: row["state"] for s, row in stores.items()} == {
        "store-a": "reporting", "store-b": "silent", "store-c": "never_reported"}
    assert stores["store-a"]["reconciliation"] == "match"
    assert stores["store-b"]["reconciliation"] is None  # its report is old news
    assert stores["store-b"]["last_report_at"] == to_iso(b_reported)  # silent since
    assert (overview["stores_reporting"], overview["stores_silent"],
            overview["stores_never_reported"]) == (1, 1, 1)
    assert (overview["orders_today"], overview["revenue_today_ore"]) == (3, 3 * 1695)
    assert (overview["pending_count"], stores["store-a"]["orders_today"]) == (2, 3)
    assert body["alerts"] == {}  # silent 100 s is not yet an alert (600 s)


async def test_sales_after_a_report_do_not_make_it_differ(hq, tmp_path):
    keys = await enrol(hq.app, tmp_path, "store-a")
    day = today(hq.clock)
    await deliver(hq, keys["store-a"], "store-a", sales_rows(count=3, day=day))
    await report(hq.app, hq.clock, "store-a", totals=[kiosk_day("kiosk-1", day, 3, 3)])
    while "store-a" not in hq.app[HELD_AT_REPORT].by_store:  # read as the report came
        await asyncio.sleep(0.01)
    # The store sells two more and delivers them before its next report: head office is
    # ahead of the report, which is no difference.
    await deliver(hq, keys["store-a"], "store-a", sales_rows(count=2, first=3, day=day))
    row = (await board(hq))["stores"]["store-a"]
    assert (row["reconciliation"], row["status"], row["orders_today"]) == ("match",
                                                                           "reporting", 5)


def test_the_verdict_rule():
    assert verdict((3, 30), (3, 30), (3, 30)) == "match"
    assert verdict((3, 30), (3, 30), (5, 50)) == "waiting"
    assert verdict((4, 40), (3, 30), (5, 50)) == "in_flight"
    assert verdict((5, 50), (3, 30), (5, 50)) == "in_flight"
    assert verdict((2, 20), (3, 30), (5, 50)) == "differs"  # a delivered sale missing
    assert verdict((6, 60), (3, 30), (5, 50)) == "differs"  # a sale the store does not hold
    assert verdict((3, 31), (3, 30), (3, 30)) == "differs"  # same count, other money


async def test_a_store_s_page_gives_each_kiosk_day_its_verdict(hq, tmp_path):
    keys = await enrol(hq.app, tmp_path, "store-a")
    day = today(hq.clock)
    await deliver(hq, keys["store-a"], "store-a",
                  sales_rows("kiosk-1", 2, day=day) + sales_rows("kiosk-2", 3, day=day)
                  + sales_rows("kiosk-3", 2, day=day) + sales_rows("kiosk-4", 1, day=day))
    await report(hq.app, hq.clock, "store-a", pending=4, oldest=hq.clock(), totals=[
        kiosk_day("kiosk-1", day, 2, 2), kiosk_day("kiosk-2", day, 5, 3),
        kiosk_day("kiosk-3", day, 3, 1), kiosk_day("kiosk-4", day, 2, 2)])
    resp = await hq.get("/hq/v1/stores/store-a/board?hours=2", headers=hq.auth)
    page = await resp.json()
    StoreBoardSchema(unknown=RAISE).load(page)
    assert {r["kiosk_id"]: r["words"] for r in page["reconciliation"]} == {
        "kiosk-1": "match", "kiosk-2": "2 waiting at the store", "kiosk-3": "in flight",
        "kiosk-4": "differs"}
    assert page["row"]["status"] == "differs" and len(page["kiosks"]) == 2
    assert page["backlog"][-1]["pending"] == 4 and len(page["backlog"]) == 73
    assert [a["kind"] for a in page["alerts"]] == ["differs"]


async def test_each_alert(hq, tmp_path):
    keys = await enrol(hq.app, tmp_path, "quiet", "slow", "aside", "refuser", "forked")
    day, start = today(hq.clock), hq.clock()
    await report(hq.app, hq.clock, "quiet")
    await report(hq.app, hq.clock, "aside", set_aside=2)
    await report(hq.app, hq.clock, "refuser", refused={"seq": 8, "reason": "bad signature",
                                                       "at": to_iso(start)})
    await deliver(hq, keys["forked"], "forked", sales_rows(count=1, day=day))
    forked = sales_rows(count=1, day=day, prev="1" * 64)  # its order_uuid, another chain
    assert (await deliver(hq, keys["forked"], "forked", forked))["refused"]
    for _ in range(21):  # a burst of forgeries: signed with another store's key
        await hq.post("/hq/v1/batches", data=b"{}", headers=sign(
            keys["quiet"], "POST", str(hq.make_url("/hq/v1/batches")), b"{}",
            now=hq.clock() - timedelta(hours=1)))
    hq.clock.advance(901)  # beyond both the silence (600 s) and the backlog (900 s) alerts
    await report(hq.app, hq.clock, "slow", pending=3, oldest=start)
    await report(hq.app, hq.clock, "aside", set_aside=2)
    await report(hq.app, hq.clock, "refuser", refused={"seq": 8, "reason": "bad signature",
                                                       "at": to_iso(start)})
    await report(hq.app, hq.clock, "forked")
    alerts = (await board(hq))["alerts"]
    assert sorted(alerts) == ["backlog:slow", "catalog_refused:refuser", "rows_refused:forked",
                              "set_aside:aside", "signature_refusals:chain", "silent:quiet"]
    assert "may be selling offline" in alerts["silent:quiet"]["message"]
    assert alerts["silent:quiet"]["since"] == to_iso(start)
    overview = (await board(hq))["overview"]
    assert (overview["rows_refused"], overview["signature_refusals_last_hour"]) == (1, 21)
    # A later price list went in (seq 9 in use): the store still names its last refusal,
    # which no longer holds.
    hq.clock.advance(1)
    status = status_report("refuser", hq.clock(), refused={"seq": 8, "reason": "bad",
                                                           "at": to_iso(start)})
    status["catalog"]["seq"] = 9
    await hq.app[STORAGE].statuses.record("refuser", "key", hq.clock(), status, hq.clock())
    assert "catalog_refused:refuser" not in (await board(hq))["alerts"]


async def merged_until(ws, state: dict, holds) -> dict:
    """Merge deltas (each checked against its schema, seq by seq) until `holds(state)`; the
    last delta."""
    delta = None
    while not holds(state):
        delta = await asyncio.wait_for(ws.receive_json(), 5)
        assert not list(validator("hq_board_delta").iter_errors(delta))
        assert delta["seq"] == state["seq"] + 1
        state["seq"] = delta["seq"]
        state["overview"].update(delta["overview"])
        for part in ("stores", "alerts"):
            for key, value in delta[part].items():
                state[part][key] = None if value is None else {**state[part].get(key, {}),
                                                               **value}
    return delta


async def test_a_snapshot_then_a_delta_when_a_store_reports(hq, tmp_path):
    keys = await enrol(hq.app, tmp_path, "store-a", "store-b")
    ws = await hq.ws_connect("/ws/hq", headers=hq.auth)
    state = await ws.receive_json()
    assert not list(validator("hq_board_snapshot").iter_errors(state))
    # The snapshot is the board as last published; the feed freshens it at once.
    await merged_until(ws, state, lambda s: "store-b" in s["stores"])
    assert state["stores"]["store-a"]["state"] == "never_reported"
    body = json.dumps(status_report("store-a", hq.clock(), pending=1, oldest=hq.clock()))
    url = str(hq.make_url("/hq/v1/status"))  # signed, as the store's reporter sends it
    resp = await hq.post("/hq/v1/status", data=body.encode(), headers=sign(
        keys["store-a"], "POST", url, body.encode(), now=hq.clock()))
    assert resp.status == 200, await resp.text()
    delta = await merged_until(ws, state, lambda s: s["stores"]["store-a"]["pending"] == 1)
    assert delta["stores"]["store-a"]["state"] == "reporting"
    assert delta["stores"]["store-a"]["status"] == "waiting"
    assert "store-b" not in delta["stores"]  # only what changed
    fresh = await board(hq)  # merged deltas give the REST view
    assert (state["stores"], state["alerts"]) == (fresh["stores"], fresh["alerts"])
    await ws.send_json({"type": "snapshot_request"})
    while (again := await asyncio.wait_for(ws.receive_json(), 5))["type"] != "snapshot":
        pass
    assert again["stores"]["store-a"]["pending"] == 1
    await ws.close()


async def test_bad_input_is_refused(hq, tmp_path):
    keys = await enrol(hq.app, tmp_path, "store-a")
    resp = await hq.get("/hq/v1/stores/store-zz/board", headers=hq.auth)
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "not_found"
    for query in ("hours=0", "hours=13", "hours=two"):
        resp = await hq.get(f"/hq/v1/stores/store-a/board?{query}", headers=hq.auth)
        assert resp.status == 422, query
    url = str(hq.make_url(BOARD))
    resp = await hq.get(BOARD, headers=sign(keys["store-a"], "GET", url, now=hq.clock()))
    assert resp.status == 403  # a store may not watch the chain
    assert (await hq.get(BOARD)).status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await hq.ws_connect("/ws/hq", headers={**hq.auth, "Origin": "http://evil.example"})
    assert refused.value.status == 403
    page = await hq.get("/hq")  # a page to a browser not signed in: how to sign in
    assert page.status == 401 and "not signed in" in await page.text()
