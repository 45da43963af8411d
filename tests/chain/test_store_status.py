"""A store reports its status to head office: a signed report is kept as the store's latest
and read back by people and by the store; every refusal names its rule and keeps nothing
(in this process, on a real PostgreSQL database, over a real socket)."""
import datetime
import json

from server.chain.signing import sign
from server.chain.store_keys import create_key
from server.clock import to_iso, utc_now
from server.hq.keys import KEY_RING, STORAGE
from tests.chain.test_signatures import assert_refused, refusals

STATUS = "/hq/v1/status"


def status_body(store_id: str = "store-a", sent_at: datetime.datetime | None = None,
                **changes) -> dict:
    """A report as an edge sends it: two kiosks, one with a sale waiting."""
    sent = to_iso(sent_at or utc_now())
    return {"store_id": store_id, "sent_at": sent, "software_version": "0.1.0",
            "catalog": {"version": "v1", "seq": None, "refused": None},
            "fleet": {"enrolled": 2, "online": 1, "link_down": 1},
            "kiosks": [{"kiosk_id": "kiosk-1", "online": True, "link": "down",
                        "last_heartbeat": sent, "pending": 1, "last_checkout": sent},
                       {"kiosk_id": "kiosk-2", "online": False, "link": "unknown",
                        "last_heartbeat": None, "pending": 0, "last_checkout": None}],
            "pending": {"count": 1, "oldest_at": sent}, "last_sale_at": sent,
            "set_aside": 0,
            "totals": [{"kiosk_id": "kiosk-1", "business_day": sent[:10], "orders": 2,
                        "total_ore": 3390, "synced_orders": 1, "synced_total_ore": 1695}],
            **changes}


def encoded(body) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


async def held(hq_client) -> list[dict]:
    return await hq_client.app[STORAGE].statuses.latest()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_a_signed_report_is_kept_and_read_back(store, hq_client, operator_token):
    body = status_body()
    resp = await store.post(STATUS, encoded(body))
    answer = await resp.json()
    assert resp.status == 200 and answer["kept"] is True and answer["received_at"]
    resp = await hq_client.get("/hq/v1/stores/store-a/status", headers=bearer(operator_token))
    report = await resp.json()
    assert resp.status == 200, report
    assert report == {"store_id": "store-a", "key_id": store.key.key_id,
                      "sent_at": body["sent_at"], "received_at": answer["received_at"],
                      "status": body}
    resp = await store.get("/hq/v1/stores/store-a/status")   # the store reads its own
    assert (await resp.json())["status"] == body
    await assert_refused(await store.get("/hq/v1/stores/store-b/status"), 403, "store_mismatch")
    await assert_refused(await hq_client.get("/hq/v1/stores/store-b/status",
                                             headers=bearer(operator_token)), 404, "not_found")
    await assert_refused(await hq_client.get("/hq/v1/stores/store-a/status"), 401,
                         "unauthorized")
    # A newer report replaces it.
    later = status_body(sent_at=utc_now() + datetime.timedelta(seconds=1), set_aside=1)
    assert (await store.post(STATUS, encoded(later))).status == 200
    [report] = await held(hq_client)
    assert report["status"]["set_aside"] == 1


def _kiosks(count: int) -> list[dict]:
    return [{"kiosk_id": f"kiosk-{i}", "online": False, "link": "unknown",
             "last_heartbeat": None, "pending": 0, "last_checkout": None}
            for i in range(count)]


BAD_FIELDS = [  # (the body, a field its refusal names)
    (status_body(fleet={"enrolled": "3", "online": 1, "link_down": 0}), "fleet.enrolled"),
    (status_body(sent_at=None) | {"sent_at": "yesterday"}, "sent_at"),
    (status_body(last_sale_at="2026-12-03T10:00:00"), "last_sale_at"),   # no offset
    ({k: v for k, v in status_body().items() if k != "pending"}, "pending"),
    (status_body(kiosks=[{"kiosk_id": "kiosk-1", "online": 1, "link": "sideways"}]),
     "kiosks.0.link"),
    (status_body(totals=[{"kiosk_id": "kiosk-1", "business_day": "2026-13-45", "orders": -1,
                          "total_ore": 0, "synced_orders": 0, "synced_total_ore": 0}]),
     "totals.0.business_day"),
    (status_body(kiosks=_kiosks(1001)), "kiosks"),
    (status_body(surprise=True), "surprise"),
]


async def test_every_refusal_names_its_rule_and_keeps_nothing(store, hq_client,
                                                               operator_token):
    assert (await store.post(STATUS, encoded(status_body()))).status == 200
    before = await held(hq_client)
    for body, field in BAD_FIELDS:
        error = await assert_refused(await store.post(STATUS, encoded(body)), 422,
                                     "invalid_fields")
        assert field in error["details"]["fields"], (field, error)
    for body in (b'{"store_id": "store-a", ', b"[1, 2]"):
        await assert_refused(await store.post(STATUS, body), 400, "malformed_request")
    await assert_refused(await store.post(STATUS, encoded(status_body("store-b"))), 403,
                         "store_mismatch")
    ahead = utc_now() + datetime.timedelta(seconds=400)
    error = await assert_refused(await store.post(STATUS, encoded(status_body(sent_at=ahead))),
                                 422, "status_from_the_future")
    assert error["details"]["max_ahead_s"] == 300
    earlier = utc_now() - datetime.timedelta(seconds=60)
    error = await assert_refused(await store.post(STATUS, encoded(status_body(
        sent_at=earlier))), 409, "status_out_of_order")
    assert error["details"]["held_sent_at"] == before[0]["sent_at"]
    assert await held(hq_client) == before
    for code, count in (("invalid_fields", len(BAD_FIELDS)), ("malformed_request", 2),
                        ("store_mismatch", 1), ("status_from_the_future", 1),
                        ("status_out_of_order", 1)):
        assert await refusals(hq_client, operator_token, code) == count, code


async def test_a_report_over_its_own_limit_is_refused_at_the_door(store, hq_client):
    big = encoded(status_body(software_version="x" * 300_000))
    await assert_refused(await store.post(STATUS, big), 413, "request_too_large")

    async def chunks():   # no Content-Length: the limit holds over what came
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]
    signed = sign(store.key, "POST", store.url(STATUS), big)
    await assert_refused(await hq_client.post(STATUS, data=chunks(), headers=signed), 413,
                         "request_too_large")
    assert await held(hq_client) == []


async def test_an_unknown_and_a_revoked_key_are_refused(store, hq_client, tmp_path):
    body = encoded(status_body())
    stranger = create_key(tmp_path / "stranger.pem")
    await assert_refused(await store.post(STATUS, body, key=stranger), 401, "unknown_key")
    app = hq_client.app
    await app[STORAGE].registry.revoke("store-a", store.key.key_id, to_iso(utc_now()))
    await app[KEY_RING].reload()
    await assert_refused(await store.post(STATUS, body), 401, "unknown_key")
    await assert_refused(await hq_client.post(STATUS, data=body, headers={
        "Content-Type": "application/json"}), 401, "unauthorized")
    assert await held(hq_client) == []
