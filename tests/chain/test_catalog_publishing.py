"""Head office publishes price lists: a bad file is refused with every problem named and
nothing stored; a good one is signed, and stores read the versions after the one they hold
(the one in force and those to come) with a signed GET."""
import asyncio
import json
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.catalog.catalog import Catalog, Product
from server.catalog.release import open_release
from server.chain.store_keys import decode_public_key, encode_public_key
from server.cli.hq import main as hq_main
from server.clock import to_iso, utc_now
from server.hq.keys import STORAGE
from tests.chain.catalog_helpers import MILK, price_list, publish


async def run_hq(*argv: str) -> int:
    """`python -m server hq ARGV...` in this process (on a thread: it runs its own loop)."""
    return await asyncio.to_thread(hq_main, list(argv))


async def read_catalogs(hq_client, token: str, after: int = 0) -> dict:
    answer = await hq_client.get(f"/hq/v1/catalogs?after={after}",
                                 headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200, await answer.text()
    return await answer.json()


async def test_a_bad_file_is_refused_with_every_problem_and_nothing_is_stored(
        hq_client, operator_token, postgres, tmp_path, capsys, monkeypatch):
    data = price_list(MILK=0)
    items = data["items"]
    items[1]["price_ore"] = -100                       # negative
    items[2]["sku"] = "7318159390021"                  # a wrong check digit
    items[3]["vat_rate"] = 7                           # not a Swedish rate
    items[4]["sku"] = items[5]["sku"]                  # the same SKU twice
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert await run_hq("publish-catalog", str(bad), "--database", postgres) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[1:] == [
        f"items[0] ({MILK}): price_ore must be a positive integer",
        f"items[1] ({items[1]['sku']}): price_ore must be a positive integer",
        "items[2] (7318159390021): is not a valid EAN-13",
        f"items[3] ({items[3]['sku']}): vat_rate must be one of (6, 12, 25)",
        f"sku {items[5]['sku']} is held by 2 items"], lines

    bad.write_text('{"items": [')
    assert await run_hq("publish-catalog", str(bad), "--database", postgres) == 1
    assert "not valid JSON" in capsys.readouterr().err
    good = tmp_path / "good.json"
    good.write_text(json.dumps(price_list()))
    monkeypatch.setenv("CHECKOUT_HQ_MAX_CATALOG_BYTES", "1000")
    assert await run_hq("publish-catalog", str(good), "--database", postgres) == 1
    assert "more than the 1000 allowed (hq_max_catalog_bytes)" in capsys.readouterr().err
    assert (await read_catalogs(hq_client, operator_token))["catalogs"] == []


async def test_a_store_reads_what_is_in_force_and_what_is_to_come(
        hq_client, store, operator_token, postgres, tmp_path, capsys):
    good = tmp_path / "prices.json"
    good.write_text(json.dumps(price_list(MILK=1795)))
    assert await run_hq("publish-catalog", str(good), "--database", postgres) == 0
    version = capsys.readouterr().out.strip().splitlines()[-1]
    now = utc_now()
    second = await publish(hq_client.app, price_list(MILK=1895))   # in force from now
    future = await publish(hq_client.app, price_list(MILK=1995), now + timedelta(hours=1))
    later = await publish(hq_client.app, price_list(MILK=2095), now + timedelta(hours=2))

    answer = await (await store.get("/hq/v1/catalogs?after=0")).json()   # signed by the store
    assert [c["seq"] for c in answer["catalogs"]] == [2, 3, 4]   # seq 1 is superseded
    assert await run_hq("public-key", "--database", postgres) == 0
    assert answer["public_key"] == capsys.readouterr().out.strip().splitlines()[-1]
    key = decode_public_key(answer["public_key"])
    for entry, row in zip(answer["catalogs"], (second, future, later), strict=True):
        release = open_release(entry["document"], entry["signature"], key)
        assert (release.seq, release.version) == (row["seq"], entry["version"])
        assert entry["document"] == row["document"] and entry["effective_at"] == row[
            "effective_at"]
    assert release.catalog.get(MILK).price_ore == 2095
    # The version printed is the one the store's Catalog computes for those items.
    assert version == Catalog([Product(**i) for i in price_list(MILK=1795)["items"]]).version
    assert [c["seq"] for c in (await (await store.get("/hq/v1/catalogs?after=3")).json())[
        "catalogs"]] == [4]
    assert (await read_catalogs(hq_client, operator_token, after=4))["catalogs"] == []
    # Only stores and head office's people; bad queries are 422.
    assert (await hq_client.get("/hq/v1/catalogs")).status == 401
    bad = await hq_client.get("/hq/v1/catalogs?after=-1",
                              headers={"Authorization": f"Bearer {operator_token}"})
    assert bad.status == 422


async def test_people_see_which_store_runs_which_version(hq_client, store, operator_token):
    first = await publish(hq_client.app, price_list(MILK=1795))
    await publish(hq_client.app, price_list(MILK=1895), utc_now() + timedelta(hours=1))
    statuses, now = hq_client.app[STORAGE].statuses, utc_now()
    await hq_client.app[STORAGE].registry.enroll("store-b", store_b_key(), to_iso(now))
    catalog = {"version": first["version"], "seq": 1, "refused": {
        "seq": 2, "reason": "bad_signature", "at": to_iso(now)}}
    await statuses.record("store-a", store.key.key_id, now, {
        "pending": {"count": 0, "oldest_at": None}, "catalog": catalog}, now)
    answer = await hq_client.get("/hq/v1/catalogs/in-use",
                                 headers={"Authorization": f"Bearer {operator_token}"})
    assert answer.status == 200
    assert await answer.json() == {
        "in_force": {"seq": 1, "version": first["version"]},
        "stores": [{"store_id": "store-a", "catalog": catalog, "reported_at": to_iso(now),
                    "up_to_date": True},
                   {"store_id": "store-b", "catalog": None, "reported_at": None,
                    "up_to_date": False}]}
    assert (await store.get("/hq/v1/catalogs/in-use")).status == 403   # people only


def store_b_key() -> str:
    """A public key for a second store, enrolled but never heard from."""
    return encode_public_key(Ed25519PrivateKey.generate().public_key())
