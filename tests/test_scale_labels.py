"""Variable-measure labels from the store's scales, decoded and priced by the edge."""
import pytest

from server.catalog.catalog import Catalog, Product
from server.catalog.ean import ean13_check_digit
from server.catalog.scale_labels import parse_scale_label, weighed_price_ore
from tests.conftest import MILK, edge_rows, sale

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


async def test_checkout_prices_weight_and_price_labels_at_the_edge(client):
    candy, cheese = label(5, CANDY_PLU, 347), label(0, CHEESE_PLU, 8450)
    body = sale(items=[{"sku": candy, "qty": 1}, {"sku": cheese, "qty": 2},
                       {"sku": MILK, "qty": 1}])
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
