"""Bad input to every route: the right 4xx JSON envelope, and nothing written (DESIGN.md §5).
A checkout's own fields are in test_bad_checkout.py."""
import json

import pytest

from tests.conftest import heartbeat, sale
from tests.refusals import assert_error, assert_nothing_written, kiosk_rows

POST_ROUTES = ["/edge/checkout", "/edge/heartbeat", "/edge/sync"]
LIST_ROUTES = ["/edge/orders", "/central/orders"]


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
