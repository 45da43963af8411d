"""The kiosk without sight or touch, in real Chromium: a whole sale by keyboard alone (a
kiosk's tactile keypad sends keys), focus that stays in an open dialog and comes back to what
opened it, the scanner beside a focused button, and a live region that says what changed."""
import pytest
from playwright.async_api import expect

from tests.browser.test_kiosk_page import MILK, NEWSPAPER, get_json, open_kiosk, scan

MILK_NAME = "Mellanmjölk 1,5 % 1 l"
IN_OPEN_DIALOG = "() => document.activeElement.closest('dialog[open]') !== null"


async def tab_until(page, predicate: str, limit: int = 60, key: str = "Tab") -> int:
    """Press Tab until `predicate` (a JS function of nothing) holds; how many presses it took."""
    for presses in range(1, limit + 1):
        await page.keyboard.press(key)
        if await page.evaluate(predicate):
            return presses
    focused = await page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"{limit} × {key} never reached {predicate}; focus is on {focused}")


async def focused_id(page) -> str:
    """The focused element's id (a payment method's name for its button)."""
    return await page.evaluate(
        "() => document.activeElement.id || document.activeElement.dataset.method || ''")


async def test_a_whole_sale_with_the_keyboard_alone(browser, edge):
    page = await open_kiosk(browser, edge)
    await tab_until(page, "() => document.activeElement.id === 'search'", limit=5)
    await page.keyboard.type("mjölk")
    await tab_until(page, f"() => document.activeElement.dataset.sku === '{MILK}'")
    await page.keyboard.press("Enter")
    await expect(page.locator(f'.line[data-sku="{MILK}"]')).to_be_visible()
    await tab_until(page, "() => document.activeElement.id === 'pay'")
    outline = await page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
    assert outline == ["solid", "4px", "rgb(11, 79, 168)"]  # a visible focus, 7.9:1 on white

    await page.keyboard.press("Enter")
    await expect(page.locator("#payment-dialog")).to_be_visible()
    assert await focused_id(page) == "card"  # the first method has the focus
    await page.keyboard.press("Enter")
    await expect(page.locator("#terminal")).to_be_visible()
    assert await focused_id(page) == "terminal-approve"
    await expect(page.locator("#announcer")).to_have_text("Betala 16,95\u00a0kr på terminalen")
    await page.keyboard.press("Enter")
    await expect(page.locator("#receipt-dialog")).to_be_visible()
    assert await focused_id(page) == "receipt-done"
    number = await page.locator("#receipt-number").text_content()
    await expect(page.locator("#announcer")).to_have_text(  # said from inside the dialog
        f"Köpet är sparat. Betalt 16,95\u00a0kr. Kvittonummer {number}. Tack för ditt köp!")
    assert await page.evaluate("() => document.getElementById('announcer')"
                               ".closest('dialog[open]')?.id") == "receipt-dialog"
    await page.keyboard.press("Enter")
    await expect(page.locator("#receipt-dialog")).to_be_hidden()
    assert await focused_id(page) == "title"  # Pay is disabled now: the page's heading
    [order] = get_json(edge, "/edge/orders")["orders"]
    assert [(i["sku"], i["qty"]) for i in order["items"]] == [(MILK, 1)]
    await page.close()


@pytest.mark.shared_edge
async def test_focus_stays_in_an_open_dialog_and_returns_to_its_opener(browser, edge):
    page = await open_kiosk(browser, edge)
    await scan(page, "7318168610409")  # 18+: the PIN dialog before the payment
    await expect(page.locator(".line")).to_have_count(1)
    await page.locator("#pay").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#pin-dialog")).to_be_visible()
    assert await focused_id(page) == "pin"
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        await page.keyboard.press(key)
        assert await page.evaluate(IN_OPEN_DIALOG), await focused_id(page)
    await page.keyboard.press("Escape")
    await expect(page.locator("#pin-dialog")).to_be_hidden()
    assert await focused_id(page) == "pay"  # back where the shopper was

    await page.keyboard.press("Control+Alt+s")  # staff: PIN, then their panel
    await page.locator("#pin").fill("1234")
    await page.keyboard.press("Enter")
    await expect(page.locator("#staff-dialog")).to_be_visible()
    for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:
        await page.keyboard.press(key)
        assert await page.evaluate(IN_OPEN_DIALOG), await focused_id(page)
    await page.keyboard.press("Escape")
    await expect(page.locator("#staff-dialog")).to_be_hidden()
    assert await focused_id(page) == "pay"
    await page.close()


@pytest.mark.shared_edge
async def test_the_scanner_works_beside_a_focused_button_and_enter_presses_it(browser, edge):
    page = await open_kiosk(browser, edge)
    tile = page.locator(f'.product[data-sku="{NEWSPAPER}"]')
    await tile.focus()
    await page.keyboard.type(MILK, delay=5)  # the scanner, while the newspaper has focus
    await page.keyboard.press("Enter")
    await expect(page.locator(f'.line[data-sku="{MILK}"]')).to_be_visible()
    await page.wait_for_timeout(500)  # a newspaper would have been priced by now
    await expect(page.locator(".line")).to_have_count(1)  # the scan only, no press
    await page.keyboard.press("Enter")  # now Enter on its own presses the focused tile
    await expect(page.locator(f'.line[data-sku="{NEWSPAPER}"]')).to_be_visible()
    await expect(page.locator(".line")).to_have_count(2)
    await page.close()


@pytest.mark.shared_edge
async def test_the_live_region_says_the_item_and_the_total(browser, edge):
    page = await open_kiosk(browser, edge)
    said = page.locator("#announcer")
    await expect(said).to_have_attribute("aria-live", "polite")
    await scan(page, MILK)
    await expect(said).to_have_text(f"{MILK_NAME} tillagd, 1 st i korgen. "
                                    "Att betala 16,95\u00a0kr.")
    await scan(page, "7310000000009")  # a code nobody knows
    await expect(said).to_contain_text("Streckkoden 7310000000009 känns inte igen.")
    await page.locator("#ean").fill("2000303000019")  # 1 öre of shrimp: a label refused
    await page.locator("#ean").press("Enter")
    await expect(said).to_have_text("Vågetiketten stämmer inte med varan. "
                                    "Personal kommer och hjälper dig.")

    await page.locator("#language").press("Enter")  # by keyboard: the page turns English
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    line = page.locator(f'.line[data-sku="{MILK}"]')
    plus = line.get_by_role("button", name=f"One more {MILK_NAME}")
    await plus.press("Enter")
    await expect(said).to_have_text(f"{MILK_NAME} added, 2 in the cart. To pay 33,90\u00a0kr.")
    kept = await page.evaluate("() => [document.activeElement.closest('.line')?.dataset.sku,"
                               " document.activeElement.dataset.action]")
    assert kept == [MILK, "more"]  # the line was drawn anew; its + kept the focus
    remove = line.get_by_role("button", name=f"Remove {MILK_NAME}")
    await remove.press("Enter")
    await expect(said).to_have_text(f"{MILK_NAME} removed. To pay 0,00\u00a0kr.")
    await expect(page.get_by_role("textbox", name="Type a barcode")).to_be_visible()
    await expect(page.get_by_role("searchbox", name="Search products")).to_be_visible()
    dairy = page.get_by_role("navigation", name="Categories").get_by_role("button", name="Dairy")
    await expect(dairy).to_have_attribute("aria-pressed", "false")
    await dairy.press("Enter")
    await expect(dairy).to_have_attribute("aria-pressed", "true")  # a toggle, said as one
    await page.close()


@pytest.mark.edge_env(kiosk_idle_timeout_s=30, kiosk_idle_warning_s=28)
async def test_a_key_ends_the_idle_warning_and_focus_goes_back_without_pressing_it(
        browser, edge):
    page = await open_kiosk(browser, edge)
    tile = page.locator(f'.product[data-sku="{NEWSPAPER}"]')
    await tile.focus()
    await page.keyboard.type(MILK, delay=5)
    await page.keyboard.press("Enter")
    await expect(page.locator(".line")).to_have_count(1)
    await expect(page.locator("#idle-dialog")).to_be_visible(timeout=10_000)
    assert await focused_id(page) == "idle-stay"
    await page.keyboard.press("Enter")  # the shopper is there
    await expect(page.locator("#idle-dialog")).to_be_hidden()
    assert await page.evaluate("() => document.activeElement.dataset.sku") == NEWSPAPER
    await page.wait_for_timeout(500)  # a press of the tile would have been priced by now
    await expect(page.locator(".line")).to_have_count(1)
    await page.close()
