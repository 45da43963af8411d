"""The wallboard and the sign-in pages are clean under axe-core too, and the check is real: a
button without a name and a grey-on-grey label put into the kiosk page make it fail, naming
the rule and the element."""
import pytest
from playwright.async_api import expect

from tests.browser.axe import LANDSCAPE, PORTRAIT, axe_violations, check_page
from tests.browser.test_dashboard_page import checkout, heartbeat, open_wallboard
from tests.browser.test_kiosk_page import open_kiosk


async def test_the_wallboard_is_clean_under_axe(browser, edge):
    checkout(edge)  # a sale, a kiosk card with a link state, a reconciliation row
    heartbeat(edge, link_up=False)
    page = await open_wallboard(browser, edge)
    await expect(page.locator(".kiosk").first).to_be_visible()
    await expect(page.locator("#reconciliation-rows tr").first).to_be_visible()
    await check_page(page, "wallboard", sizes=(LANDSCAPE, PORTRAIT))
    edge.stop()  # the board says it is reconnecting, in white on red
    await expect(page.locator("#live")).to_have_attribute("data-state", "reconnecting")
    await check_page(page, "wallboard, reconnecting", sizes=(LANDSCAPE,))
    await page.close()


@pytest.mark.shared_edge
@pytest.mark.parametrize("path, text", [
    ("/signin#token=aoc_nosuchtokenid_nosuchsecret&next=/kiosk/k1", "does not work"),
    ("/kiosk/kiosk-1", "not signed in"),
    ("/dashboard", "not signed in"),
    ("/", "Always-On Checkout"),
], ids=["dead-sign-in-link", "kiosk-signed-out", "wallboard-signed-out", "front-page"])
async def test_the_sign_in_pages_are_clean_under_axe(browser, edge, path, text):
    page = await browser.new_page()
    await page.goto(f"{edge.url}{path}")
    await expect(page.locator("main")).to_contain_text(text)
    await check_page(page, path.split("#")[0], sizes=(LANDSCAPE, PORTRAIT))
    await page.close()


@pytest.mark.shared_edge
async def test_a_nameless_button_and_grey_on_grey_text_fail_the_check(browser, edge):
    page = await open_kiosk(browser, edge)
    await page.evaluate("""() => {
        const cart = document.querySelector(".cart");
        const nameless = document.createElement("button");
        nameless.id = "nameless";
        const grey = document.createElement("p");
        grey.id = "grey-label";
        grey.textContent = "Erbjudande";
        grey.style.cssText = "color: #bbb; background: #ccc";
        cart.append(nameless, grey);
    }""")
    found = {v["id"]: [" ".join(n["target"]) for n in v["nodes"]]
             for v in await axe_violations(page)}
    assert "#nameless" in found.get("button-name", []), found
    assert "#grey-label" in found.get("color-contrast", []), found
    with pytest.raises(AssertionError) as failed:
        await check_page(page, "regression", sizes=(PORTRAIT,))
    assert "button-name (critical)" in str(failed.value)
    assert "color-contrast (serious)" in str(failed.value)
    assert "#nameless" in str(failed.value) and "#grey-label" in str(failed.value)
    await page.close()
