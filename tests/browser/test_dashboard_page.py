"""The wallboard in real Chromium against a real edge: live tiles, kiosk cards, reconnecting."""
import json
import urllib.request
import uuid

import pytest
from playwright.async_api import expect

MILK = "7318001010007"


def post_json(edge, path: str, body: dict, who: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{edge.url}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {edge.token(who)}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def checkout(edge, kiosk="kiosk-1") -> None:
    status, _ = post_json(edge, "/edge/checkout", {
        "idempotency_key": str(uuid.uuid4()), "items": [{"sku": MILK, "qty": 1}],
        "payment": {"method": "card", "reference": "T-1"}}, kiosk)
    assert status == 201


def heartbeat(edge, link_up: bool, kiosk="kiosk-1") -> None:
    assert post_json(edge, "/edge/heartbeat", {"central_link_up": link_up}, kiosk)[0] == 200


async def open_wallboard(browser, edge):
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await page.goto(edge.signin_link("dashboard"))
    await page.wait_for_url("**/dashboard")
    await expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


async def test_a_sale_and_a_link_flip_show_within_a_second(browser, edge):
    heartbeat(edge, link_up=False)
    page = await open_wallboard(browser, edge)
    orders = page.locator('[data-tile="orders_today"] .value')
    await expect(orders).to_have_text("0")
    card = page.locator('[data-kiosk-id="kiosk-1"]')
    await expect(card).to_have_attribute("data-link", "down")
    await expect(card.locator(".link")).to_have_text("Central link down")

    checkout(edge)
    await expect(orders).to_have_text("1", timeout=1000)
    await expect(page.locator('[data-tile="pending_count"] .value')).to_have_text("1")
    await expect(card.locator(".pending")).to_contain_text("1 waiting")

    heartbeat(edge, link_up=True)  # the sale drains to central, and the card says so
    await expect(card).to_have_attribute("data-link", "up", timeout=1000)
    await expect(card.locator(".link")).to_have_text("Central link up")
    await expect(page.locator('[data-tile="central_order_count"] .value')).to_have_text("1")
    await expect(page.locator("#reconciliation-verdict")).to_have_attribute("data-state", "ok")
    await expect(page.locator("#chart-checkouts")).to_have_attribute("data-total", "1")


@pytest.mark.edge_env(heartbeat_timeout_s=2)
async def test_a_silent_kiosk_turns_into_an_alert(browser, edge):
    heartbeat(edge, link_up=True)
    page = await open_wallboard(browser, edge)
    card = page.locator('[data-kiosk-id="kiosk-1"]')
    await expect(card).to_have_attribute("data-online", "yes")
    await expect(card).to_have_attribute("data-online", "no", timeout=5000)
    await expect(card.locator(".alert")).to_have_text("ALERT · Offline: no heartbeat")
    tile = page.locator('[data-tile="kiosks_online"]')
    await expect(tile).to_have_attribute("data-state", "bad")
    await expect(tile.locator(".note")).to_have_text("ALERT: 3 offline")  # and two never seen


async def test_a_stopped_server_shows_reconnecting_then_recovers(browser, edge):
    heartbeat(edge, link_up=False)
    checkout(edge)
    page = await open_wallboard(browser, edge)
    live = page.locator("#live")
    edge.stop()
    await expect(live).to_have_attribute("data-state", "reconnecting")
    await expect(live).to_have_text("Disconnected — reconnecting…")
    edge.start()
    await expect(live).to_have_attribute("data-state", "live", timeout=20000)
    await expect(live).to_contain_text("Live")
    await expect(page.locator('[data-tile="orders_today"] .value')).to_have_text("1")
    checkout(edge)  # and it is live again, not a frozen picture
    await expect(page.locator('[data-tile="orders_today"] .value')).to_have_text("2", timeout=1000)
