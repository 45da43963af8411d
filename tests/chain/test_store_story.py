"""A store's story in a chain, with real processes over real HTTP: sales made while the
store's link is down wait at its edge; when the link comes back the edge delivers them,
signed, to head office on PostgreSQL, which holds each once, with the batch and key that
vouched for it; the edge reads them back from head office."""
import asyncio

from reliability.edge_process import run_command
from tests.chain.helpers import acall, beat, held_at_hq, sell, until


async def test_offline_sales_reach_head_office_once_with_their_batch_and_key(
        tmp_path, head_office, postgres):
    edge = head_office.chain_edge(tmp_path / "store-a", "store-a")
    await asyncio.to_thread(edge.start)
    try:
        await beat(edge, "kiosk-1", link_up=False)
        sold = await sell(edge, "kiosk-1", 3)
        status, health = await acall(f"{edge.url}/health")
        assert (status, health["central"]) == (200, "ok")
        assert await held_at_hq(postgres) == []
        await beat(edge, "kiosk-1", link_up=True)

        async def all_there():
            return len(await held_at_hq(postgres)) == 3
        await until(all_there)
        rows = await held_at_hq(postgres)
        assert [row["order_uuid"] for row in rows] == sold
        key_id = run_command("store-key", "--data-dir", str(edge.data_dir)).split("key id ")[1]
        assert {(row["store_id"], row["key_id"]) for row in rows} == {
            ("store-a", key_id.split(".")[0])}
        assert all(row["batch_id"] for row in rows)
        # The edge reads its own sales back from head office (signed GETs).
        status, page = await acall(f"{edge.url}/central/orders", token=edge.token("operator"))
        assert status == 200 and [o["order_uuid"] for o in page["orders"]] == sold
        status, recon = await acall(f"{edge.url}/dashboard/reconciliation",
                                    token=edge.token("operator"))
        assert recon["all_match"] is True, recon
        # Proof after the fact.
        assert "Result: ok" in head_office.hq("verify-ledger")
    finally:
        await asyncio.to_thread(edge.stop)
