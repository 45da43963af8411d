"""Price lists from head office to a store, with real processes: head office on PostgreSQL
publishes with its command line, the store's edge follows (polling fast here) and sells on
the new prices; a release tampered with in head office's database is refused, and the store
keeps selling on its last good one."""
import asyncio
import json

import asyncpg

from server.catalog.catalog import Catalog
from tests.chain.catalog_helpers import price_list
from tests.chain.helpers import acall, until


async def test_a_published_price_list_reaches_the_store_and_a_tampered_one_does_not(
        tmp_path, head_office, postgres):
    hq_key = head_office.hq("public-key").splitlines()[-1]
    edge = head_office.chain_edge(tmp_path / "store-a", "store-a", {
        "CHECKOUT_HQ_PUBLIC_KEY": hq_key, "CHECKOUT_HQ_CATALOG_POLL_S": "0.2"})
    hq_token = head_office.token("hq-dashboard")

    async def at_head_office() -> dict | None:
        """What head office last heard from the store of its price list."""
        _, in_use = await acall(f"{head_office.url}/hq/v1/catalogs/in-use", token=hq_token)
        return in_use["stores"][0]["catalog"]
    await asyncio.to_thread(edge.start)
    prices = tmp_path / "prices.json"
    try:
        status, shelf = await acall(f"{edge.url}/catalog", token=edge.token("dashboard"))
        assert (status, shelf["version"]) == (200, Catalog.load().version)
        prices.write_text(json.dumps(price_list(MILK=1795)))
        version = head_office.hq("publish-catalog", str(prices)).splitlines()[-1]

        async def in_use(wanted: str) -> bool:
            _, shelf = await acall(f"{edge.url}/catalog", token=edge.token("dashboard"))
            return shelf["version"] == wanted
        await until(lambda: in_use(version), timeout=15)

        # Stopped, a new release is published and tampered with at head office.
        await asyncio.to_thread(edge.stop)
        prices.write_text(json.dumps(price_list(MILK=1895)))
        head_office.hq("publish-catalog", str(prices))
        conn = await asyncpg.connect(postgres)
        try:
            await conn.execute("UPDATE catalog_versions SET document = document || ' '"
                               " WHERE seq = 2")
        finally:
            await conn.close()
        await asyncio.to_thread(edge.start)

        async def refused() -> dict | None:
            _, overview = await acall(f"{edge.url}/dashboard/overview",
                                      token=edge.token("dashboard"))
            return overview["catalog_refused"]
        assert (await until(refused, timeout=15))["seq"] == 2
        assert await in_use(version)                  # the last good one, kept on disk
        assert "refused head office's catalog seq 2 (bad_signature)" in edge.output
        # The store's status report tells head office which list it runs, and the refusal.
        heard = await until(lambda: _refusal_heard(at_head_office), timeout=15)
        assert (heard["version"], heard["seq"], heard["refused"]["seq"]) == (version, 1, 2)
    finally:
        await asyncio.to_thread(edge.stop)


async def _refusal_heard(at_head_office) -> dict | None:
    catalog = await at_head_office()
    return catalog if catalog and catalog["refused"] else None
