"""The kiosk page without its edge: a reload while the edge is down shows the kiosk (from the
service worker's copy) instead of the browser's error page, and it comes back by itself."""
import asyncio
import json
import re
import urllib.request

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import expect

from server.web.assets import WEB
from tests.browser.test_kiosk_page import MILK, NEWSPAPER, get_json, open_kiosk, scan

BACK_MS = 30_000  # ms: the socket's and the checkout's backoff reach 7.5–15 s between tries


async def until_controlled(page):
    """Wait for the kiosk's service worker to control the page: it has kept the page, its
    modules and the catalog by then (it installs before it takes control)."""
    # A function, not wait_for_function's polled string: the page's CSP refuses eval.
    controlled = """() => new Promise((resolve) => {
        if (navigator.serviceWorker.controller) resolve(true);
        navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true));
    })"""
    await asyncio.wait_for(page.evaluate(controlled), timeout=15)


async def test_a_reload_without_the_edge_shows_the_kiosk_and_it_comes_back_by_itself(
        browser, edge):
    page = await open_kiosk(browser, edge)
    await until_controlled(page)
    await scan(page, MILK)
    await expect(page.locator(f'.line[data-sku="{MILK}"]')).to_be_visible()
    edge.stop()
    await page.reload()  # without the worker: net::ERR_CONNECTION_REFUSED, and it stays there
    await expect(page).to_have_title("Självscanning · kiosk-1")
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "down")
    await expect(page.locator("#edge-state")).to_have_text("Butiken: återansluter…")
    await expect(page.locator(f'.product[data-sku="{NEWSPAPER}"]')).to_be_visible()  # kept
    await expect(page.locator(".line")).to_have_count(0)  # nobody can price the cart now

    edge.start()  # same port, same data dir; no reload from here on
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "up",
                                                                timeout=BACK_MS)
    await expect(page.locator(f'.line[data-sku="{MILK}"]')).to_be_visible()  # priced again
    await expect(page.locator("#total")).to_have_text("16,95\u00a0kr")
    await scan(page, NEWSPAPER)
    await expect(page.locator(".line")).to_have_count(2)
    await expect(page.locator("#total")).to_have_text("51,95\u00a0kr")  # 16,95 + 35,00
    await page.close()


async def test_a_sale_paid_while_the_edge_is_down_is_recorded_once_it_is_back(browser, edge):
    page = await open_kiosk(browser, edge)
    await until_controlled(page)
    await scan(page, NEWSPAPER)
    await expect(page.locator(".line")).to_have_count(1)
    edge.stop()
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "down")
    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#saving-dialog")).to_be_visible()
    await page.reload()  # the kiosk's browser restarts mid-retry, the edge still down
    await expect(page.locator("#saving-dialog")).to_be_visible()  # the same sale, still saving
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "down")

    edge.start()
    await expect(page.locator("#receipt-dialog")).to_be_visible(timeout=BACK_MS)
    orders = get_json(edge, "/edge/orders")["orders"]
    assert [[(i["sku"], i["qty"]) for i in o["items"]] for o in orders] == [[(NEWSPAPER, 1)]]
    await page.close()


async def test_the_kept_page_is_that_kiosks_only_and_goes_when_the_edge_turns_it_away(
        browser, edge):
    context = await browser.new_context()
    page = await open_kiosk(browser, edge, context=context)
    await until_controlled(page)
    edge.stop()
    # Another tab: Chromium's error page reloads itself once the network answers again, and
    # in this page it would cut into the navigations that follow.
    other = await context.new_page()
    with pytest.raises(PlaywrightError):  # nothing kept for kiosk-2: kiosk-1's page never
        await other.goto(f"{edge.url}/kiosk/kiosk-2")  # stands in for it
    await other.close()

    edge.start()
    await context.clear_cookies()  # this browser is no longer signed in as kiosk-1
    await page.goto(f"{edge.url}/kiosk/kiosk-1")
    await expect(page).to_have_title("Kiosk kiosk-1 · sign in")  # the edge's answer wins
    edge.stop()
    with pytest.raises(PlaywrightError):  # and its 401 took the kept page away
        await page.goto(f"{edge.url}/kiosk/kiosk-1")
    await context.close()


def page_files() -> set[str]:
    """The URLs the kiosk page loads: its style sheet, its script and all that imports."""
    html = (WEB / "kiosk" / "templates" / "kiosk.html").read_text(encoding="utf-8")
    todo, seen = re.findall(r'(?:href|src)="(/static/[^"]+)"', html), set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        folder, name = url.removeprefix("/static/").split("/")
        if name.endswith(".js"):
            source = (WEB / folder / "static" / name).read_text(encoding="utf-8")
            todo += [f"/static/{folder}/{m[2:]}" if m.startswith("./") else m
                     for m in re.findall(r'(?:from|import)\s*"([^"]+)"', source)]
    return seen


async def test_the_worker_may_control_the_kiosk_pages_and_keeps_all_they_load(edge):
    """A module the worker does not keep breaks the first reload without the edge (its import
    fails), so the list the edge writes into the worker must hold every one."""
    with urllib.request.urlopen(f"{edge.url}/static/kiosk/sw.js", timeout=5) as resp:
        assert resp.headers["Service-Worker-Allowed"] == "/kiosk/"
        script = resp.read().decode()
    shell = set(json.loads(re.search(r"^const SHELL = (\[.*\]);$", script, re.M).group(1)))
    loaded = page_files()
    assert {"/static/kiosk/app.js", "/static/kiosk/offline.js", "/static/common/backoff.js",
            "/static/kiosk/kiosk.css"} <= loaded
    assert loaded <= shell
