"""A kiosk for every shopper: larger text and high contrast, controls within a seated
shopper's reach, touch targets a finger can hit, a page that holds at 200 % text, and time
enough for anyone (the idle warning and the receipt can both be given more)."""
import pytest
from playwright.async_api import expect

from tests.browser.test_kiosk_page import MILK, open_kiosk, scan

NEWSPAPER, PICK_AND_MIX = "7318802130485", "2500101003477"
PORTRAIT = (1080, 1920)
# The controls a shopper needs to buy and pay, which "within reach" brings down.
TO_BUY = ["#search", "#ean", "#ean-form button", ".chip", ".product", "#lines button",
          "#pay", ".access button"]

# Every visible control whose box is smaller than 44 × 44 CSS px, named.
SMALL_TARGETS = """() => [...document.querySelectorAll("button, input, [role=button]")]
    .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
    .map((el) => [el.id || el.className || el.textContent.trim(), el.getBoundingClientRect()])
    .filter(([, box]) => box.width < 44 || box.height < 44)
    .map(([name, box]) => `${name}: ${Math.round(box.width)}x${Math.round(box.height)}`)"""

# Text cut off or pushed out of its box, and whether the page scrolls sideways.
CUT_OFF = """() => {
    const problems = [];
    const page = document.documentElement;
    if (page.scrollWidth > window.innerWidth) problems.push("page scrolls sideways");
    for (const box of document.querySelectorAll(".product, .line, button")) {
        if (!box.getClientRects().length) continue;
        const outer = box.getBoundingClientRect();
        for (const part of box.querySelectorAll("span")) {
            const inner = part.getBoundingClientRect();
            if (inner.width && (inner.left < outer.left - 1 || inner.right > outer.right + 1 ||
                                inner.bottom > outer.bottom + 1))
                problems.push(`${part.className || part.textContent} out of ${box.className}`);
        }
    }
    return problems;
}"""


async def fill_cart(page):
    for code in (MILK, NEWSPAPER, PICK_AND_MIX):
        await scan(page, code)
    await expect(page.locator("#lines .line")).to_have_count(3)


async def tops(page, selectors: list[str]) -> dict[str, float]:
    """The top edge of the first visible element of each selector, in CSS px."""
    return {s: (await page.locator(s).first.bounding_box())["y"] for s in selectors}


async def test_larger_text_and_high_contrast_last_until_the_sale_ends(browser, edge):
    page = await open_kiosk(browser, edge)
    switch = page.locator("#large-text")
    await expect(switch).to_have_attribute("aria-pressed", "false")
    normal = await page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    await switch.click()
    await expect(switch).to_have_attribute("aria-pressed", "true")
    large = await page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert large >= 1.3 * normal
    ink = await page.evaluate("getComputedStyle(document.querySelector('.product .name')).color")
    assert ink == "rgb(0, 0, 0)"                              # black on white
    await scan(page, MILK)                                    # the setting holds through the sale
    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    await page.locator("#receipt-done").click()
    await expect(switch).to_have_attribute("aria-pressed", "false")   # the next shopper's kiosk
    assert await page.evaluate("document.documentElement.classList.contains('large')") is False
    await page.close()


@pytest.mark.shared_edge
async def test_within_reach_brings_buying_and_paying_into_the_lower_part(browser, edge):
    page = await open_kiosk(browser, edge, viewport=PORTRAIT)
    await fill_cart(page)
    lower_part = 0.35 * PORTRAIT[1]
    before = await tops(page, TO_BUY)
    assert min(before.values()) < lower_part                  # the search starts high up
    await page.locator("#reach").click()
    await expect(page.locator("#reach")).to_have_attribute("aria-pressed", "true")
    after = await tops(page, TO_BUY)
    assert {s: y for s, y in after.items() if y < lower_part} == {}
    await page.locator("#pay").click()                        # and the dialogs open down there
    for method in await page.locator("[data-method]").all():
        assert (await method.bounding_box())["y"] >= lower_part
    await page.close()


@pytest.mark.parametrize("viewport", [(1920, 1080), PORTRAIT])
async def test_every_touch_target_is_at_least_44_px(browser, edge, viewport):
    page = await open_kiosk(browser, edge, viewport=viewport)
    await fill_cart(page)
    assert await page.evaluate(SMALL_TARGETS) == []
    await page.locator("#large-text").click()
    assert await page.evaluate(SMALL_TARGETS) == []
    await page.locator("#pay").click()
    assert await page.evaluate(SMALL_TARGETS) == []           # the pay dialog
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-dialog")).to_be_visible()
    assert await page.evaluate(SMALL_TARGETS) == []           # the receipt
    await page.close()


@pytest.mark.shared_edge
@pytest.mark.parametrize("viewport", [(1920, 1080), PORTRAIT])
async def test_the_page_holds_at_200_percent_text(browser, edge, viewport):
    page = await open_kiosk(browser, edge, viewport=viewport)
    await fill_cart(page)
    base = await page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    await page.evaluate(f"document.documentElement.style.fontSize = '{2 * base}px'")
    assert await page.evaluate(CUT_OFF) == []
    box = await page.locator("#pay").bounding_box()           # paying still in view
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport[1]
    await page.close()


@pytest.mark.edge_env(kiosk_idle_timeout_s=6, kiosk_idle_warning_s=4, kiosk_receipt_timeout_s=3)
async def test_the_idle_warning_and_the_receipt_give_more_time(browser, edge):
    page = await open_kiosk(browser, edge)
    await scan(page, MILK)
    await expect(page.locator("#idle-dialog")).to_be_visible(timeout=8000)
    await page.locator("#idle-stay").click()                  # more time, as often as asked
    await page.wait_for_timeout(4000)                         # past the first deadline
    await expect(page.locator("#lines .line")).to_have_count(1)
    await page.locator("#idle-stay").click()                  # warned again by now: more time
    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    receipt = page.locator("#receipt-dialog")
    await expect(receipt).to_be_visible()
    await page.locator("#receipt-more").click()               # 3 s more
    await page.wait_for_timeout(4500)                         # past the receipt's own 3 s
    await expect(receipt).to_be_visible()
    await expect(receipt).to_be_hidden(timeout=5000)          # and then it closes
    await page.close()
