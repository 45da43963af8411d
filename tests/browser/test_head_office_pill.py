"""The kiosk's "Head office" pill says what its name says: whether the edge reaches head
office, as the edge's /health reports it, not whether the edge itself answers."""
from playwright.async_api import expect

from reliability.edge_process import Edge
from tests.browser.test_signin_page import closed_port


async def test_the_pill_says_unreachable_while_the_edge_cannot_reach_head_office(
        browser, tmp_path):
    edge = Edge(tmp_path / "data", {"CHECKOUT_STORE_ID": "store-x",
                                    "CHECKOUT_CENTRAL_URL": f"http://127.0.0.1:{closed_port()}"})
    edge.store_key()  # a chain store's key, which the edge needs to start
    edge.start()
    try:
        page = await browser.new_page()
        async with page.expect_response(lambda answer: answer.url.endswith("/health")) as info:
            await page.goto(edge.signin_link("kiosk-1"))
        health = await (await info.value).json()
        assert health["central"] == "unreachable"  # the edge itself answers 200
        await expect(page.locator("#edge-state")).to_have_attribute("data-state", "up")
        await page.wait_for_timeout(500)  # the probe's answer rendered
        await expect(page.locator("#link-state")).to_have_attribute("data-state", "down")
        await page.close()
    finally:
        edge.stop()


async def test_the_pill_says_reachable_with_the_embedded_ledger(browser, edge):
    page = await browser.new_page()
    await page.goto(edge.signin_link("kiosk-1"))
    await expect(page.locator("#link-state")).to_have_attribute("data-state", "up")
    await page.close()
