"""The sign-in link: it signs the browser in and lands only on a page of this site, however
its `next` is spelt (an open redirect would hand a signed-in kiosk to another site)."""
import socket

import pytest
from playwright.async_api import expect

# Signing in changes nothing these tests look at: they share their module's edge.
pytestmark = pytest.mark.shared_edge


def closed_port() -> int:
    """A port on this machine that nothing listens on (a stand-in for another site)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("spelling", [
    "/%5C127.0.0.1:{port}/",          # a backslash: browsers read "/\\host" as "//host"
    "/%09/127.0.0.1:{port}/",         # a tab, which URL parsing drops
    "//127.0.0.1:{port}/",
    "http://127.0.0.1:{port}/",
    "/%0A/127.0.0.1:{port}/",         # a newline, dropped the same way
    "javascript:alert(1)",
])
async def test_a_sign_in_link_never_leaves_this_site(browser, edge, spelling):
    token = edge.signin_link("dashboard").split("#token=")[1].split("&")[0]
    page = await browser.new_page()
    await page.goto(f"{edge.url}/signin#token={token}&next={spelling.format(port=closed_port())}")
    await page.wait_for_url(f"{edge.url}/")
    await expect(page.locator("body")).to_contain_text("Always-On Checkout")
    await page.close()


async def test_a_sign_in_link_goes_on_to_a_page_of_this_site(browser, edge):
    page = await browser.new_page()
    await page.goto(edge.signin_link("dashboard"))
    await page.wait_for_url(f"{edge.url}/dashboard")
    await page.close()


async def test_a_dead_sign_in_link_says_why_and_what_to_do(browser, edge):
    """A link whose token was replaced (enrolling its kiosk again) or revoked: the page says
    it does not work and why, on a styled card, and what to do next."""
    page = await browser.new_page()
    await page.goto(f"{edge.url}/signin#token=aoc_nosuchtokenid_nosuchsecret&next=/kiosk/k1")
    status = page.locator("#status")
    await expect(status).to_contain_text("This sign-in link does not work")
    await expect(status).to_contain_text("unknown, malformed or revoked")
    await expect(page.locator("#next-step")).to_be_visible()
    await expect(page.locator("#next-step")).to_contain_text("Ask the store's operator")
    border = await status.evaluate("s => getComputedStyle(s).borderLeftStyle")
    card = await page.locator("main").evaluate("m => getComputedStyle(m).backgroundColor")
    assert border == "solid" and card == "rgb(255, 255, 255)"  # the page's own stylesheet
    assert page.url == f"{edge.url}/signin"  # the token is out of the address bar
    await page.close()
