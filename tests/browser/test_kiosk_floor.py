"""What a first day on the store floor showed of the kiosk: paying can be called off, staff's
PIN is checked before money moves, errors speak the page's language, the receipt is a receipt
and makes way for the next shopper, an unknown code is plain to see, lines show unit prices."""
import pytest
from playwright.async_api import expect

from server import errors
from server.web.envelope import HTTP_CODES
from tests.browser.test_kiosk_page import MILK, get_json, open_kiosk, scan

BEER = "7318168610409"            # 18+
# Answered by head office to a store's edge (its batches and status reports), never to a page.
HEAD_OFFICE_ONLY = {"bad_signature", "unknown_key", "stale_signature", "store_mismatch",
                    "batch_too_large", "hq_busy", "ledger_unavailable",
                    "status_from_the_future", "status_out_of_order"}


def kiosk_error_codes() -> set[str]:
    """Every error code the edge can answer a kiosk page with."""
    domain = {cls.code for cls in vars(errors).values()
              if isinstance(cls, type) and issubclass(cls, errors.DomainError)}
    return (domain | set(HTTP_CODES.values()) | {"internal_error", "http_error"}) \
        - HEAD_OFFICE_ONLY - {"bad_request"}


async def test_cancel_works_at_every_step_until_the_terminal_approves(browser, edge):
    page = await open_kiosk(browser, edge)
    await scan(page, MILK)
    await expect(page.locator(".line")).to_have_count(1)
    await page.locator("#pay").click()
    await page.locator("#payment-cancel").click()             # before choosing a method
    await expect(page.locator("#payment-dialog")).to_be_hidden()
    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await expect(page.locator("#payment-methods")).to_be_hidden()   # chosen: only the terminal
    await expect(page.locator("#terminal")).to_be_visible()
    await page.locator("#payment-cancel").click()             # at the terminal
    await expect(page.locator("#payment-dialog")).to_be_hidden()
    await expect(page.locator(".line")).to_have_count(1)      # the cart as it was
    await expect(page.locator("#total")).to_have_text("16,95\u00a0kr")
    await page.locator("#pay").click()                         # and paying still works after
    await expect(page.locator("#payment-methods")).to_be_visible()
    await page.locator('[data-method="swish"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-dialog")).to_be_visible()
    assert len(get_json(edge, "/edge/orders")["orders"]) == 1
    await page.close()


async def test_a_wrong_pin_is_found_before_payment_and_throttling_speaks_swedish(browser, edge):
    page = await open_kiosk(browser, edge)
    await scan(page, BEER)
    await expect(page.locator(".line")).to_have_count(1)
    await page.locator("#pay").click()
    for attempt in range(6):                                   # the limit is 5 wrong PINs a minute
        await page.locator("#pin").fill(f"{9000 + attempt}")
        await page.locator("#pin-form button[type=submit]").click()
        # The page empties the field once the edge has answered: only then the next try (a
        # PIN typed before would be emptied under it and sent blank).
        await expect(page.locator("#pin")).to_have_value("")
        await expect(page.locator("#pin-message")).not_to_be_empty()
        await expect(page.locator("#payment-dialog")).to_be_hidden()   # no money asked for
    await expect(page.locator("#pin-message")).to_have_text(
        "För många försök. Vänta en stund och försök igen.")
    await page.locator("#pin-cancel").click()
    await expect(page.locator("#pin-dialog")).to_be_hidden()
    assert get_json(edge, "/edge/orders")["orders"] == []
    await page.close()


@pytest.mark.shared_edge
async def test_every_error_code_has_words_in_both_languages(browser, edge):
    page = await open_kiosk(browser, edge)
    missing = await page.evaluate("""async (codes) => {
        const {hasErrorText} = await import("/static/kiosk/i18n.js");
        return ["sv", "en"].flatMap((lang) =>
            codes.filter((code) => !hasErrorText(code, lang)).map((code) => `${lang}:${code}`));
    }""", sorted(kiosk_error_codes()))
    assert missing == []
    await page.close()


@pytest.mark.edge_env(kiosk_receipt_timeout_s=4, store_name="ICA Nära Testgatan")
async def test_the_receipt_says_what_a_receipt_says_then_makes_way(browser, edge):
    page = await open_kiosk(browser, edge)
    await page.locator("#language").click()                    # this shopper reads English
    await scan(page, MILK)
    await scan(page, "7318802130485")                          # a newspaper: VAT 6 %
    await expect(page.locator(".line")).to_have_count(2)
    await page.locator("#pay").click()
    await page.locator('[data-method="card"]').click()
    await page.locator("#terminal-approve").click()
    receipt = page.locator("#receipt-dialog")
    await expect(receipt).to_be_visible()
    [order] = get_json(edge, "/edge/orders")["orders"]
    key = order["idempotency_key"].replace("-", "").upper()
    await expect(page.locator("#receipt-number")).to_have_text(f"kiosk-1 · {key[:4]}-{key[4:8]}")
    await expect(page.locator("#receipt-store")).to_have_text("ICA Nära Testgatan")
    await expect(page.locator("#receipt-time")).not_to_be_empty()
    await expect(page.locator("#receipt-method")).to_have_text("Card")
    await expect(page.locator("#receipt-reference")).to_have_text(order["payment"]["reference"])
    await expect(page.locator("#receipt-vat div")).to_have_count(2)   # 12 % and 6 %
    await expect(page.locator("#receipt-countdown")).to_contain_text("closes in")
    await expect(receipt).to_be_hidden(timeout=8000)           # closed by itself
    await expect(page.locator("#pay")).to_have_text("Betala")  # the next shopper: Swedish again
    await expect(page.locator("#lines .line")).to_have_count(0)

    await scan(page, MILK)                                     # "Done" closes it at once
    await page.locator("#pay").click()
    await page.locator('[data-method="swish"]').click()
    await page.locator("#terminal-approve").click()
    await expect(page.locator("#receipt-method")).to_have_text("Swish")
    await page.locator("#receipt-done").click()
    await expect(receipt).to_be_hidden()
    await page.close()


@pytest.mark.shared_edge
async def test_an_unknown_code_and_a_short_one_are_plain_to_see(browser, edge):
    page = await open_kiosk(browser, edge)
    await scan(page, "7310000000009")
    notice = page.locator("#notice")
    await expect(notice).to_be_visible()
    await expect(notice).to_contain_text("7310000000009")
    await expect(notice).to_contain_text("personalen")
    await page.locator("#notice-dismiss").click()
    await expect(notice).to_be_hidden()
    await page.locator("#ean").fill("73180")
    await page.locator("#ean-form button[type=submit]").click()
    await expect(notice).to_contain_text("13 siffror. Du skrev 5.")
    await scan(page, MILK)                                     # the next good item clears it
    await expect(notice).to_be_hidden()
    await page.close()


@pytest.mark.shared_edge
@pytest.mark.parametrize("viewport", [(1920, 1080), (1080, 1920), (1280, 800)])
async def test_badges_names_and_buttons_stay_readable(browser, edge, viewport):
    page = await open_kiosk(browser, edge, viewport=viewport)
    overlaps = await page.evaluate("""() => [...document.querySelectorAll(".product")]
        .filter((tile) => tile.querySelector(".age")).filter((tile) => {
            const a = tile.querySelector(".age").getBoundingClientRect();
            const n = tile.querySelector(".name").getBoundingClientRect();
            return a.left < n.right && n.left < a.right && a.top < n.bottom && n.top < a.bottom;
        }).map((tile) => tile.dataset.sku)""")
    assert overlaps == []
    lines_of_add = await page.evaluate("""() => {
        const range = document.createRange();
        range.selectNodeContents(document.querySelector("#ean-form button"));
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    }""")
    assert lines_of_add == 1                                   # "Lägg till" on one line
    await page.close()


@pytest.mark.shared_edge
async def test_english_categories_and_unit_prices(browser, edge):
    page = await open_kiosk(browser, edge)
    await page.locator("#language").click()
    await expect(page.locator('.chip[data-category="Mejeri"]')).to_have_text("Dairy")
    await page.locator('.chip[data-category="Mejeri"]').click()
    await expect(page.locator(".chip.active")).to_have_text("Dairy")
    await scan(page, MILK)
    await scan(page, MILK)
    await expect(page.locator(f'.line[data-sku="{MILK}"] .unit')).to_have_text("16,95\u00a0kr each")
    await scan(page, "2500101003477")                          # 347 g of pick-and-mix
    await expect(page.locator('.line[data-sku="2500101003477"] .unit')).to_have_text(
        "347 g · 149,00\u00a0kr per kg")
    await page.close()
