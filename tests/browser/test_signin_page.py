"""The sign-in link: it signs the browser in and lands only on a page of this site, however
its `next` is spelt (an open redirect would hand a signed-in kiosk to another site)."""
import socket

import pytest
from playwright.async_api import expect


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
