"""A store follows head office's price lists, in this process: the real edge app delivering
to the real head office app (on this test's PostgreSQL), with the edge's clock settable so
that an effective time comes without waiting for it."""
import json
from dataclasses import replace
from datetime import timedelta

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reliability.edge_process import free_port
from server.catalog.catalog import Catalog
from server.catalog.release import ReleaseRefused, document_text, open_release, sign_document
from server.central import hq_catalogs
from server.chain.store_keys import key_in_use
from server.clock import to_iso, utc_now
from server.config import Settings
from server.edge_app.factory import create_app
from server.edge_app.keys import CATALOG_FOLLOWER, SHELF
from server.hq.keys import KEY_RING, STORAGE
from tests.chain.catalog_helpers import MILK, price_list, publish
from tests.conftest import sale
from tests.test_kiosk_socket import connect, receive

BUILT_IN = Catalog.load().version


@pytest.fixture
async def edge_settings(hq_client, tmp_path) -> Settings:
    """Store store-a: its key enrolled at head office, head office's key pinned."""
    data = tmp_path / "store-a"
    key = key_in_use(data, create=True)
    hq = hq_client.app
    await hq[STORAGE].registry.enroll("store-a", key.public_text, to_iso(utc_now()))
    await hq[KEY_RING].reload()
    hq_key = await hq_catalogs.public_key(hq[STORAGE].catalogs, to_iso(utc_now()))
    # Polled by hand (poll_once) after its first look, so each step is the test's.
    return Settings(data_dir=str(data), store_id="store-a", demo_fleet=False,
                    rate_limits="off", central_url=str(hq_client.make_url("")).rstrip("/"),
                    hq_public_key=hq_key, hq_catalog_poll_s=3600)


@pytest.fixture
async def edge(make_client, edge_settings, clock):
    return await make_client(create_app(edge_settings, clock=clock))


async def catalog_version(edge) -> tuple[str, str]:
    answer = await edge.get("/catalog")
    return (await answer.json())["version"], answer.headers["ETag"]


async def test_a_price_list_takes_effect_at_its_time_and_the_kiosks_are_told(
        hq_client, edge, clock):
    ws = await connect(edge)
    quoted = await (await edge.post("/edge/quote", json={"items": [
        {"sku": MILK, "qty": 2}]})).json()           # the cart priced on the built-in prices
    release = await publish(hq_client.app, price_list(MILK=1895),
                            effective_at=clock.now + timedelta(minutes=30))
    await edge.app[CATALOG_FOLLOWER].poll_once()
    assert edge.app[SHELF].releases                  # taken, waiting for its time
    assert await catalog_version(edge) == (BUILT_IN, f'"{BUILT_IN}"')
    clock.advance(29 * 60)
    await edge.app[CATALOG_FOLLOWER].poll_once()     # nothing new; still not its time
    assert (await catalog_version(edge))[0] == BUILT_IN

    clock.advance(61)                                # the store looks every second
    message = await receive(ws)
    assert message == {"type": "catalog", "version": release["version"]}
    assert await catalog_version(edge) == (release["version"], f'"{release["version"]}"')
    assert edge.app[SHELF].status() == {"version": release["version"], "seq": 1,
                                        "refused": None}
    # A cart priced on the old prices: the existing 409, unchanged; priced anew, it sells.
    stale = await edge.post("/edge/checkout", json=sale(
        expected_total_ore=quoted["total_ore"]))
    assert stale.status == 409 and (await stale.json())["error"]["code"] == "price_changed"
    order = await (await edge.post("/edge/checkout", json=sale(expected_total_ore=3790))).json()
    assert (order["total_ore"], order["catalog_version"]) == (3790, release["version"])
    await ws.close()


async def test_a_tampered_release_is_refused_and_the_store_sells_on_even_after_a_restart(
        hq_client, edge, edge_settings, make_client, postgres, clock):
    good = await publish(hq_client.app, price_list(MILK=1795))
    clock.now = utc_now()                            # its time has come
    await edge.app[CATALOG_FOLLOWER].poll_once()
    assert edge.app[SHELF].seq == 1
    kept = edge_settings.data_path / "hq_catalogs.json"
    assert kept.stat().st_mode & 0o777 == 0o600       # kept for the service's user only
    bad = await publish(hq_client.app, price_list(MILK=1))
    conn = await asyncpg.connect(postgres)
    try:
        await conn.execute("UPDATE catalog_versions SET document = replace(document,"
                           " '\"price_ore\":1,', '\"price_ore\":2,') WHERE seq = $1", bad["seq"])
    finally:
        await conn.close()
    await edge.app[CATALOG_FOLLOWER].poll_once()
    assert (await catalog_version(edge))[0] == good["version"]
    overview = await (await edge.get("/dashboard/overview")).json()
    assert overview["catalog_refused"]["seq"] == 2
    assert overview["catalog_refused"]["reason"] == "bad_signature"
    audit = await (await edge.get("/admin/audit")).json()
    refused = [e for e in audit["events"] if e["action"] == "catalog_refused"]
    assert refused[-1]["target"] == "2" and refused[-1]["actor"] == "head-office"
    assert "catalog_refusals_total 1.0" in await (await edge.get("/metrics")).text()

    # Restarted while head office does not answer: it sells on from what it kept.
    await edge.close()
    away = replace(edge_settings, central_url=f"http://127.0.0.1:{free_port()}",
                   central_connect_timeout_s=0.5)
    again = await make_client(create_app(away, clock=clock))
    assert (await catalog_version(again))[0] == good["version"]
    assert again.app[SHELF].seq == 1


def test_a_release_is_opened_only_when_it_is_what_head_office_signed():
    hq_key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    catalog = Catalog.load()
    document = document_text(7, catalog, to_iso(utc_now()), to_iso(utc_now()))
    assert open_release(document, sign_document(hq_key, document), hq_key.public_key()).seq == 7

    def refusal(text: str, key=hq_key) -> str:
        with pytest.raises(ReleaseRefused) as refused:
            open_release(text, sign_document(key, text), hq_key.public_key())
        return refused.value.reason
    assert refusal(document, other) == "bad_signature"
    data = json.loads(document)
    assert refusal(json.dumps({**data, "version": "0" * 16})) == "version_mismatch"
    data["items"][0]["price_ore"] = 0
    assert refusal(json.dumps(data)) == "invalid_items"
    assert refusal(json.dumps({**data, "effective_at": "tomorrow"})) == "malformed_document"
