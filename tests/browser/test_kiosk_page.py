"""The shopper's whole checkout in real Chromium against a real edge."""
import asyncio
import json
import urllib.request

import pytest
from playwright.async_api import expect

MILK, NEWSPAPER = "7318001010007", "7318802130485"


def get_json(edge, path: str, who: str = "operator") -> dict:
    request = urllib.request.Request(f"{edge.url}{path}",
                                     headers={"Authorization": f"Bearer {edge.token(who)}"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.loads(resp.read())


async def eventually_json(edge, path: str, predicate, timeout: float = 10.0) -> dict:
    """Poll an API read until it satisfies `predicate` (the sync runs in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate(answer := get_json(edge, path)):
        assert loop.time() < deadline, answer
        await asyncio.sleep(0.2)
    return answer


async def open_kiosk(browser, edge, kiosk="kiosk-1", viewport=(1920, 1080), context=None):
    """The kiosk page, signed in through its enrolment link (in `context`, if given)."""
    size = {"width": viewport[0], "height": viewport[1]}
    page = await (context.new_page() if context else browser.new_page(viewport=size))
    await page.goto(edge.signin_link(kiosk))
    await page.wait_for_url(f"**/kiosk/{kiosk}")
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "up")
    await expect(page.locator(".product").first).to_be_visible()
    return page


async def scan(page, code: str):
    """What a keyboard-wedge scanner does: digits, then Enter, with no field focused."""
    await page.locator("body").click(position={"x": 5, "y": 300})
    await page.keyboard.type(code, delay=5)
    await page.keyboard.press("Enter")


async def test_scan_change_pay_and_find_the_order(browser, edge):
    page = await open_kiosk(browser, edge)
    await scan(page, MILK)
    await expect(page.locator(f'.line[data-sku="{MILK}"]')).to_be_visible()
    await scan(page, NEWSPAPER)
    await expect(page.locator(".line")).to_have_count(2)
    await page.locator(f'.line[data-sku="{MILK}"] button', has_text="+").click()
    await expect(page.locator(f'.line[data-sku="{MILK}"] .count')).to_have_text("2")
    await expect(page.locator("#total")).to_have_text("68,90\u00a0kr")  # 2 × 16,95 + 35,00
    await page.reload()                                  # the cart lives in the browser
    await expect(page.locator(f'.line[data-sku="{MILK}"] .count')).to_have_text("2")
    await expect(page.locator("#total")).to_have_text("68,90\u00a0kr")

    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    receipt = page.locator("#receipt-dialog")
    await expect(receipt).to_be_visible()
    number = await page.locator("#receipt-number").text_content()
    await expect(page.locator("#receipt-total")).to_have_text("68,90\u00a0kr")

    orders = get_json(edge, "/edge/orders?kiosk_id=kiosk-1")["orders"]
    key = orders[0]["idempotency_key"].replace("-", "").upper()
    assert number == f"kiosk-1 · {key[:4]}-{key[4:8]}"   # what staff find the sale by
    assert [(i["sku"], i["qty"]) for i in orders[0]["items"]] == [(MILK, 2), (NEWSPAPER, 1)]
    assert orders[0]["total_ore"] == 6890
    await page.close()


async def test_a_drill_keeps_the_sale_waiting_then_it_syncs_by_itself(browser, edge):
    page = await open_kiosk(browser, edge)
    await page.keyboard.press("Control+Alt+s")          # staff open their panel
    await page.locator("#pin").fill("1234")
    await page.locator("#pin-form button[type=submit]").click()
    await page.locator("#staff-link").click()            # force the link down
    await expect(page.locator("#link-state")).to_have_attribute("data-state", "forced")
    await page.locator("#staff-close").click()

    await scan(page, MILK)
    await expect(page.locator(".line")).to_have_count(1)
    await page.locator("#pay").click()
    await page.locator('[data-method="swish"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-sync")).to_have_attribute("data-state", "pending")
    pending = get_json(edge, "/edge/orders?sync_state=pending")["orders"]
    assert len(pending) == 1 and get_json(edge, "/central/orders")["orders"] == []
    await page.locator("#receipt-done").click()

    await page.keyboard.press("Control+Alt+s")
    await page.locator("#pin").fill("1234")
    await page.locator("#pin-form button[type=submit]").click()
    await expect(page.locator("#staff-queue li")).to_have_count(1)  # the sale that waits
    key = pending[0]["idempotency_key"].replace("-", "").upper()
    await expect(page.locator("#staff-queue li")).to_contain_text(f"{key[:4]}-{key[4:8]}")
    await page.locator("#staff-link").click()            # release it
    await page.locator("#staff-close").click()
    await expect(page.locator("#link-state")).to_have_attribute("data-state", "up", timeout=10000)
    central = await eventually_json(edge, "/central/orders", lambda a: a["orders"])
    assert [o["order_uuid"] for o in central["orders"]] == [o["order_uuid"] for o in pending]
    await expect(page.locator("#pending-state")).to_be_hidden(timeout=10000)
    await page.close()


async def test_the_edge_stopping_mid_checkout_loses_and_doubles_nothing(browser, edge):
    context = await browser.new_context(viewport={"width": 1080, "height": 1920})
    page = await open_kiosk(browser, edge, context=context)
    await scan(page, NEWSPAPER)
    await expect(page.locator(".line")).to_have_count(1)
    edge.stop()                                           # the store's server goes away
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "down")
    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#saving-dialog")).to_be_visible()
    await expect(page.locator("#saving-text")).to_contain_text("2", timeout=10000)  # retrying
    await page.close()                  # the kiosk's browser goes too, mid-retry
    edge.start()
    page = await context.new_page()     # same device: its stored cart and in-flight sale
    await page.goto(f"{edge.url}/kiosk/kiosk-1")
    await expect(page.locator("#receipt-dialog")).to_be_visible(timeout=20000)
    orders = get_json(edge, "/edge/orders")["orders"]
    assert len(orders) == 1 and orders[0]["items"][0]["sku"] == NEWSPAPER
    await context.close()


async def test_the_socket_comes_back_by_itself_after_the_edge_restarts(browser, edge):
    page = await open_kiosk(browser, edge)
    edge.stop()
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "down")
    edge.start()
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "up",
                                                                timeout=20000)
    await page.close()


async def test_weighed_goods_age_checks_and_the_language_toggle(browser, edge):
    page = await open_kiosk(browser, edge)
    await expect(page.locator("#pay")).to_have_text("Betala")
    await page.locator("#language").click()
    await expect(page.locator("#pay")).to_have_text("Pay")
    await scan(page, "2500101003477")            # the scales' label: 347 g of pick-and-mix
    line = page.locator('.line[data-sku="2500101003477"]')
    await expect(line).to_contain_text("347 g")
    await expect(line.locator(".amount")).to_have_text("51,70\u00a0kr")  # 149 kr/kg
    await scan(page, "7318168610409")            # a beer: 18+
    await expect(page.locator(".line")).to_have_count(2)
    await page.locator("#pay").click()           # staff check the ID before any payment
    await expect(page.locator("#pin-dialog")).to_be_visible()
    await expect(page.locator("#pin-text")).to_contain_text("18")
    await page.locator("#pin").fill("1234")
    await page.locator("#pin-form button[type=submit]").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-dialog")).to_be_visible()
    orders = get_json(edge, "/edge/orders")["orders"]
    assert orders[0]["total_ore"] == 5170 + 1495
    await page.close()


@pytest.mark.edge_env(kiosk_idle_timeout_s=5, kiosk_idle_warning_s=3)
async def test_an_abandoned_cart_is_cleared_after_a_warning(browser, edge):
    page = await open_kiosk(browser, edge)
    await scan(page, MILK)
    await expect(page.locator(".line")).to_have_count(1)
    await expect(page.locator("#idle-dialog")).to_be_visible(timeout=10000)
    await expect(page.locator(".line")).to_have_count(0, timeout=10000)
    await expect(page.locator("#idle-dialog")).to_be_hidden()
    await page.close()


async def test_a_declined_payment_and_a_mistyped_pin_lose_nothing(browser, edge):
    page = await open_kiosk(browser, edge)
    await scan(page, "7318168610409")                    # 18+
    await expect(page.locator(".line")).to_have_count(1)
    await page.locator("#pay").click()
    await page.locator("#pin").fill("1234")
    await page.locator("#pin-form button[type=submit]").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-decline").click()      # the card is declined
    await expect(page.locator("#cart-message")).not_to_be_empty()
    assert get_json(edge, "/edge/orders")["orders"] == []
    await expect(page.locator(".line")).to_have_count(1)  # the cart is still there

    await page.locator("#pay").click()
    await page.locator("#pin").fill("9999")              # staff mistype their PIN
    await page.locator("#pin-form button[type=submit]").click()
    await expect(page.locator("#pin-message")).to_have_text("Fel PIN.")  # before any payment
    await expect(page.locator("#payment-dialog")).to_be_hidden()
    await page.locator("#pin").fill("1234")
    await page.locator("#pin-form button[type=submit]").click()
    await page.locator('[data-method="swish"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-dialog")).to_be_visible()
    orders = get_json(edge, "/edge/orders")["orders"]
    assert len(orders) == 1 and orders[0]["payment"]["method"] == "swish"
    await page.close()


async def test_a_typed_scale_label_needs_staff_and_a_made_up_one_is_refused(browser, edge):
    page = await open_kiosk(browser, edge)
    await page.locator("#ean").fill("2000303000019")        # 1 öre of shrimp, typed
    await page.locator("#ean-form button[type=submit]").click()
    await expect(page.locator("#notice")).to_contain_text("Vågetiketten")
    await expect(page.locator(".line")).to_have_count(0)
    await page.locator("#ean").fill("2000303079800")        # 79.80 kr of shrimp: 200 g, typed
    await page.locator("#ean-form button[type=submit]").click()
    await expect(page.locator(".line")).to_have_count(1)
    await page.locator("#pay").click()                      # staff look before any payment
    await expect(page.locator("#pin-dialog")).to_be_visible()
    await expect(page.locator("#pin-text")).to_contain_text("vågetiketten")
    await page.locator("#pin").fill("1234")
    await page.locator("#pin-form button[type=submit]").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-dialog")).to_be_visible()
    [order] = get_json(edge, "/edge/orders")["orders"]
    assert order["total_ore"] == 7980
    events = get_json(edge, "/admin/audit")["events"]
    [approval] = [e for e in events if e["action"] == "staff_approval"]
    assert approval["details"]["label_checks"] == [
        {"sku": "2000303079800", "reason": "keyed_label"}]
    await page.close()
