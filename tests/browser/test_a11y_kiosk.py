"""Every state of the kiosk is clean under axe-core, in Swedish and English, portrait and
landscape: no violation of moderate impact or above (WCAG 2.1 AA, as the European
Accessibility Act's standard EN 301 549 asks of a self-service terminal that takes payment)."""
import pytest
import pytest_asyncio
from playwright.async_api import expect

from reliability.edge_process import Edge
from tests.browser.axe import check_page
from tests.browser.test_kiosk_page import MILK, NEWSPAPER, open_kiosk, scan

BEER, UNKNOWN = "7318168610409", "7310000000009"  # 18+; a code no catalog knows


async def one_milk(page, edge):
    await scan(page, MILK)
    await expect(page.locator(".line")).to_have_count(1)


async def full_cart(page, edge):
    tiles = page.locator(".product:not([disabled])")
    for n in range(1, 9):
        await tiles.nth(n).click()
        await expect(page.locator(".line")).to_have_count(n)


async def search_results(page, edge):
    await page.locator("#search").fill("mjölk")
    await expect(page.locator(".product")).not_to_have_count(0)


async def unknown_code(page, edge):
    await scan(page, UNKNOWN)
    await expect(page.locator("#notice")).to_be_visible()


async def pay_dialog(page, edge):
    await one_milk(page, edge)
    await page.locator("#pay").click()
    await expect(page.locator("#payment-dialog")).to_be_visible()


async def terminal_step(page, edge):
    await pay_dialog(page, edge)
    await page.locator('[data-method="card"]').click()
    await expect(page.locator("#terminal")).to_be_visible()


async def receipt(page, edge):
    await terminal_step(page, edge)
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-dialog")).to_be_visible()


async def age_check(page, edge):
    await scan(page, BEER)
    await expect(page.locator(".line")).to_have_count(1)
    await page.locator("#pay").click()
    await expect(page.locator("#pin-dialog")).to_be_visible()


async def staff_pin(page, edge):
    await page.keyboard.press("Control+Alt+s")
    await expect(page.locator("#pin-dialog")).to_be_visible()


async def staff_panel(page, edge):
    await staff_pin(page, edge)
    await page.locator("#pin").fill("1234")
    await page.locator("#pin").press("Enter")
    await expect(page.locator("#staff-dialog")).to_be_visible()


async def saving(page, edge):
    await scan(page, NEWSPAPER)
    await expect(page.locator(".line")).to_have_count(1)
    edge.stop()  # the terminal approves, and the store's server is away
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "down")
    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#saving-dialog")).to_be_visible()


async def idle_warning(page, edge):
    await one_milk(page, edge)
    await expect(page.locator("#idle-dialog")).to_be_visible(timeout=10_000)


async def within_reach(page, edge):
    await page.locator("#reach").click()
    await one_milk(page, edge)


async def empty_cart(page, edge):
    await expect(page.locator("#scan-hint")).to_be_visible()


# States that leave the edge as it was share one (a start costs ~2 s of the suite's time);
# "saving" stops its edge and the idle warning needs settings, so they have their own.
SHARED_EDGE = {"empty cart": empty_cart, "full cart": full_cart,
               "search results": search_results, "unknown code": unknown_code,
               "pay dialog": pay_dialog, "terminal": terminal_step, "receipt": receipt,
               "age check": age_check, "staff pin": staff_pin, "staff panel": staff_panel,
               "within reach": within_reach}


def in_larger_text(steps):
    """`steps` taken in the larger-text, high-contrast theme: AA there too."""
    async def themed(page, edge):
        await page.locator("#large-text").click()
        await steps(page, edge)
    return themed


SHARED_EDGE.update({f"larger text, {name}": in_larger_text(SHARED_EDGE[name]) for name in (
    "full cart", "unknown code", "terminal", "receipt", "age check", "staff panel")})
OWN_EDGE = {"saving": saving, "idle warning": idle_warning}
# The warning shows after 2 s without a touch, and stays long enough for both checks.
IDLE = pytest.mark.edge_env(kiosk_idle_timeout_s=40, kiosk_idle_warning_s=38)
LANGUAGES = pytest.mark.parametrize("lang", ["sv", "en"])


@pytest.fixture(scope="module")
def shared_edge(tmp_path_factory):
    """One running edge for this module's states that do not stop it or need settings."""
    server = Edge(tmp_path_factory.mktemp("a11y") / "data")
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared_page(shared_chromium, shared_edge):
    """One signed-in kiosk page on the shared edge: each state starts from it made fresh
    (`as_a_new_shopper_finds_it`) instead of from a new sign-in in a new page."""
    page = await open_kiosk(shared_chromium, shared_edge)
    yield page
    await page.context.close()


async def as_a_new_shopper_finds_it(page, edge):
    """The kiosk as after a sign-in: no cart and no sale in flight (both live in
    localStorage), no dialog open, Swedish and no access mode (they live in the page), and
    the size open_kiosk gives; the page loaded again and its socket up."""
    await page.evaluate("() => localStorage.clear()")
    await page.set_viewport_size({"width": 1920, "height": 1080})
    await page.goto(f"{edge.url}/kiosk/kiosk-1")
    await expect(page.locator("#edge-state")).to_have_attribute("data-state", "up")
    await expect(page.locator(".product").first).to_be_visible()
    await expect(page.locator(".line")).to_have_count(0)
    await expect(page.locator("html")).to_have_attribute("lang", "sv")


async def check_steps(page, edge, state, steps, lang):
    """On the kiosk `page`, in `lang`, go to `state` and check it under axe in both
    orientations."""
    if lang == "en":
        await page.locator("#language").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
    await steps(page, edge)
    await check_page(page, f"{state} ({lang})")


@LANGUAGES
@pytest.mark.parametrize("state", [pytest.param(name, id=name.replace(", ", "-").replace(" ", "-"))
                                   for name in SHARED_EDGE])
async def test_the_kiosk_is_clean_under_axe(shared_page, shared_edge, state, lang):
    await as_a_new_shopper_finds_it(shared_page, shared_edge)
    await check_steps(shared_page, shared_edge, state, SHARED_EDGE[state], lang)


@LANGUAGES
@pytest.mark.parametrize("state", [pytest.param("saving"),
                                   pytest.param("idle warning", marks=IDLE, id="idle-warning")])
async def test_the_kiosk_is_clean_under_axe_with_its_own_edge(browser, edge, state, lang):
    page = await open_kiosk(browser, edge)
    await check_steps(page, edge, state, OWN_EDGE[state], lang)
    await page.close()
