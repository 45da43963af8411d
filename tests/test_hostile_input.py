"""Hostile input beyond test_bad_input.py: every body route's size limit, nesting past the
parser's depth, carts far over the line limit, odd Unicode wherever an id is read, absurd
quantities, SKUs on two lines, bytes that are not HTTP. Each gets a clear 4xx (the JSON error
envelope wherever a route is reached) and changes nothing."""
import io
import json
from dataclasses import replace

import pytest
import yarl

from server.cli.credentials import enroll_kiosk
from server.config import EDGE_DB
from server.edge_app.factory import create_app
from tests.conftest import MILK, NEWSPAPER, raw_exchange, sale
from tests.refusals import assert_error, with_change
from tests.store_files import central_rows, count_rows, edge_rows

# Every route that reads a JSON body, with a body it would otherwise take.
BODY_ROUTES = {
    "/edge/checkout": sale("k1"),
    "/edge/quote": {"items": [{"sku": MILK, "qty": 1}]},
    "/edge/heartbeat": {"central_link_up": True},
    "/edge/staff/verify": {"pin": "1234"},
    "/edge/link-override": {"pin": "1234", "forced_down": True},
    "/edge/sync": {},
    "/auth/session": {"token": "aoc_x_y"},
}

ODD_IDS = {
    "zero-width-joiner": "kiosk\u200d1",
    "rtl-override": "kiosk\u202e1",
    "nul": "kiosk\x001",
    "lone-surrogate": "kiosk\ud8001",
    "full-width-digits": "kiosk-\uff11",
    "trailing-newline": "kiosk-1\n",
    "byte-order-mark": "\ufeffkiosk-1",
    "combining-accent": "kio\u0301sk-1",
    "no-break-space": "kiosk\u00a01",
    "cyrillic-i": "k\u0456osk-1",
}


async def signed_in(client) -> None:
    """Issue the tokens the Caller signs with up front, so credentials count as state."""
    for who in ("k1", "operator"):
        await client.token(who)


def state(settings) -> tuple[int, ...]:
    """What a refused request must leave as it was: sales, kiosks, central, credentials."""
    return (edge_rows(settings), count_rows(settings, EDGE_DB, "kiosks"),
            central_rows(settings), count_rows(settings, EDGE_DB, "credentials"))


def raw_json(body) -> bytes:
    """JSON as a hostile client may send it: lone surrogates escaped, NaN allowed."""
    return json.dumps(body).encode()


async def post_raw(client, path: str, raw: bytes):
    """POST bytes as JSON (big ones streamed, as aiohttp asks), signed as the route expects."""
    data = raw if len(raw) < 1 << 20 else io.BytesIO(raw)
    return await client.post(path, data=data, headers={"Content-Type": "application/json"})


async def as_caller(client, who: str) -> dict:
    """The Authorization header of a kiosk id, "operator" or "dashboard"."""
    return {"Authorization": f"Bearer {await client.token(who)}"}


# Sizes

@pytest.mark.parametrize("route", sorted(BODY_ROUTES))
async def test_every_body_route_refuses_a_body_over_the_limit_with_413(
        client, settings, route, no_errors_logged):
    await signed_in(client)
    before = state(settings)
    body = json.dumps({**BODY_ROUTES[route], "pad": "x" * settings.max_body_bytes}).encode()
    resp = await post_raw(client, route, body)
    await assert_error(resp, 413, "request_too_large")
    assert state(settings) == before


@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"a":', "}")], ids=["lists", "objects"])
async def test_100000_levels_of_nesting_are_a_400_not_a_crash(
        make_client, settings, opener, closer, no_errors_logged):
    # A body limit big enough for the whole thing to reach the JSON parser.
    client = await make_client(create_app(replace(settings, max_body_bytes=1 << 20)))
    await signed_in(client)
    before = state(settings)
    depth = 100_000
    nested = opener * depth + ("0" if closer == "}" else "") + closer * depth
    for route in ("/edge/checkout", "/auth/session"):
        resp = await post_raw(client, route, nested.encode())
        await assert_error(resp, 400, "malformed_request")
    assert state(settings) == before


async def test_100000_lines_are_refused_with_a_clear_4xx(make_client, settings, no_errors_logged):
    lines = [{"sku": f"{i:013d}", "qty": 1} for i in range(100_000)]
    for limit, status in [(settings.max_body_bytes, 413), (8 << 20, 422)]:
        client = await make_client(create_app(replace(settings, max_body_bytes=limit)))
        for route, body in [("/edge/checkout", sale(items=lines)), ("/edge/quote",
                                                                    {"items": lines})]:
            error = await assert_error(await post_raw(client, route, raw_json(body)), status)
            if status == 422:
                limit_text = f"at most {settings.max_order_lines} lines per order"
                assert error["details"]["fields"] == {"items": [limit_text]}
        assert state(settings)[:3] == (0, 0, 0)


async def test_the_spec_publishes_the_limits_of_a_cart(client, settings):
    spec = await (await client.get("/openapi.json")).json()
    definitions = spec["definitions"]
    for name in ("CheckoutRequest", "QuoteRequest"):
        items = definitions[name]["properties"]["items"]
        assert items["maxItems"] == settings.max_order_lines
        assert "max_order_lines" in items["description"]
    assert definitions["CheckoutLine"]["properties"]["qty"]["maximum"] == settings.max_line_qty


# Odd Unicode in ids: in bodies, query strings and paths

ID_FIELDS = [("/edge/checkout", "kiosk_id"), ("/edge/checkout", "idempotency_key"),
             ("/edge/checkout", "payment.reference"), ("/edge/heartbeat", "kiosk_id"),
             ("/edge/sync", "kiosk_id")]
# Milk's own EAN, spelled so that int() or a sloppy \d would still read it as milk.
ODD_SKUS = {
    "full-width-digits": MILK.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),
    "arabic-indic-digits": MILK.translate({ord(d): 0x0660 + int(d) for d in "0123456789"}),
    "zero-width-joiner": MILK[:6] + "\u200d" + MILK[6:],
    "trailing-newline": MILK + "\n",
    "nul": MILK + "\x00",
    "leading-space": " " + MILK,
}
BODY_ID_CASES = [
    *(pytest.param(route, field, odd, id=f"{route}-{field}-{name}")
      for route, field in ID_FIELDS for name, odd in ODD_IDS.items()),
    *(pytest.param(route, "items.0.sku", odd, id=f"{route}-sku-{name}")
      for route in ("/edge/checkout", "/edge/quote") for name, odd in ODD_SKUS.items()),
]


@pytest.mark.parametrize("route, field, odd", BODY_ID_CASES)
async def test_an_odd_id_in_a_body_is_refused_and_never_stored(
        client, settings, route, field, odd, no_errors_logged):
    await signed_in(client)
    before = state(settings)
    resp = await post_raw(client, route, raw_json(with_change(BODY_ROUTES[route], field, odd)))
    if odd == ODD_IDS["lone-surrogate"]:   # not Unicode text at all: not a JSON text we take
        await assert_error(resp, 400, "malformed_request")
    else:
        await assert_error(resp, 422, "invalid_fields", field)
    assert state(settings) == before


def _quote(text: str) -> str:
    """Percent-encode as UTF-8; a lone surrogate goes as the bytes a careless client sends."""
    raw = text.encode("utf-8", "surrogatepass")
    return "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "-._~")
                   else f"%{b:02X}" for b in raw)


@pytest.mark.parametrize("odd", list(ODD_IDS.values()), ids=list(ODD_IDS))
async def test_an_odd_id_in_a_query_or_path_is_refused_and_never_stored(
        client, settings, odd, no_errors_logged):
    await signed_in(client)
    before = state(settings)
    quoted = _quote(odd)
    operator, kiosk = await as_caller(client, "operator"), await as_caller(client, "k1")
    for path in (f"/edge/orders?kiosk_id={quoted}", f"/central/orders?kiosk_id={quoted}",
                 f"/admin/kiosks/{quoted}/enrol", f"/admin/kiosks/{quoted}/revoke"):
        method = "POST" if path.startswith("/admin") else "GET"
        resp = await client.raw.request(method, yarl.URL(path, encoded=True), headers=operator)
        await assert_error(resp, 422, "invalid_fields", "kiosk_id")
    # A kiosk naming an odd kiosk (in its list, or its socket) is refused as another kiosk.
    resp = await client.raw.get(yarl.URL(f"/edge/orders?kiosk_id={quoted}", encoded=True),
                                headers=kiosk)
    assert resp.status in (403, 422)
    await assert_error(resp, resp.status)
    resp = await client.raw.get(yarl.URL(f"/ws/kiosk?kiosk_id={quoted}", encoded=True),
                                headers=kiosk)
    await assert_error(resp, 403, "kiosk_mismatch")
    # The kiosk page of an odd kiosk is a sign-in page (HTML, not API): never a 5xx.
    resp = await client.raw.get(yarl.URL(f"/kiosk/{quoted}", encoded=True), headers=kiosk)
    assert resp.status == 403, await resp.text()
    assert state(settings) == before


@pytest.mark.parametrize("odd", list(ODD_IDS.values()), ids=list(ODD_IDS))
def test_the_cli_enrols_no_kiosk_with_an_odd_id(settings, odd, capsys):
    with pytest.raises(SystemExit) as refused:
        enroll_kiosk([odd, "--data-dir", settings.data_dir])
    assert refused.value.code == 2 and "kiosk_id" in capsys.readouterr().err
    assert not settings.data_path.exists()   # refused before the store was even opened


@pytest.mark.parametrize("query", [
    "limit=\uff11\uff10", "limit=%2010", "limit=1_0", "limit=%2B10", "limit=\u0663",
    "after=\uff11", "after=1%00", "sync_state=pending%00", "sync_state=pend\u200ding",
])
async def test_a_number_or_word_spelled_oddly_in_a_query_is_422(client, query, no_errors_logged):
    field = query.split("=")[0]
    resp = await client.get(f"/edge/orders?{query}")
    await assert_error(resp, 422, "invalid_fields", field)


# Quantities

ABSURD_QTYS = {
    "zero": 0, "negative": -1, "min-int64": -(2**63), "2**31": 2**31, "2**63": 2**63,
    "2**64": 2**64, "10**100": 10**100, "float": 1.5, "float-whole": 3.0, "exponent": 1e3,
    "huge-float": 1e308, "nan": float("nan"), "infinity": float("inf"), "true": True,
    "false": False, "string": "2", "list": [1], "object": {"n": 1}, "null": None,
}


@pytest.mark.parametrize("qty", list(ABSURD_QTYS.values()), ids=list(ABSURD_QTYS))
@pytest.mark.parametrize("route", ["/edge/checkout", "/edge/quote"])
async def test_an_absurd_quantity_is_422_and_writes_nothing(
        client, settings, route, qty, no_errors_logged):
    await signed_in(client)
    before = state(settings)
    body = with_change(BODY_ROUTES[route], "items.0.qty", qty)
    resp = await post_raw(client, route, raw_json(body))   # NaN/Infinity: Python's extension
    await assert_error(resp, 422, "invalid_fields", "items.0.qty")
    assert state(settings) == before


async def test_a_number_too_long_to_read_is_a_400(client, settings, no_errors_logged):
    # Python refuses to turn more than 4,300 digits into an int (CVE-2020-10735).
    raw = json.dumps(sale())[:-1] + ', "expected_total_ore": ' + "9" * 5000 + "}"
    await assert_error(await post_raw(client, "/edge/checkout", raw.encode()), 400,
                       "malformed_request")
    assert state(settings)[:3] == (0, 0, 0)


@pytest.mark.parametrize("total", [2**63, 10**100], ids=["2**63", "10**100"])
async def test_an_enormous_expected_total_is_refused(client, settings, total, no_errors_logged):
    resp = await client.post("/edge/checkout", json=sale(expected_total_ore=total))
    await assert_error(resp, 409, "price_changed")
    assert state(settings)[:3] == (0, 0, 0)


# Duplicate SKUs (test_bad_input has the plain case at checkout)

@pytest.mark.parametrize("items", [
    [{"sku": MILK, "qty": 1}] * 50,
    [{"sku": f"{i:013d}", "qty": 1} for i in range(40)] + [{"sku": "0000000000007", "qty": 1}],
    [{"sku": MILK, "qty": 1}, {"sku": NEWSPAPER, "qty": 1}, {"sku": MILK, "qty": 998}],
], ids=["fifty-times-one-sku", "duplicate-after-forty", "same-sku-other-qty"])
@pytest.mark.parametrize("route", ["/edge/checkout", "/edge/quote"])
async def test_a_sku_on_two_lines_is_422(client, settings, route, items, no_errors_logged):
    body = {**BODY_ROUTES[route], "items": items}
    error = await assert_error(await client.post(route, json=body), 422, "invalid_fields",
                               "items")
    assert "more than one line" in error["details"]["fields"]["items"][0]
    assert state(settings)[:3] == (0, 0, 0)


# Bytes on the wire

async def test_a_body_announced_over_the_limit_is_413_before_it_is_sent(client, settings):
    head = (b"POST /auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            b"\r\nContent-Length: 10000000\r\n\r\n")
    answer = await raw_exchange(client, head, timeout=2.0)   # no body follows, no need to wait
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["code"] == "request_too_large"


@pytest.mark.parametrize("data", [
    b"GET /edge/orders?kiosk_id=k\xc3\xa41 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_000 + b"\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: x\r\nX-Nul: a\x00b\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,   # a TLS hello, say
], ids=["raw-utf8-in-query", "header-over-8k", "nul-in-header", "not-http"])
async def test_bytes_that_are_not_http_are_a_400_and_the_edge_carries_on(client, settings, data):
    # aiohttp's parser answers these itself (text/plain, connection closed) before any route
    # runs, so there is no envelope to give: the point is a 400, not a crash or a hang.
    await signed_in(client)
    before = state(settings)
    answer = await raw_exchange(client, data)
    assert answer.split(b" ", 2)[1] == b"400", answer[:200]
    assert (await client.get("/health")).status == 200
    assert state(settings) == before
