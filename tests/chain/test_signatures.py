"""Every way a batch can fail to prove its store: each is refused with its status and code,
writes nothing, and is counted in head office's /metrics (in this process, on a real
PostgreSQL database, over a real socket)."""
import datetime
import re

import asyncpg
import pytest

from server.chain.signing import sign
from server.chain.store_keys import create_key
from server.clock import to_iso, utc_now
from server.hq.keys import KEY_RING, STORAGE
from tests.chain.helpers import batch_body, sales_rows

BATCHES = "/hq/v1/batches"


async def written(postgres) -> tuple[int, int]:
    """(orders, batches) head office holds, read in PostgreSQL directly."""
    conn = await asyncpg.connect(postgres)
    try:
        return (await conn.fetchval("SELECT count(*) FROM central_orders"),
                await conn.fetchval("SELECT count(*) FROM hq_batches"))
    finally:
        await conn.close()


async def refusals(client, token: str, code: str) -> float:
    text = await (await client.get("/metrics", headers={
        "Authorization": f"Bearer {token}"})).text()
    match = re.search(rf'^hq_refusals_total{{code="{code}"}} (\S+)$', text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def assert_refused(resp, status: int, code: str) -> dict:
    body = await resp.json()
    assert resp.status == status, body
    assert body["error"]["code"] == code, body
    return body["error"]


async def test_a_signed_batch_is_taken_in_once(store, postgres):
    body = batch_body("store-a", sales_rows(count=3))
    resp = await store.post(BATCHES, body)
    assert resp.status == 200 and await resp.json() == {
        "inserted": 3, "already_present": 0, "refused": {}}
    resp = await store.post(BATCHES, body)   # sent again: present, and recorded again
    assert await resp.json() == {"inserted": 0, "already_present": 3, "refused": {}}
    assert await written(postgres) == (3, 2)


async def test_an_unsigned_batch_is_refused(store, hq_client, postgres, operator_token):
    body = batch_body("store-a", sales_rows())
    resp = await hq_client.post(BATCHES, data=body, headers={"Content-Type": "application/json"})
    await assert_refused(resp, 401, "unauthorized")
    resp = await hq_client.post(BATCHES, data=body, headers={
        "Signature-Input": 'store=("@method");created=1', "Signature": "store=:AAAA:"})
    await assert_refused(resp, 401, "bad_signature")
    assert await written(postgres) == (0, 0)


@pytest.mark.parametrize("spoil, code", [
    (lambda h: {**h, "Signature-Input": "not a dictionary ((("}, "bad_signature"),
    (lambda h: {**h, "Signature": "store=:" + "A" * 86 + "==:"}, "bad_signature"),
    (lambda h: {**h, "Content-Digest": "sha-256=:" + "A" * 43 + "=:"}, "bad_signature"),
    (lambda h: {k: v for k, v in h.items() if k != "Content-Digest"}, "bad_signature"),
    (lambda h: {**h, "Signature-Input": h["Signature-Input"].replace("created=", "created=1")},
     "stale_signature"),
], ids=["malformed-input", "forged-signature", "wrong-digest", "no-digest", "stale"])
async def test_a_spoiled_signature_is_refused_and_counted(store, hq_client, postgres,
                                                          operator_token, spoil, code):
    body = batch_body("store-a", sales_rows())
    headers = spoil(sign(store.key, "POST", store.url(BATCHES), body))
    resp = await hq_client.post(BATCHES, data=body, headers=headers)
    await assert_refused(resp, 401, code)
    assert await written(postgres) == (0, 0)
    assert await refusals(hq_client, operator_token, code) == 1


async def test_a_valid_signature_over_another_body_is_refused(store, hq_client, postgres):
    signed_body = batch_body("store-a", sales_rows(count=1))
    headers = sign(store.key, "POST", store.url(BATCHES), signed_body)
    other = batch_body("store-a", sales_rows(count=1, first=7))
    resp = await hq_client.post(BATCHES, data=other, headers=headers)
    error = await assert_refused(resp, 401, "bad_signature")
    assert "Content-Digest" in error["message"]
    assert await written(postgres) == (0, 0)


async def test_an_unknown_and_a_revoked_key_are_refused(store, hq_client, postgres, tmp_path,
                                                        operator_token):
    stranger = create_key(tmp_path / "stranger.pem")
    body = batch_body("store-a", sales_rows())
    await assert_refused(await store.post(BATCHES, body, key=stranger), 401, "unknown_key")
    app = hq_client.app
    await app[STORAGE].registry.revoke("store-a", store.key.key_id, to_iso(utc_now()))
    await app[KEY_RING].reload()
    error = await assert_refused(await store.post(BATCHES, body), 401, "unknown_key")
    assert error["details"]["revoked_at"]
    assert await written(postgres) == (0, 0)
    assert await refusals(hq_client, operator_token, "unknown_key") == 2


async def test_another_store_s_batch_or_read_is_refused(store, hq_client, postgres,
                                                        operator_token):
    body = batch_body("store-b", sales_rows())
    await assert_refused(await store.post(BATCHES, body), 403, "store_mismatch")
    await assert_refused(await store.get("/hq/v1/orders?store_id=store-b"), 403,
                         "store_mismatch")
    await assert_refused(await store.get("/hq/v1/stores/store-b/totals"), 403,
                         "store_mismatch")
    assert await written(postgres) == (0, 0)
    assert await refusals(hq_client, operator_token, "store_mismatch") == 3


async def test_a_store_reads_its_own_sales_with_a_signed_get(store, hq_client):
    await store.post(BATCHES, batch_body("store-a", sales_rows(count=2)))
    resp = await store.get("/hq/v1/orders?store_id=store-a&limit=1")
    page = await resp.json()
    assert resp.status == 200 and len(page["orders"]) == 1 and page["next"]
    assert page["orders"][0]["store_id"] == "store-a"
    resp = await store.get("/hq/v1/stores/store-a/totals")
    assert (await resp.json())["totals"] == [
        {"kiosk_id": "kiosk-1", "business_day": "2026-12-03", "orders": 2, "total_ore": 3390}]
    # A signed GET of another path or query than the one signed fails.
    headers = sign(store.key, "GET", store.url("/hq/v1/orders?store_id=store-a"))
    resp = await hq_client.get("/hq/v1/orders?store_id=store-a&limit=5", headers=headers)
    await assert_refused(resp, 401, "bad_signature")


@pytest.mark.parametrize("seconds", [-400, 400], ids=["made-400-s-ago", "made-400-s-ahead"])
async def test_a_signature_made_too_far_from_head_office_s_clock_is_stale(store, hq_client,
                                                                          postgres, seconds):
    body = batch_body("store-a", sales_rows())
    made = utc_now() + datetime.timedelta(seconds=seconds)
    headers = sign(store.key, "POST", store.url(BATCHES), body, now=made)
    error = await assert_refused(await hq_client.post(BATCHES, data=body, headers=headers), 401,
                                 "stale_signature")
    assert error["details"]["max_age_s"] == 300
    assert await written(postgres) == (0, 0)
