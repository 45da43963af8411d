"""Bad input to every route: the right 4xx JSON envelope, and nothing written (DESIGN.md §5)."""
import copy
import json

import pytest

from server.config import EDGE_DB
from tests.conftest import DETERGENT, MILK, central_rows, count_rows, edge_rows, heartbeat, sale

UNKNOWN_EAN = "4006381333931"   # a valid EAN-13 that is not in the catalog
MISSING = object()              # "remove this field" in the tables below
POST_ROUTES = ["/edge/checkout", "/edge/heartbeat", "/edge/sync"]
LIST_ROUTES = ["/edge/orders", "/central/orders"]


def kiosk_rows(settings) -> int:
    return count_rows(settings, EDGE_DB, "kiosks")


def assert_nothing_written(settings) -> None:
    assert (edge_rows(settings), kiosk_rows(settings), central_rows(settings)) == (0, 0, 0)


async def assert_error(resp, status: int, code: str | None = None, field: str | None = None):
    """The response is the envelope with this status/code (and names `field`); returns it."""
    text = await resp.text()
    assert resp.status == status, text
    assert resp.content_type == "application/json", text
    assert resp.headers.get("X-Request-Id"), "every error carries a request id"
    assert "Traceback" not in text
    error = json.loads(text)["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert field in error["details"]["fields"], error
        assert error["details"]["fields"][field], "each named field carries a message"
    return error


def with_change(body: dict, path: str, value) -> dict:
    """A copy of `body` with the dotted `path` ("items.0.qty") set to `value` (or removed)."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key = int(last) if isinstance(node, list) else last
    if value is MISSING:
        del node[key]
    else:
        node[key] = value
    return body


# POST bodies that are not a JSON object: 400 on every POST route

@pytest.mark.parametrize("route", POST_ROUTES)
@pytest.mark.parametrize("raw", [
    pytest.param(b'{"kiosk_id": ', id="truncated"),
    pytest.param(b"{'kiosk_id': 'k1'}", id="single-quotes"),
    pytest.param(b"kiosk_id=k1", id="form-encoded"),
    pytest.param(b'{"kiosk_id": "\xff"}', id="not-utf8"),
    pytest.param(b"[]", id="array"),
    pytest.param(b'[{"kiosk_id": "k1"}]', id="array-of-object"),
    pytest.param(b'"k1"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"null", id="null"),
    pytest.param(b"true", id="bool"),
])
async def test_a_body_that_is_not_a_json_object_is_400(client, settings, route, raw):
    resp = await client.post(route, data=raw, headers={"Content-Type": "application/json"})
    await assert_error(resp, 400, "malformed_request")
    assert_nothing_written(settings)


@pytest.mark.parametrize("route", ["/edge/checkout", "/edge/heartbeat"])
@pytest.mark.parametrize("raw", [b"", b"  \n "], ids=["empty", "whitespace"])
async def test_an_empty_body_is_400_where_fields_are_required(client, settings, route, raw):
    resp = await client.post(route, data=raw, headers={"Content-Type": "application/json"})
    await assert_error(resp, 400, "malformed_request")
    assert_nothing_written(settings)


@pytest.mark.parametrize("route", POST_ROUTES)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_over_the_limit_is_413(client, settings, route, chunked):
    body = json.dumps({**sale(), "pad": "x" * settings.max_body_bytes}).encode()

    async def stream():
        yield body

    resp = await client.post(route, data=stream() if chunked else body,
                             headers={"Content-Type": "application/json"})
    await assert_error(resp, 413, "request_too_large")
    assert_nothing_written(settings)


@pytest.mark.parametrize("depth", [100_000, 30_000, 500])
@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"a":', "}")], ids=["lists", "objects"])
async def test_deeply_nested_json_is_refused_never_500(client, settings, depth, opener, closer):
    nested = opener * depth + ("0" if closer == "}" else "") + closer * depth
    raw = json.dumps(sale())[:-1] + f', "items": {nested}}}'
    resp = await client.post("/edge/checkout", data=raw.encode(),
                             headers={"Content-Type": "application/json"})
    assert resp.status in (400, 413, 422), await resp.text()
    await assert_error(resp, resp.status)
    assert_nothing_written(settings)


# POST /edge/checkout: each invalid field is a 422 naming its path

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


# POST /edge/heartbeat

@pytest.mark.parametrize("body, field", [
    pytest.param({"kiosk_id": "k1", "central_link_up": "true"}, "central_link_up", id="str-true"),
    pytest.param({"kiosk_id": "k1", "central_link_up": "yes"}, "central_link_up", id="str-yes"),
    pytest.param({"kiosk_id": "k1", "central_link_up": None}, "central_link_up", id="null"),
    pytest.param({"kiosk_id": "k1"}, "central_link_up", id="missing-link"),
    pytest.param({"kiosk_id": "k1", "central_link_up": 1}, "central_link_up", id="int-1"),
    pytest.param({"kiosk_id": "k1", "central_link_up": 0}, "central_link_up", id="int-0"),
    pytest.param({"kiosk_id": "k1", "central_link_up": 1.0}, "central_link_up", id="float-1"),
    pytest.param({"kiosk_id": 7, "central_link_up": True}, "kiosk_id", id="kiosk-int"),
    pytest.param({"kiosk_id": "k 1", "central_link_up": True}, "kiosk_id", id="kiosk-space"),
    pytest.param({"kiosk_id": "k1\n", "central_link_up": True}, "kiosk_id", id="kiosk-newline"),
    pytest.param({"kiosk_id": "k1", "central_link_up": True, "battery": 9}, "battery",
                 id="unknown-field"),
])
async def test_heartbeat_invalid_field_is_422_and_no_kiosk_is_written(
        client, settings, body, field):
    resp = await client.post("/edge/heartbeat", json=body)
    await assert_error(resp, 422, "invalid_fields", field)
    assert kiosk_rows(settings) == 0


async def test_a_bad_heartbeat_leaves_a_known_kiosk_unchanged(client, settings):
    await heartbeat(client, "k1", link_up=False)
    resp = await client.post("/edge/heartbeat", json={"kiosk_id": "k1", "central_link_up": "true"})
    await assert_error(resp, 422, "invalid_fields", "central_link_up")
    kiosks = await (await client.get("/dashboard/kiosks")).json()
    assert [(k["kiosk_id"], k["central_link_up"]) for k in kiosks["kiosks"]] == [("k1", False)]
    assert kiosk_rows(settings) == 1


# POST /edge/sync

@pytest.mark.parametrize("body, field", [
    ({"kiosk_id": 1}, "kiosk_id"),
    ({"kiosk_id": None}, "kiosk_id"),
    ({"kiosk_id": ["k1"]}, "kiosk_id"),
    ({"kiosk_id": "k 1"}, "kiosk_id"),
    ({"kiosk": "k1"}, "kiosk"),
], ids=["int", "null", "list", "space", "unknown-field"])
async def test_sync_invalid_field_is_422(client, settings, body, field):
    resp = await client.post("/edge/sync", json=body)
    await assert_error(resp, 422, "invalid_fields", field)
    assert_nothing_written(settings)


async def test_sync_of_an_unknown_kiosk_is_404_and_writes_nothing(client, settings):
    resp = await client.post("/edge/sync", json={"kiosk_id": "nobody"})
    await assert_error(resp, 404, "unknown_kiosk")
    assert_nothing_written(settings)


# GET /edge/orders and GET /central/orders

@pytest.mark.parametrize("route", LIST_ROUTES)
@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"),
    ("limit=1001", "limit"),
    ("limit=-5", "limit"),
    ("limit=abc", "limit"),
    ("limit=1.5", "limit"),
    ("limit=", "limit"),
    ("limit=99999999999999999999999", "limit"),
    ("after=xyz", "after"),
    ("after=-1", "after"),
    ("after=1234567890123456789", "after"),
    ("sync_state=lost", "sync_state"),
    ("sync_state=SYNCED", "sync_state"),
    ("kiosk_id=k%201", "kiosk_id"),
    ("limit=5&limit=6", "limit"),
    ("sync_state=pending&sync_state=synced", "sync_state"),
    ("color=red", "color"),
])
async def test_list_with_a_bad_query_is_422_naming_the_parameter(client, route, query, field):
    resp = await client.get(f"{route}?{query}")
    await assert_error(resp, 422, "invalid_fields", field)


# Routing: unknown paths and wrong methods

@pytest.mark.parametrize("method, path", [
    ("GET", "/nope"),
    ("POST", "/edge/nope"),
    ("GET", "/edge/orders/"),
    ("GET", "/edge/orders/1"),
    ("GET", "/EDGE/ORDERS"),
    pytest.param("GET", "/static/swagger/nope.js"),
])
async def test_an_unknown_path_is_404_with_the_envelope(client, method, path):
    resp = await client.request(method, path)
    await assert_error(resp, 404, "not_found")


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/edge/checkout", "POST"),
    ("PUT", "/edge/checkout", "POST"),
    ("GET", "/edge/heartbeat", "POST"),
    ("GET", "/edge/sync", "POST"),
    ("DELETE", "/catalog", "GET"),
    ("POST", "/catalog", "GET"),
    ("POST", "/edge/orders", "GET"),
    ("PATCH", "/central/orders", "GET"),
    ("POST", "/dashboard/overview", "GET"),
    ("DELETE", "/dashboard/kiosks", "GET"),
    ("POST", "/health", "GET"),
])
async def test_a_wrong_method_is_405_with_allow(client, settings, method, path, allowed):
    resp = await client.request(method, path, json=sale())
    error = await assert_error(resp, 405, "method_not_allowed")
    assert resp.headers["Allow"] == allowed
    assert error["details"]["allowed_methods"] == [allowed]
    assert_nothing_written(settings)


async def test_each_error_has_its_own_request_id(client):
    ids = {(await client.get("/nope")).headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5
