"""A new price list from head office reaches an open kiosk page in real Chromium: the shelf
and the cart show the new price, and the next sale is priced on it; a forged one is refused
and the store's wallboard says so."""
import asyncio
import json
import sqlite3

import pytest
from playwright.async_api import expect

from reliability.hq_process import HeadOffice
from tests.browser.test_kiosk_page import get_json, open_kiosk, scan
from tests.chain.catalog_helpers import MILK, price_list


@pytest.fixture
async def chain(tmp_path):
    """Head office (on SQLite in its data dir) and a store's edge that follows its price
    lists, asking every 0.2 s; the edge's first start printed its demo fleet."""
    head_office = HeadOffice(tmp_path)
    await asyncio.to_thread(head_office.start)
    hq_key = head_office.hq("public-key").splitlines()[-1]
    edge = head_office.chain_edge(tmp_path / "data", "store-a", {
        "CHECKOUT_HQ_PUBLIC_KEY": hq_key, "CHECKOUT_HQ_CATALOG_POLL_S": "0.2"})
    await asyncio.to_thread(edge.start)
    yield head_office, edge
    await asyncio.to_thread(edge.stop)
    await asyncio.to_thread(head_office.stop)


async def test_a_new_price_reaches_the_open_cart_and_prices_the_next_sale(
        browser, chain, tmp_path):
    head_office, edge = chain
    page = await open_kiosk(browser, edge)
    await scan(page, MILK)
    await expect(page.locator("#total")).to_have_text("16,95\u00a0kr")

    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(price_list(MILK=1895)))
    version = head_office.hq("publish-catalog", str(prices)).splitlines()[-1]
    # The edge puts it in use and tells the page over its socket: shelf and cart re-priced.
    await expect(page.locator(f'.line[data-sku="{MILK}"] .amount')).to_have_text(
        "18,95\u00a0kr", timeout=15_000)
    await expect(page.locator("#total")).to_have_text("18,95\u00a0kr")
    await expect(page.locator(f'.product[data-sku="{MILK}"] .price')).to_have_text(
        "18,95\u00a0kr")

    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-total")).to_have_text("18,95\u00a0kr")
    order = get_json(edge, "/edge/orders?kiosk_id=kiosk-1")["orders"][0]
    assert (order["total_ore"], order["catalog_version"]) == (1895, version)
    await page.close()

    # A forged release (its document altered, the old signature kept) is refused, and the
    # store's wallboard says so in words; the kiosk keeps the last good prices.
    with sqlite3.connect(head_office.data_dir / "hq_store.db") as db:
        db.execute("INSERT INTO catalog_versions SELECT 2, version, effective_at, published_at,"
                   " replace(document, '\"seq\":1', '\"seq\":2'), signature"
                   " FROM catalog_versions WHERE seq = 1")
    board = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await board.goto(edge.signin_link("dashboard"))
    await expect(board.locator("#catalog-refused")).to_contain_text(
        "price list 2 refused (its signature does not hold)", timeout=15_000)
    assert get_json(edge, "/catalog")["version"] == version
    await board.close()
