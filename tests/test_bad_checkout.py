"""A checkout's bad fields: each invalid field is a 422 naming its path, card numbers are
never stored, and nothing is written (test_bad_input.py has every route's bad bodies)."""
import json

import pytest

from tests.conftest import DETERGENT, MILK, sale
from tests.refusals import MISSING, assert_error, assert_nothing_written, with_change

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

UNKNOWN_EAN = "4006381333931"   # a valid EAN-13 that is not in the catalog


CHECKOUT_FIELD_CASES = [
    # (dotted path to change, new value or MISSING, the field path the 422 must name)
    ("items.0.qty", "2", "items.0.qty"),
    ("items.0.qty", 2.5, "items.0.qty"),
    ("items.0.qty", 2.0, "items.0.qty"),
    ("items.0.qty", True, "items.0.qty"),
    ("items.0.qty", 0, "items.0.qty"),
    ("items.0.qty", -1, "items.0.qty"),
    ("items.0.qty", None, "items.0.qty"),
    ("items.0.qty", MISSING, "items.0.qty"),
    ("items.0.sku", int(MILK), "items.0.sku"),
    ("items.0.sku", MILK[:12], "items.0.sku"),
    ("items.0.sku", MILK + "0", "items.0.sku"),
    ("items.0.sku", "73180010100O7", "items.0.sku"),
    ("items.0.sku", MISSING, "items.0.sku"),
    ("items", [], "items"),
    ("items", "milk", "items"),
    ("items", {"sku": MILK, "qty": 1}, "items"),
    ("items", [None], "items.0"),
    ("items", [MILK], "items.0"),
    ("items", MISSING, "items"),
    ("items", [{"sku": MILK, "qty": 1}, {"sku": MILK, "qty": 2}], "items"),
    ("kiosk_id", "k 1", "kiosk_id"),
    ("kiosk_id", "kiösk", "kiosk_id"),
    ("kiosk_id", "k" * 65, "kiosk_id"),
    ("kiosk_id", "", "kiosk_id"),
    ("kiosk_id", "-k1", "kiosk_id"),
    ("kiosk_id", 1, "kiosk_id"),
    ("kiosk_id", None, "kiosk_id"),
    ("idempotency_key", "short", "idempotency_key"),
    ("idempotency_key", "k" * 65, "idempotency_key"),
    ("idempotency_key", "key with spaces", "idempotency_key"),
    ("idempotency_key", 12345678, "idempotency_key"),
    ("idempotency_key", MISSING, "idempotency_key"),
    ("payment.method", "cash", "payment.method"),
    ("payment.method", MISSING, "payment.method"),
    ("payment.reference", "", "payment.reference"),
    ("payment.reference", "r" * 65, "payment.reference"),
    ("payment.reference", "4111-1111-1111-1111", "payment.reference"),
    ("payment.card_number", "4111111111111111", "payment.card_number"),
    ("payment", "card", "payment"),
    ("payment", MISSING, "payment"),
    ("expected_total_ore", 33.9, "expected_total_ore"),
    ("expected_total_ore", 3390.0, "expected_total_ore"),
    ("expected_total_ore", "3390", "expected_total_ore"),
    ("expected_total_ore", -1, "expected_total_ore"),
    ("discount_ore", 100, "discount_ore"),
]


@pytest.mark.parametrize("path, value, field", CHECKOUT_FIELD_CASES,
                         ids=[f"{p}={'MISSING' if v is MISSING else repr(v)[:20]}"
                              for p, v, _ in CHECKOUT_FIELD_CASES])
async def test_checkout_invalid_field_is_422_naming_it(client, settings, path, value, field):
    resp = await client.post("/edge/checkout", json=with_change(sale(), path, value))
    await assert_error(resp, 422, "invalid_fields", field)
    assert_nothing_written(settings)


@pytest.mark.parametrize("path, value", [
    ("kiosk_id", "k1\n"), ("idempotency_key", "abcdefgh\n"),
], ids=["kiosk_id", "idempotency_key"])
async def test_checkout_id_with_trailing_newline_is_422(client, settings, path, value):
    resp = await client.post("/edge/checkout", json=with_change(sale(), path, value))
    await assert_error(resp, 422, "invalid_fields", path)
    assert_nothing_written(settings)


@pytest.mark.parametrize("reference", [
    "4111 1111 1111 1111\n", "4111\t1111\t1111\t1111", "4111.1111.1111.1111",
    "4111111111111111 exp 12/29", "PAN4111111111111111", "ref 5555-5555-5555-4444/07",
    "TXN:378282246310005", "card 4111 1111 1111 1111 1229",
], ids=["trailing-newline", "tabs", "dots", "with-expiry", "glued-to-letters", "amid-text",
        "amex-after-colon", "then-more-digits"])
async def test_a_card_number_with_other_separators_is_never_stored(client, settings, reference):
    body = sale(payment={"method": "card", "reference": reference})
    resp = await client.post("/edge/checkout", json=body)
    await assert_error(resp, 422, "invalid_fields", "payment.reference")
    assert_nothing_written(settings)


@pytest.mark.parametrize("reference", [
    "TERM-4711", "SIM-CARD-mipq3k2d", "4111 1111 1111 1112", "AUTH 123456 STAN 000042",
    "411111111111111111111111",
])
async def test_a_terminal_reference_without_a_card_number_is_kept(client, reference):
    body = sale(payment={"method": "card", "reference": reference})
    assert (await client.post("/edge/checkout", json=body)).status == 201


async def test_checkout_with_more_lines_than_allowed_is_422(client, settings):
    # Distinct, well-formed EANs: the limit applies before the catalog is consulted.
    lines = [{"sku": f"{i:013d}", "qty": 1} for i in range(settings.max_order_lines + 1)]
    resp = await client.post("/edge/checkout", json=sale(items=lines))
    error = await assert_error(resp, 422, "invalid_fields", "items")
    limit = settings.max_order_lines
    assert error["details"]["fields"]["items"] == [f"at most {limit} lines per order"]
    assert_nothing_written(settings)


async def test_checkout_line_over_the_max_qty_is_422_naming_the_line(client, settings):
    items = [{"sku": MILK, "qty": 1}, {"sku": DETERGENT, "qty": settings.max_line_qty + 1}]
    resp = await client.post("/edge/checkout", json=sale(items=items))
    error = await assert_error(resp, 422, "invalid_fields", "items.1.qty")
    assert list(error["details"]["fields"]) == ["items.1.qty"]
    assert_nothing_written(settings)
    # The limit itself is accepted: the check is not off by one.
    ok = await client.post("/edge/checkout",
                           json=sale(items=[{"sku": MILK, "qty": settings.max_line_qty}]))
    assert ok.status == 201


async def test_checkout_unknown_sku_is_422_unknown_sku(client, settings):
    resp = await client.post("/edge/checkout", json=sale(items=[{"sku": UNKNOWN_EAN, "qty": 1}]))
    error = await assert_error(resp, 422, "unknown_sku")
    assert error["details"]["fields"] == {"items.0.sku": UNKNOWN_EAN}
    assert_nothing_written(settings)


LONE_SURROGATE = "\ud800"   # valid JSON ("\\ud800") but not encodable as UTF-8


async def test_a_field_name_that_is_not_unicode_text_is_refused_with_the_envelope(
        client, settings):
    raw = json.dumps({**sale(), LONE_SURROGATE: 1}).encode()   # ensure_ascii: "\ud800"
    resp = await client.post("/edge/checkout", data=raw,
                             headers={"Content-Type": "application/json"})
    assert resp.status in (400, 422)
    await assert_error(resp, resp.status)
    assert_nothing_written(settings)


async def test_a_payment_reference_that_is_not_unicode_text_is_refused(client, settings):
    body = sale(payment={"method": "card", "reference": "T" + LONE_SURROGATE})
    resp = await client.post("/edge/checkout", data=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json"})
    assert resp.status in (400, 422)
    await assert_error(resp, resp.status)
    assert_nothing_written(settings)
    assert (await client.get("/edge/orders")).status == 200
