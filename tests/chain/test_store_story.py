"""A store's story in a chain, with real processes over real HTTP: sales made while the
store's link is down wait at its edge; when the link comes back the edge delivers them,
signed, to head office on PostgreSQL, which holds each once, with the batch and key that
vouched for it; the edge reads them back from head office."""
import asyncio

import pytest

from reliability.edge_process import Edge, EdgeDied, free_port, run_command
from reliability.hq_process import HeadOffice
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


async def test_two_stores_whose_kiosks_share_ids_stay_apart(tmp_path, head_office, postgres):
    edges = [head_office.chain_edge(tmp_path / store, store) for store in ("store-a", "store-b")]
    for edge in edges:
        await asyncio.to_thread(edge.start)
    try:
        sold = {}
        for edge, store in zip(edges, ("store-a", "store-b"), strict=True):
            await beat(edge, "kiosk-1", link_up=True)
            sold[store] = await sell(edge, "kiosk-1", 2)

        async def both_there():
            return len(await held_at_hq(postgres)) == 4
        await until(both_there)
        for edge, store in zip(edges, ("store-a", "store-b"), strict=True):
            rows = await held_at_hq(postgres, store)
            assert [row["order_uuid"] for row in rows] == sold[store]
            assert {row["kiosk_id"] for row in rows} == {"kiosk-1"}
            status, page = await acall(f"{edge.url}/central/orders",
                                       token=edge.token("operator"))
            assert [o["order_uuid"] for o in page["orders"]] == sold[store]
        token = head_office.token("hq-dashboard")
        status, stores = await acall(f"{head_office.url}/hq/v1/stores", token=token)
        assert status == 200
        assert {s["store_id"]: s["orders"] for s in stores["stores"]} == {
            "store-a": 2, "store-b": 2}
        assert "Result: ok" in head_office.hq("verify-ledger")
    finally:
        for edge in edges:
            await asyncio.to_thread(edge.stop)


async def test_head_office_on_its_embedded_sqlite_default(tmp_path):
    head_office = HeadOffice(tmp_path)   # no database: SQLite in its data dir
    await asyncio.to_thread(head_office.start)
    edge = head_office.chain_edge(tmp_path / "store-a", "store-a")
    await asyncio.to_thread(edge.start)
    try:
        await beat(edge, "kiosk-1", link_up=True)
        sold = await sell(edge, "kiosk-1", 3)
        token = head_office.token("hq-operator")

        async def all_there():
            status, page = await acall(f"{head_office.url}/hq/v1/orders?store_id=store-a",
                                       token=token)
            return status == 200 and [o["order_uuid"] for o in page["orders"]] == sold
        await until(all_there)
        assert (head_office.data_dir / "central_hq.db").exists()
        assert not (edge.data_dir / "central_hq.db").exists()   # the store keeps none
        assert "Result: ok" in head_office.hq("verify-ledger")
    finally:
        await asyncio.to_thread(edge.stop)
        await asyncio.to_thread(head_office.stop)


async def test_a_store_whose_head_office_does_not_answer_sells_on(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"   # nothing listens there
    data = tmp_path / "store-a"
    data.mkdir()
    edge = Edge(data, {"CHECKOUT_STORE_ID": "store-a", "CHECKOUT_CENTRAL_URL": closed,
                       "CHECKOUT_CENTRAL_CONNECT_TIMEOUT_S": "1"})
    edge.store_key()
    await asyncio.to_thread(edge.start)
    try:
        await beat(edge, "kiosk-1", link_up=True)
        sold = await sell(edge, "kiosk-1", 2)
        status, health = await acall(f"{edge.url}/health")
        assert (status, health["edge"], health["central"]) == (200, "ok", "unreachable")
        status, overview = await acall(f"{edge.url}/dashboard/overview",
                                       token=edge.token("dashboard"))
        assert overview["central_order_count"] is None   # the wallboard says so
        assert overview["pending_count"] == len(sold)

        async def error_shown():
            _, kiosks = await acall(f"{edge.url}/dashboard/kiosks", token=edge.token("dashboard"))
            return kiosks["kiosks"][0]["last_sync_error"]
        assert "unreachable" in await until(error_shown)
        status, answer = await acall(f"{edge.url}/central/orders", token=edge.token("operator"))
        assert (status, answer["error"]["code"]) == (503, "central_unavailable")
    finally:
        await asyncio.to_thread(edge.stop)


async def test_a_store_in_a_chain_without_its_key_refuses_to_start(tmp_path):
    edge = Edge(tmp_path / "store-a", {"CHECKOUT_CENTRAL_URL": "http://127.0.0.1:9"})
    with pytest.raises(EdgeDied, match="store-key"):
        await asyncio.to_thread(edge.start)
