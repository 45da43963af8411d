"""Variable-measure labels from the store's scales, decoded and priced by the edge."""
import pytest

from server.catalog.catalog import Catalog, Product
from server.catalog.ean import ean13_check_digit
from server.catalog.scale_labels import parse_scale_label, weighed_price_ore
from tests.conftest import MILK, sale
from tests.store_files import edge_rows

CANDY_PLU, CANDY_PER_KG = "00101", 14900      # Lösgodis, lösvikt: 149.00 kr/kg, VAT 12 %
CHEESE_PLU = "00404"                          # Prästost, bit ur disk


def label(kind: int, plu: str, value: int) -> str:
    """A scale label as the scales print it: 2, kind, PLU, value, check digit."""
    first12 = f"2{kind}{plu}{value:05d}"
    return first12 + str(ean13_check_digit(first12))


def with_wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def test_labels_decode_to_a_price_or_a_weight():
    assert parse_scale_label(label(0, "00404", 8450)).printed_price_ore == 8450
    weighed = parse_scale_label(label(5, "00101", 347))
    assert (weighed.plu, weighed.grams, weighed.printed_price_ore) == ("00101", 347, None)
    assert parse_scale_label(with_wrong_check_digit(label(5, "00101", 347))) is None
    assert parse_scale_label(label(5, "00101", 0)) is None
    assert parse_scale_label(MILK) is None          # an ordinary EAN


@pytest.mark.parametrize("per_kg, grams, expected", [
    (14900, 347, 5170),    # 5170.3 öre
    (3990, 125, 499),      # 498.75 öre rounds up
    (100, 5, 1),           # 0.5 öre: half rounds up
    (100, 4, 0),           # 0.4 öre rounds down
    (17900, 1000, 17900),
])
def test_a_weight_is_priced_half_up_to_the_ore(per_kg, grams, expected):
    assert weighed_price_ore(per_kg, grams) == expected


def test_a_weighed_product_needs_a_plu_and_plus_are_unique():
    base = {"sku": MILK, "name": "x", "price_ore": 100, "vat_rate": 12, "category": "c"}
    with pytest.raises(ValueError, match="PLU"):
        Catalog([Product(**{**base, "sold_by": "kg"})])
    other = {**base, "sku": "7318080200016"}
    with pytest.raises(ValueError, match="duplicate PLU"):
        Catalog([Product(**base, plu="00001", sold_by="kg"),
                 Product(**other, plu="00001", sold_by="kg")])


async def test_checkout_prices_weight_and_price_labels_at_the_edge(client, settings):
    candy, cheese = label(5, CANDY_PLU, 347), label(0, CHEESE_PLU, 8450)
    body = sale(items=[{"sku": candy, "qty": 1}, {"sku": cheese, "qty": 2},
                       {"sku": MILK, "qty": 1}], staff_pin=settings.staff_pin)
    resp = await client.post("/edge/checkout", json=body)
    assert resp.status == 201, await resp.text()
    order = await resp.json()
    lines = {line["sku"]: line for line in order["items"]}
    assert lines[candy]["name"] == "Lösgodis, lösvikt"
    assert lines[candy]["line_total_ore"] == 5170
    assert lines[candy]["measure"] == {"grams": 347, "price_per_kg_ore": CANDY_PER_KG}
    assert lines[cheese]["unit_price_ore"] == 8450 and lines[cheese]["line_total_ore"] == 16900
    assert lines[cheese]["measure"] == {"printed_price_ore": 8450}
    assert "measure" not in lines[MILK]
    assert order["total_ore"] == 5170 + 16900 + 1695


@pytest.mark.parametrize("code", [
    "2000101000006",               # the weighed product's own code, without a label
    label(5, "99999", 500),        # a label for a PLU the catalog does not have
    with_wrong_check_digit(label(5, CANDY_PLU, 500)),
])
async def test_a_weighed_product_is_sold_only_through_a_valid_label(client, settings, code):
    resp = await client.post("/edge/checkout", json=sale(items=[{"sku": code, "qty": 1}]))
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "unknown_sku" and error["details"]["fields"] == {"items.0.sku": code}
    assert edge_rows(settings) == 0


async def test_a_quote_prices_the_cart_like_checkout_and_records_nothing(client, settings):
    items = [{"sku": label(5, CANDY_PLU, 347), "qty": 1}, {"sku": MILK, "qty": 3}]
    resp = await client.post("/edge/quote", json={"items": items})
    assert resp.status == 200
    quote = await resp.json()
    assert quote["total_ore"] == 5170 + 3 * 1695
    assert [v["rate"] for v in quote["vat"]] == [12]
    assert edge_rows(settings) == 0
    body = sale(items=items, expected_total_ore=quote["total_ore"])
    order = await (await client.post("/edge/checkout", json=body)).json()
    assert order["items"] == quote["items"] and order["vat"] == quote["vat"]


async def test_a_bad_quote_is_refused_like_a_bad_checkout(client):
    resp = await client.post("/edge/quote", json={"items": [{"sku": MILK, "qty": 1},
                                                            {"sku": MILK, "qty": 2}]})
    assert resp.status == 422 and "items" in (await resp.json())["error"]["details"]["fields"]
    resp = await client.post("/edge/quote", json={"items": [{"sku": "4006381333931", "qty": 1}]})
    assert (await resp.json())["error"]["code"] == "unknown_sku"


# The barcode fraud self-checkouts know: a label typed with any price, or one cheap label
# counted many times. {"sku": "2000303000019", "qty": 999} sold 399 kr/kg shrimp for 1 öre.

SHRIMP_PLU = "00303"                          # Räkor i lake: 399.00 kr/kg


@pytest.mark.parametrize("code", [
    label(0, SHRIMP_PLU, 1),          # a price label of 1 öre: 0.025 g of shrimp
    label(5, SHRIMP_PLU, 2),          # a weight label of 2 g
    label(5, CANDY_PLU, 60000),       # 60 kg of sweets
], ids=["1-ore-shrimp", "2-grams", "60-kg"])
async def test_an_implausible_label_is_refused_even_with_staff(client, settings, code):
    for body in (sale(items=[{"sku": code, "qty": 1}]),
                 sale(items=[{"sku": code, "qty": 1}], staff_pin=settings.staff_pin)):
        resp = await client.post("/edge/checkout", json=body)
        assert resp.status == 422, await resp.text()
        error = (await resp.json())["error"]
        assert error["code"] == "implausible_label"
        assert error["details"]["fields"] == {"items.0.sku": code}
    resp = await client.post("/edge/quote", json={"items": [{"sku": code, "qty": 1}]})
    assert (await resp.json())["error"]["code"] == "implausible_label"
    assert edge_rows(settings) == 0


def test_a_product_may_set_its_own_label_bounds():
    base = {"sku": "2000404000000", "name": "Ost", "price_ore": 17900, "vat_rate": 12,
            "category": "c", "plu": "00404", "sold_by": "kg"}
    assert Product(**base).label_grams == (10, 10_000)
    assert Product(**base, label_min_grams=100, label_max_grams=3000).label_grams == (100, 3000)
    with pytest.raises(ValueError, match="label_min_grams"):
        Product(**base, label_min_grams=5000, label_max_grams=3000)
    with pytest.raises(ValueError, match="sold by kg"):
        Product(**{**base, "sku": MILK, "plu": None, "sold_by": "each"}, label_max_grams=10)


@pytest.mark.parametrize("line, reasons", [
    ({"sku": label(0, SHRIMP_PLU, 7980), "qty": 1, "entry": "keyed"}, ["keyed_label"]),
    ({"sku": label(0, SHRIMP_PLU, 7980), "qty": 999}, ["label_quantity"]),
    ({"sku": label(0, SHRIMP_PLU, 7980), "qty": 2, "entry": "keyed"},
     ["keyed_label", "label_quantity"]),
], ids=["typed-by-hand", "999-of-one-label", "both"])
async def test_a_typed_or_repeated_label_needs_staff_and_the_approval_is_audited(
        client, settings, line, reasons):
    quote = await (await client.post("/edge/quote", json={"items": [line]})).json()
    assert [check["reason"] for check in quote["label_checks"]] == reasons
    resp = await client.post("/edge/checkout", json=sale(items=[line]))
    assert resp.status == 403
    error = (await resp.json())["error"]
    assert error["code"] == "label_check_required"
    assert [check["reason"] for check in error["details"]["label_checks"]] == reasons
    assert edge_rows(settings) == 0
    resp = await client.post("/edge/checkout", json=sale(items=[line], staff_pin="9999"))
    assert (await resp.json())["error"]["code"] == "wrong_staff_pin"
    resp = await client.post("/edge/checkout", json=sale(items=[line],
                                                         staff_pin=settings.staff_pin))
    assert resp.status == 201
    order = await resp.json()
    events = (await (await client.get("/admin/audit")).json())["events"]
    [approval] = [e for e in events if e["action"] == "staff_approval"]
    assert approval["target"] == order["order_uuid"]
    assert [check["reason"] for check in approval["details"]["label_checks"]] == reasons


async def test_a_scanned_label_of_one_needs_no_staff(client):
    line = {"sku": label(5, CANDY_PLU, 347), "qty": 1, "entry": "scanned"}
    assert (await client.post("/edge/checkout", json=sale(items=[line]))).status == 201
    quote = await (await client.post("/edge/quote", json={"items": [line]})).json()
    assert quote["label_checks"] == []
