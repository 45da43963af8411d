"""Nobody in where they don't belong: every route × wrong callers, sessions, headers, limits."""
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from server.auth.enrolment import issue_person_token, revoke_token
from server.clock import to_iso
from server.config import CENTRAL_DB, EDGE_DB
from server.edge_app.factory import create_app
from server.sqlite_open import DatabaseError
from server.web.access import PUBLIC, roles_of
from server.web.keys import AUTH_STORE
from tests.conftest import heartbeat, sale
from tests.store_files import open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

ROLES = ("kiosk", "dashboard", "operator")


def guarded_routes(app) -> list[tuple[str, str, frozenset]]:
    """(method, path, roles) of every route that needs a credential, from the route table."""
    found = []
    for route in app.router.routes():
        roles = roles_of(route.handler)
        if route.method == "HEAD" or route.resource is None:
            continue
        assert roles is not None, f"{route.method} {route.resource.canonical} has no access rule"
        if roles is not PUBLIC:
            found.append((route.method, route.resource.canonical.replace("{kiosk_id}", "k1"),
                          roles))
    return found


def footprint(settings) -> dict:
    """Everything a refused request must leave as it was (the audit trail may grow)."""
    counts = {}
    with open_file(settings, EDGE_DB) as conn:
        for name, sql in {
            "orders": "SELECT COUNT(*), COALESCE(SUM(total_ore), 0) FROM edge_orders",
            "pending": "SELECT COUNT(*) FROM edge_orders_now WHERE sync_state = 'pending'",
            "kiosks": "SELECT COUNT(*), GROUP_CONCAT(central_link_up) FROM kiosks",
            "credentials": "SELECT COUNT(*) FROM credentials WHERE revoked_at IS NULL",
        }.items():
            counts[name] = conn.execute(sql).fetchone()
    with open_file(settings, CENTRAL_DB) as conn:
        counts["central"] = conn.execute("SELECT COUNT(*) FROM central_orders").fetchone()
    return counts


def sample_body(path: str, kiosk_id: str = "k1") -> dict:
    """A body that would succeed for the right caller, so only the credential is wrong."""
    if path == "/edge/checkout":
        return sale(kiosk_id)
    if path == "/edge/heartbeat":
        return {"kiosk_id": kiosk_id, "central_link_up": True}
    return {}


async def test_every_guarded_route_refuses_every_wrong_caller(client, settings):
    await heartbeat(client, "k1", link_up=False)
    await client.post("/edge/checkout", json=sale("k1"))  # a pending sale a sync could move
    tokens = {role: await client.token(role if role != "kiosk" else "k1") for role in ROLES}
    revoked = await issue_person_token(client.app[AUTH_STORE], "operator", "old", "test",
                                       to_iso(datetime.now(UTC)))
    await revoke_token(client.app[AUTH_STORE], revoked.token_id, "test",
                       to_iso(datetime.now(UTC)))
    before = footprint(settings)
    routes = guarded_routes(client.app)
    assert len(routes) >= 12
    for method, path, roles in routes:
        attempts = [("none", {}, 401), ("revoked", {"Authorization": f"Bearer {revoked.token}"},
                                        401),
                    ("garbage", {"Authorization": "Bearer aoc_nope_nope"}, 401),
                    ("not bearer", {"Authorization": "Basic b3BlcmF0b3I6"}, 401)]
        attempts += [(role, {"Authorization": f"Bearer {tokens[role]}"}, 403)
                     for role in ROLES if role not in roles]
        for who, headers, status in attempts:
            resp = await client.raw.request(method, path, json=sample_body(path), headers=headers)
            assert resp.status == status, (method, path, who, await resp.text())
            error = (await resp.json())["error"]
            assert error["code"] == ("unauthorized" if status == 401 else "forbidden")
            if status == 401:
                assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert footprint(settings) == before


@pytest.mark.parametrize("method, path, kwargs", [
    ("POST", "/edge/checkout", {"json": sale("k2")}),
    ("POST", "/edge/heartbeat", {"json": {"kiosk_id": "k2", "central_link_up": True}}),
    ("GET", "/edge/orders", {"params": {"kiosk_id": "k2"}}),
])
async def test_kiosk_a_cannot_act_as_kiosk_b(client, settings, method, path, kwargs):
    await heartbeat(client, "k2", link_up=False)
    await client.post("/edge/checkout", json=sale("k2"))
    token = await client.token("k1")
    before = footprint(settings)
    resp = await client.raw.request(method, path, headers={"Authorization": f"Bearer {token}"},
                                    **kwargs)
    assert resp.status == 403
    error = (await resp.json())["error"]
    assert error["code"] == "kiosk_mismatch"
    assert error["details"] == {"credential_kiosk_id": "k1", "claimed_kiosk_id": "k2"}
    assert footprint(settings) == before


async def test_a_kiosk_acts_as_itself_without_naming_itself(client):
    token = await client.token("k7")
    auth = {"Authorization": f"Bearer {token}"}
    resp = await client.raw.post("/edge/heartbeat", json={"central_link_up": False}, headers=auth)
    assert (await resp.json())["kiosk_id"] == "k7"
    body = sale()
    del body["kiosk_id"]
    order = await (await client.raw.post("/edge/checkout", json=body, headers=auth)).json()
    assert order["order_uuid"] == f"k7:{body['idempotency_key']}"
    await client.post("/edge/checkout", json=sale("k8"))  # another kiosk's sale
    mine = await (await client.raw.get("/edge/orders", headers=auth)).json()
    assert [o["kiosk_id"] for o in mine["orders"]] == ["k7"]


async def test_open_routes_need_no_credential(client):
    for path in ("/health", "/docs", "/docs/init.js", "/openapi.json", "/signin", "/signin.js",
                 "/static/swagger/swagger-ui.css"):
        assert (await client.raw.get(path)).status == 200, path


async def test_re_enrolling_a_kiosk_rotates_its_token(client):
    old = await client.token("k1")
    resp = await client.post("/admin/kiosks/k1/enrol")
    new = (await resp.json())["token"]
    assert (await resp.json())["signin_path"].startswith("/signin#token=")
    check = {"json": {"central_link_up": True}}
    assert (await client.raw.post("/edge/heartbeat", headers={
        "Authorization": f"Bearer {new}"}, **check)).status == 200
    assert (await client.raw.post("/edge/heartbeat", headers={
        "Authorization": f"Bearer {old}"}, **check)).status == 401
    resp = await client.post("/admin/kiosks/k1/revoke")
    assert (await resp.json()) == {"revoked": 1}
    assert (await client.raw.post("/edge/heartbeat", headers={
        "Authorization": f"Bearer {new}"}, **check)).status == 401


async def sign_in(client, token, **headers):
    return await client.raw.post("/auth/session", json={"token": token}, headers=headers)


async def test_a_browser_signs_in_once_and_keeps_a_strict_session_cookie(client):
    token = await client.token("k1")
    resp = await sign_in(client, token)
    assert resp.status == 200
    assert (await resp.json())["role"] == "kiosk"
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    assert token not in cookie
    own = str(client.raw.make_url("")).rstrip("/")
    # Same-origin writes with the cookie work; the cookie jar of the client carries it.
    resp = await client.raw.post("/edge/heartbeat", json={"central_link_up": True},
                                 headers={"Origin": own})
    assert resp.status == 200
    # A page on another site cannot use the cookie to write, nor write without an origin.
    for headers in ({"Origin": "http://evil.example"}, {}):
        resp = await client.raw.post("/edge/checkout", json=sale("k1"), headers=headers)
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "cross_site_request"
    # Reads need no origin; signing out ends the session.
    assert (await client.raw.get("/edge/orders")).status == 200
    assert (await client.raw.delete("/auth/session", headers={"Origin": own})).status == 200
    assert (await client.raw.get("/edge/orders")).status == 401


async def test_a_bad_sign_in_is_refused_and_audited(client):
    resp = await sign_in(client, "aoc_0000_wrong")
    assert resp.status == 401
    resp = await sign_in(client, await client.token("k1"), Origin="http://evil.example")
    assert resp.status == 403
    events = (await (await client.get("/admin/audit")).json())["events"]
    assert [e["action"] for e in events if e["action"].startswith("sign_in")] == [
        "sign_in_failed"]


async def test_revoking_a_credential_ends_its_browser_sessions(client):
    token = await client.token("k1")
    await sign_in(client, token)
    assert (await client.raw.get("/edge/orders")).status == 200
    await client.post("/admin/kiosks/k1/revoke")
    assert (await client.raw.get("/edge/orders")).status == 401


async def test_every_answer_carries_the_hardening_headers(client):
    for resp in (await client.raw.get("/docs"), await client.raw.get("/health"),
                 await client.raw.get("/edge/orders"), await client.raw.get("/nope")):
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1] \
            .split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"


async def test_a_checkout_burst_is_throttled_per_credential(make_client, settings, clock):
    limited = replace(settings, rate_limits="on", checkout_burst=5, checkout_rate_per_s=0.5)
    client = await make_client(create_app(limited, clock=clock))
    statuses = [(await client.post("/edge/checkout", json=sale("k1"))).status for _ in range(8)]
    assert statuses == [201] * 5 + [429] * 3
    resp = await client.post("/edge/checkout", json=sale("k1"))
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
    assert (await resp.json())["error"]["code"] == "too_many_requests"
    # Another kiosk's credential has its own budget.
    assert (await client.post("/edge/checkout", json=sale("k2"))).status == 201
    orders = (await (await client.get("/edge/orders")).json())["orders"]
    assert len(orders) == 6


async def test_operator_actions_are_in_the_append_only_audit_trail(client, settings):
    await heartbeat(client, "k1", link_up=True)
    await client.post("/edge/sync", json={"kiosk_id": "k1"})
    await client.post("/admin/kiosks/k9/enrol")
    await client.post("/admin/kiosks/k9/revoke")
    await client.raw.get("/edge/orders", headers={"Authorization": "Bearer aoc_abc_def"})
    events = (await (await client.get("/admin/audit")).json())["events"]
    actions = [(e["action"], e["target"]) for e in events]
    for expected in [("forced_sync", "k1"), ("enrol_kiosk", "k9"), ("revoke_kiosk", "k9"),
                     ("auth_failed", "/edge/orders")]:
        assert expected in actions
    operator = [e["actor"] for e in events if e["action"] == "forced_sync"][0]
    assert operator.startswith("operator:")
    with open_file(settings, EDGE_DB) as conn:
        for statement in ("UPDATE audit_events SET actor = 'nobody'", "DELETE FROM audit_events"):
            with pytest.raises(DatabaseError, match="append-only"):
                conn.execute(statement)


async def test_the_spec_documents_the_security_scheme(client):
    spec = await (await client.raw.get("/openapi.json")).json()
    assert spec["securityDefinitions"]["bearer"]["in"] == "header"
    checkout = spec["paths"]["/edge/checkout"]["post"]
    assert checkout["security"] == [{"bearer": []}]
    assert {"401", "403", "429"} <= set(checkout["responses"])
    assert "Roles: kiosk." in checkout["description"]
    assert "security" not in spec["paths"]["/health"]["get"]
    assert json.dumps(spec).count("Roles:") >= 12
