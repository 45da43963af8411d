"""Docs are tested: /docs, /openapi.json and the README must cover every route and setting."""
import json
import re
from pathlib import Path

import pytest

from server.config import HqSettings, ServiceSettings, Settings, setting_docs

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
PAGES = {"/", "/kiosk/{kiosk_id}", "/dashboard"}
UNDOCUMENTED = {"/docs", "/docs/init.js", "/openapi.json", "/signin", "/signin.js",
                "/signin.css", "/favicon.ico"}


def api_routes(app) -> set[tuple[str, str]]:
    """(METHOD, path) of every API route of the app, static files and the docs themselves aside."""
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method == "HEAD" or path in UNDOCUMENTED or path.startswith("/static"):
            continue
        routes.add((route.method, path))
    return routes


async def test_every_route_is_in_the_spec_with_summary_tags_and_errors(client):
    spec = await (await client.get("/openapi.json")).json()
    assert spec["swagger"] == "2.0"
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    # Sockets cannot be described in Swagger 2.0, and pages are not API: the README documents
    # both (tested below).
    rest = {(m, p) for m, p in api_routes(client.app)
            if not p.startswith("/ws/") and p not in PAGES}
    assert rest == documented
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            assert op["summary"] and op["tags"], (method, path)
            assert any(s.startswith("2") for s in op["responses"]), (method, path)
            errors = [s for s in op["responses"] if s[0] in "45"]
            assert errors, f"{method} {path} documents no error response"
            for status in errors:
                assert op["responses"][status]["schema"]["$ref"] == "#/definitions/Error"


async def test_request_bodies_are_documented_from_the_validating_schemas(client):
    spec = await (await client.get("/openapi.json")).json()
    checkout = spec["paths"]["/edge/checkout"]["post"]
    body = [p for p in checkout["parameters"] if p["in"] == "body"][0]
    assert body["required"] is True
    required = set(spec["definitions"]["CheckoutRequest"]["required"])
    assert required == {"idempotency_key", "items", "payment"}  # the kiosk: its credential
    # Unknown fields are refused, and the spec says so; a line's extra fields (a price the
    # kiosk shows) are ignored instead, so its object stays open.
    assert spec["definitions"]["CheckoutRequest"]["additionalProperties"] is False
    assert "additionalProperties" not in spec["definitions"]["CheckoutLine"]


async def test_swagger_ui_is_served_from_our_own_assets_without_outside_hosts(client):
    page = await (await client.get("/docs")).text()
    init = await (await client.get("/docs/init.js")).text()
    assert "<script>" not in page  # no inline script: a strict CSP can stay strict
    for text in (page, init):
        assert not re.search(r"https?://", text), "the docs page must not call any outside host"
    assert "validatorUrl: null" in init
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert (await client.get(asset)).status == 200, asset


def section(title: str) -> str:
    """One `## ` section of the README."""
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("kind, title", [(Settings, "Configuration"),
                                         (HqSettings, "Head office")])
def test_readme_documents_every_setting_with_its_default(kind, title):
    table = section(title)
    own = setting_docs(kind) if kind is Settings else {
        name: value for name, value in setting_docs(kind).items()
        if name not in setting_docs(ServiceSettings) or value != setting_docs(
            ServiceSettings)[name]}
    for name, (default, _doc) in own.items():
        row = re.search(rf"^\| `{name}` \| `([^`]*)` \|", table, re.MULTILINE)
        assert row, f"setting {name} is missing from the README's {title} table"
        # Defaults are shown as TOML values: "text" quoted, numbers bare.
        assert row.group(1) == json.dumps(default), f"README's default for {name} is stale"


async def test_readme_lists_every_route(client):
    for method, path in api_routes(client.app):
        assert f"{method} {path}" in README, f"{method} {path} is missing from the README"


async def test_answers_hold_exactly_the_documented_fields(client):
    """Every field an answer carries is documented, and every documented field is there."""
    from marshmallow import RAISE

    from server.edge_app import answers, dashboard_schemas
    from server.web import order_answers
    from tests.conftest import heartbeat, sale
    answers.HeartbeatResponseSchema().load(await heartbeat(client, "k1", link_up=False))
    order = await (await client.post("/edge/checkout", json=sale())).json()
    order_answers.OrderSchema().load(order)
    await heartbeat(client, "k1", link_up=True)
    synced = await (await client.post("/edge/sync", json={"kiosk_id": "k1"})).json()
    answers.SyncResponseSchema().load(synced)
    answers = {
        "/catalog": answers.CatalogSchema,
        "/edge/orders": order_answers.OrdersPageSchema,
        "/central/orders": order_answers.OrdersPageSchema,
        "/dashboard/overview": dashboard_schemas.OverviewSchema,
        "/dashboard/kiosks": dashboard_schemas.KiosksSchema,
        "/dashboard/history": dashboard_schemas.HistorySchema,
        "/dashboard/reconciliation": dashboard_schemas.ReconciliationSchema,
        "/health": answers.HealthSchema,
    }
    for path, schema in answers.items():
        body = await (await client.get(path)).json()
        schema(unknown=RAISE).load(body)  # raises on an undocumented or missing field


def test_readme_documents_every_socket_message_type():
    messages = Path(__file__).resolve().parent.parent / "schema" / "messages"
    for path in messages.glob("*.json"):
        kind = json.loads(path.read_text())["properties"]["type"]["const"]
        assert f"`{kind}`" in README, f"socket message {kind} is missing from the README"


async def test_every_request_body_s_example_works_as_shipped(client):
    """/docs' "Try it out" sends a body's example as it is: each works with a token of the
    route's role, except the sign-in's, whose token no example can know."""
    spec = await (await client.get("/openapi.json")).json()
    tried = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = [p for p in operation.get("parameters", []) if p["in"] == "body"]
            if not body:
                continue
            name = body[0]["schema"]["$ref"].rsplit("/", 1)[1]
            example = spec["definitions"][name].get("example")
            assert example is not None, f"{method} {path}: its body has no example"
            if path == "/auth/session":
                continue
            resp = await client.request(method.upper(), path.replace("{kiosk_id}", "k1"),
                                        json=example)
            assert resp.status < 300, (method, path, resp.status, await resp.text())
            tried.append(f"{method} {path}")
    assert len(tried) >= 6, tried
