"""Head office's chain wallboard in real Chromium, against head office in this process on a
real PostgreSQL database: the tiles and a store's cell change live as stores report and
deliver signed batches; the filter, sort and search work; a store's page shows its kiosks
and its verdicts; 1,300 stores fit one 1920×1080 screen, every cell whole; axe finds nothing."""
import io
import json
import re

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import expect

from reliability.board_chain import (
    batch,
    enrol_stores,
    everyday_chain,
    kiosk_day,
    sales,
    status_report,
    store_name,
)
from server.auth.enrolment import issue_person_token
from server.chain.signing import sign
from server.clock import business_day, to_iso, utc_now
from server.config import HqSettings
from server.hq.factory import create_hq_app
from server.hq.keys import KEY_RING, STORAGE
from server.web.keys import AUTH_STORE
from server.web.serving import server_options
from tests.browser.axe import LANDSCAPE, check_page


@pytest_asyncio.fixture(loop_scope="session")
async def hq(postgres, tmp_path):
    """Head office in this process, quick to look again; its storage, keys and sign-in. It
    runs in the session's loop, beside the shared Chromium (so no aiohttp_client, whose loop
    is the test's own)."""
    settings = HqSettings(database=postgres, data_dir=str(tmp_path / "hq"), rate_limits="off",
                          hq_board_min_interval_s=0.1, hq_board_tick_s=1.0)
    server = TestServer(create_hq_app(settings))
    await server.start_server(**server_options(settings))
    client = TestClient(server)
    await client.start_server()
    issued = await issue_person_token(client.app[AUTH_STORE], "hq-dashboard", "wall", "test",
                                      to_iso(utc_now()))
    client.signin = str(client.make_url(issued.signin_path()))  # lands on /hq
    client.storage, client.keys = client.app[STORAGE], {}
    client.day = business_day(utc_now(), "Europe/Stockholm").isoformat()
    yield client
    await client.close()


async def enrol(hq, store_ids) -> None:
    hq.keys.update(await enrol_stores(hq.storage, store_ids, utc_now()))
    await hq.app[KEY_RING].reload()


async def deliver(hq, store_id: str, rows) -> None:
    """A store's signed batch, as its edge sends it."""
    body, url = batch(store_id, rows), str(hq.make_url("/hq/v1/batches"))
    resp = await hq.post("/hq/v1/batches", data=io.BytesIO(body),
                         headers=sign(hq.keys[store_id], "POST", url, body))
    assert resp.status == 200, await resp.text()


async def send_report(hq, store_id: str, **fields) -> None:
    """A store's signed status report, as its edge's reporter sends it (POST /hq/v1/status)."""
    body = json.dumps(status_report(store_id, utc_now(), **fields)).encode()
    url = str(hq.make_url("/hq/v1/status"))
    resp = await hq.post("/hq/v1/status", data=io.BytesIO(body),
                         headers=sign(hq.keys[store_id], "POST", url, body))
    assert resp.status == 200, await resp.text()


async def open_board(browser, hq):
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await page.goto(hq.signin)
    await page.wait_for_url("**/hq")
    await expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


def cell(page, store_id: str):
    return page.locator(f'.store[data-store-id="{store_id}"]')


async def test_tiles_and_cells_live_with_filter_sort_search_and_axe(browser, hq):
    await enrol(hq, ["store-a", "store-b", "store-c"])
    await send_report(hq, "store-a")
    page = await open_board(browser, hq)
    reporting = page.locator('[data-tile="stores_reporting"]')
    await expect(reporting.locator(".value")).to_have_text("1")
    await expect(reporting.locator(".note")).to_have_text("of 3 · 2 need attention")
    await expect(cell(page, "store-b")).to_have_attribute("data-status", "never_reported")
    await expect(page.locator('.group[data-status="never_reported"] h2')).to_have_text(
        "never reported · 2")
    # store-b delivers three sales and reports two more waiting: live, no reload.
    rows = sales("kiosk-1", 3, hq.day, utc_now())
    await deliver(hq, "store-b", rows)
    await send_report(hq, "store-b", pending=2, oldest=utc_now(),
                      totals=[kiosk_day("kiosk-1", hq.day, 5, 3)])
    await expect(cell(page, "store-b")).to_have_attribute("data-status", "waiting")
    await expect(cell(page, "store-b")).to_have_attribute("aria-label", re.compile(
        r"store-b · waiting · 2 sales waiting"))
    await expect(page.locator('[data-tile="orders_today"] .value')).to_have_text("3")
    await expect(page.locator('[data-tile="pending_count"] .value')).to_have_text("2")
    await send_report(hq, "store-c", pending=7, oldest=utc_now())
    await expect(cell(page, "store-c")).to_have_attribute("data-status", "waiting")
    # Sorted by backlog, store-c (7 waiting) comes before store-b (2).
    waiting = page.locator('.group[data-status="waiting"] .store .id')
    await expect(waiting).to_have_text(["store-b", "store-c"])
    await page.select_option("#sort", "backlog")
    await expect(waiting).to_have_text(["store-c", "store-b"])
    await page.check("#attention-only")  # nobody needs attention now: all report
    await expect(page.locator(".store")).to_have_count(0)
    await page.uncheck("#attention-only")
    await page.fill("#search", "ore-c")
    await expect(page.locator(".store")).to_have_count(1)
    await expect(page.locator("#shown")).to_have_text("1 of 3 stores shown")
    await page.fill("#search", "")
    await check_page(page, "the chain wallboard", sizes=(LANDSCAPE,))


async def test_a_store_s_page_shows_its_kiosks_and_verdicts(browser, hq):
    await enrol(hq, ["store-a"])
    await deliver(hq, "store-a", sales("kiosk-1", 4, hq.day, utc_now())
                  + sales("kiosk-2", 1, hq.day, utc_now()))
    await send_report(hq, "store-a", pending=3, oldest=utc_now(), totals=[
        kiosk_day("kiosk-1", hq.day, 6, 4), kiosk_day("kiosk-2", hq.day, 2, 2)])
    page = await open_board(browser, hq)
    await cell(page, "store-a").click()
    await page.wait_for_url("**/hq/stores/store-a")
    await expect(page.locator("#store-status")).to_have_text("differs")
    await expect(page.locator("#kiosks tr")).to_have_count(2)
    await expect(page.locator('#kiosks tr[data-kiosk-id="kiosk-2"] td').nth(1)).to_have_text(
        "offline")
    verdicts = page.locator("#reconciliation tr td:last-child")
    await expect(verdicts).to_have_text(["2 waiting at the store", "differs"])
    await expect(page.locator("#alerts li")).to_have_count(1)
    scale = await page.locator("#chart-backlog text.scale").all_text_contents()
    assert scale[0] == "0" and int(scale[-1]) >= 3, scale
    times = await page.locator("#chart-backlog text.time").all_text_contents()
    assert len(times) == 5 and all(re.fullmatch(r"\d\d:\d\d", t) for t in times), times
    await check_page(page, "a store's page", sizes=(LANDSCAPE,))


# Every cell on screen and inside the grid, its id whole, and no page scroll.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1 &&
                             r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  const grid = document.getElementById("groups").getBoundingClientRect();
  for (const store of document.querySelectorAll(".store")) {
    const box = store.getBoundingClientRect(), id = store.querySelector(".id");
    if (!inside(box, screen) || !inside(box, grid)) problems.push(`${store.dataset.storeId} off`);
    if (id.scrollWidth > id.clientWidth) problems.push(`${store.dataset.storeId} clipped`);
  }
  for (const value of document.querySelectorAll(".tile .value, .tile h2")) {
    if (value.scrollWidth > value.clientWidth) problems.push(`tile "${value.textContent}"`);
  }
  const page = document.documentElement;
  if (page.scrollHeight > innerHeight || page.scrollWidth > innerWidth) problems.push("scrolls");
  return problems;
}"""


async def test_1300_stores_fit_one_screen_every_cell_whole(browser, hq):
    ids = [store_name(n) for n in range(1, 1301)]
    await enrol(hq, ids)
    meant = await everyday_chain(hq.storage, 1300, utc_now(), hq.day)
    page = await open_board(browser, hq)
    await expect(page.locator(".store")).to_have_count(1300, timeout=20_000)
    await expect(page.locator('[data-tile="stores_silent"] .value')).to_have_text(
        str(list(meant.values()).count("silent")))
    assert await page.evaluate(LAYOUT_PROBLEMS) == []
    states = await page.locator(".store").evaluate_all(
        "cells => cells.map((c) => [c.dataset.storeId, c.dataset.status])")
    assert {store: status for store, status in states if status == "silent"} == {
        store: state for store, state in meant.items() if state == "silent"}
