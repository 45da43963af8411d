"""Head office's reads, people and docs: people sign in as at a store (tokens, sessions,
roles hq-operator and hq-dashboard); /docs and /openapi.json describe every route; /metrics
counts what came in."""
import re
from pathlib import Path

from server.hq.routes import ROUTES
from tests.chain.helpers import batch_body, sales_rows
from tests.chain.test_signatures import BATCHES, assert_refused

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


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
        operation = spec["paths"][path][method.lower()]
        assert operation["summary"] and any(s.startswith("4") or s.startswith("5")
                                            for s in operation["responses"]), (method, path)
        assert f"{method} {path}" in README, f"{method} {path} is missing from the README"
    docs = await (await hq_client.get("/docs")).text()
    assert "<script>" not in docs and not re.search(r"https?://", docs)
