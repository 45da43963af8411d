"""Head office's reads, people and docs: people sign in as at a store (tokens, sessions,
roles hq-operator and hq-dashboard); /docs and /openapi.json describe every route; /metrics
counts what came in."""
import base64
import datetime
import re
from pathlib import Path

from multidict import CIMultiDict

from server.chain.signing import KeyRecord, Message, verify
from server.hq.routes import ROUTES
from tests.chain.helpers import batch_body, sales_rows
from tests.chain.test_signatures import BATCHES, assert_refused

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
PAGES = {"/hq", "/hq/stores/{store_id}"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_people_read_every_store_and_stores_read_only_their_own(store, hq_client,
                                                                      operator_token):
    await store.post(BATCHES, batch_body("store-a", sales_rows(count=2)))
    resp = await hq_client.get("/hq/v1/stores", headers=bearer(operator_token))
    [row] = (await resp.json())["stores"]
    assert (row["store_id"], row["orders"], row["total_ore"]) == ("store-a", 2, 3390)
    assert [key["key_id"] for key in row["keys"]] == [store.key.key_id]
    assert row["last_received_at"]
    resp = await hq_client.get("/hq/v1/orders", headers=bearer(operator_token))
    assert [o["store_id"] for o in (await resp.json())["orders"]] == ["store-a"] * 2
    await assert_refused(await store.get("/hq/v1/stores"), 403, "forbidden")
    await assert_refused(await hq_client.get("/hq/v1/stores"), 401, "unauthorized")
    await assert_refused(await hq_client.post(BATCHES, data=b"{}", headers=bearer(
        operator_token)), 403, "forbidden")   # a person does not deliver batches


async def test_an_auditor_reads_each_batch_as_it_came_and_verifies_it(store, hq_client,
                                                                       operator_token):
    bodies = [batch_body("store-a", sales_rows(count=2)),
              batch_body("store-a", sales_rows("kiosk-2", count=1))]
    for body in bodies:
        await store.post(BATCHES, body)
    first = await hq_client.get("/hq/v1/stores/store-a/batches?limit=1",
                                headers=bearer(operator_token))
    page = await first.json()
    rest = await (await hq_client.get(f"/hq/v1/stores/store-a/batches?after={page['next']}",
                                      headers=bearer(operator_token))).json()
    batches = page["batches"] + rest["batches"]
    assert [base64.b64decode(b["body"]) for b in batches] == bodies and rest["next"] is None
    proof = batches[0]
    headers = CIMultiDict({"Content-Type": "application/json", **{
        name: proof[key] for name, key in (("Content-Digest", "content_digest"), (
            "Signature-Input", "signature_input"), ("Signature", "signature"))}})
    key = KeyRecord("store-a", store.key.key_id, store.key.public_key)
    verified = verify(Message("POST", store.url(BATCHES), headers), bodies[0], key,
                      datetime.datetime.fromisoformat(proof["received_at"]), 300)
    assert (verified.store_id, proof["key_id"], proof["rows"]) == ("store-a", key.key_id, 2)
    orders = (await (await hq_client.get("/hq/v1/orders", headers=bearer(
        operator_token))).json())["orders"]
    assert [o["batch_id"] for o in orders] == [batches[0]["batch_id"]] * 2 + [
        batches[1]["batch_id"]]
    await assert_refused(await store.get("/hq/v1/stores/store-a/batches"), 403, "forbidden")


async def test_a_browser_signs_in_at_head_office_as_at_a_store(hq_client, operator_token):
    resp = await hq_client.post("/auth/session", json={"token": operator_token})
    assert resp.status == 200 and (await resp.json())["role"] == "hq-operator"
    assert (await hq_client.get("/hq/v1/stores")).status == 200   # by its cookie
    page = await (await hq_client.get("/")).text()
    assert "head office" in page and "/docs" in page


async def test_metrics_count_batches_rows_and_refusals(store, hq_client, operator_token):
    body = batch_body("store-a", sales_rows(count=3))
    await store.post(BATCHES, body)
    await store.post(BATCHES, body)
    text = await (await hq_client.get("/metrics", headers=bearer(operator_token))).text()
    figures = dict(re.findall(r'^(hq_[a-z_]+(?:\{[^}]*\})?) (\S+)$', text, re.MULTILINE))
    assert figures["hq_batches_total"] == "2.0"
    assert figures['hq_rows_total{outcome="inserted"}'] == "3.0"
    assert figures['hq_rows_total{outcome="already_present"}'] == "3.0"
    assert figures["hq_ingest_seconds_count"] == "2.0"
    assert float(figures["hq_db_connections"]) >= 1


async def test_every_route_is_in_the_spec_and_the_readme(hq_client):
    spec = await (await hq_client.get("/openapi.json")).json()
    for method, path, _, _, _ in ROUTES:
        if path.startswith(("/signin",)):
            continue
        assert f"{method} {path}" in README, f"{method} {path} is missing from the README"
        if path.startswith("/ws/") or path in PAGES:
            continue  # Swagger 2.0 cannot describe a socket, and pages are not API
        operation = spec["paths"][path][method.lower()]
        assert operation["summary"] and any(s.startswith("4") or s.startswith("5")
                                            for s in operation["responses"]), (method, path)
    docs = await (await hq_client.get("/docs")).text()
    assert "<script>" not in docs and not re.search(r"https?://", docs)
