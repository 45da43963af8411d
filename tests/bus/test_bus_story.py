"""The bus's story with real processes: head office on PostgreSQL, `hq ingest` on the test's
own stream, two store edges publishing their kiosks' sales, and another system at head office
(finance, say) reading the same sales with a durable consumer of its own. Every sale ends in
the ledger once, synced at its edge, and seen by the outside system, verified with the
store's key as head office publishes it. With the ingest stopped the stores sell on and
publish (synced at the edge, not yet at head office); the ingest started again takes them,
each once."""
import asyncio
import json
import re
from collections import Counter

import asyncpg
import nats.errors

from server.bus.envelope import request_view
from server.bus.names import all_stores_subject
from server.chain.signing import KeyRecord, verify
from server.chain.store_keys import decode_public_key
from server.orders import BATCH_COLUMNS
from tests.bus import ingest_helpers as helpers
from tests.bus.ingest_helpers import consumer_made
from tests.chain.helpers import acall, beat, sell, until

STORES = ("store-a", "store-b")
KIOSKS = ("kiosk-1", "kiosk-2")
WAIT_S = 20.0  # far above what each step takes, so a broken step fails, never hangs
KEY_ID = re.compile(r'keyid="([^"]+)"')
ORDER_UUID = BATCH_COLUMNS.index("order_uuid")

ingest = helpers.ingest  # ingest processes on the test's stream, killed after


class OutsideSystem:
    """Another system at head office: a durable pull consumer of its own on `<prefix>.>`,
    which checks each message's signature with the keys head office lists and acks it."""

    def __init__(self, js, names, keys: dict[str, KeyRecord]):
        self.js, self.names, self.keys = js, names, keys
        self.seen: list[str] = []

    async def subscribe(self) -> "OutsideSystem":
        """Its consumer, made on the sales stream (as `finance` would make its own)."""
        self.sub = await self.js.pull_subscribe(all_stores_subject(self.names.prefix),
                                                durable="finance", stream=self.names.stream)
        return self

    async def read(self) -> None:
        """Take what the stream holds for it now: each message verified, its sales kept."""
        try:
            messages = await self.sub.fetch(100, timeout=0.5)
        except nats.errors.TimeoutError:
            return  # nothing new
        for message in messages:
            self.seen += self.verified_sales(message)
            await message.ack()

    def verified_sales(self, message) -> list[str]:
        """The order_uuids of a message whose signature holds for the key it names; its age
        judged when the stream took it, as head office's ingest judges it."""
        key_id = KEY_ID.search(message.headers["Signature-Input"]).group(1)
        record = self.keys[key_id]
        assert message.subject == f"{self.names.prefix}.{record.store_id}"
        verify(*request_view(message.headers, message.data), record,
               message.metadata.timestamp, 300)
        envelope = json.loads(message.data)
        assert envelope["store_id"] == record.store_id
        return [row[ORDER_UUID] for row in envelope["rows"]]

    async def saw(self, sold: set[str]) -> bool:
        """Whether it has seen every sale of `sold` (failing at once on one never sold)."""
        await self.read()
        assert set(self.seen) <= sold, set(self.seen) - sold
        return set(self.seen) == sold


async def store_keys(head_office) -> dict[str, KeyRecord]:
    """Each store's keys by key id, as another system gets them from `GET /hq/v1/stores`."""
    status, page = await acall(f"{head_office.url}/hq/v1/stores",
                               token=head_office.token("hq-dashboard"))
    assert status == 200, page
    return {key["key_id"]: KeyRecord(store["store_id"], key["key_id"],
                                     decode_public_key(key["public_key"]))
            for store in page["stores"] for key in store["keys"]}


async def ledger_counts(postgres) -> Counter:
    """How many times head office's ledger holds each order_uuid."""
    conn = await asyncpg.connect(postgres)
    try:
        return Counter(row[0] for row in await conn.fetch(
            "SELECT order_uuid FROM central_orders"))
    finally:
        await conn.close()


async def ledger_holds(postgres, sold: set[str]) -> bool:
    """Whether the ledger holds exactly `sold`, each once (failing at once on a duplicate or a
    sale never made)."""
    counts = await ledger_counts(postgres)
    assert not [uuid for uuid, n in counts.items() if n > 1], counts
    assert set(counts) <= sold, set(counts) - sold
    return set(counts) == sold


async def all_synced(edges) -> bool:
    """Whether every sale of every edge is synced (the stream acknowledged it)."""
    for edge in edges:
        status, page = await acall(f"{edge.url}/edge/orders?limit=500",
                                   token=edge.token("operator"))
        assert status == 200, page
        if {order["sync_state"] for order in page["orders"]} != {"synced"}:
            return False
    return True


async def sell_at_every_kiosk(edges, count: int) -> set[str]:
    """`count` sales at each kiosk of each store; their order_uuids."""
    sold = set()
    for edge in edges:
        for kiosk in KIOSKS:
            sold |= set(await sell(edge, kiosk, count))
    return sold


def bus_env(nats_url: str, names) -> dict:
    """The edge's settings that send its batches to the test's stream."""
    return {"CHECKOUT_CENTRAL_TRANSPORT": "nats", "CHECKOUT_NATS_URL": nats_url,
            "CHECKOUT_NATS_SUBJECT_PREFIX": names.prefix}


async def test_every_sale_reaches_the_ledger_once_and_every_other_system_through_an_outage(
        tmp_path, head_office, postgres, nats_url, js, bus_names, ingest):
    first = ingest("ingest-1")
    await until(lambda: consumer_made(js, bus_names.stream), WAIT_S)
    edges = [head_office.chain_edge(tmp_path / store, store, bus_env(nats_url, bus_names))
             for store in STORES]
    outside = await OutsideSystem(js, bus_names, await store_keys(head_office)).subscribe()
    try:
        for edge in edges:
            await asyncio.to_thread(edge.start)
        for edge in edges:
            for kiosk in KIOSKS:
                await beat(edge, kiosk, link_up=True)
        sold = await sell_at_every_kiosk(edges, 3)
        await until(lambda: ledger_holds(postgres, sold), WAIT_S)
        await until(lambda: all_synced(edges), WAIT_S)
        await until(lambda: outside.saw(sold), WAIT_S)

        # Head office's ingest goes away; the stores sell on, and the stream takes their sales.
        assert await first.stop() == 0, first.output()
        later = await sell_at_every_kiosk(edges, 2)
        await until(lambda: all_synced(edges), WAIT_S)
        await until(lambda: outside.saw(sold | later), WAIT_S)
        assert await ledger_holds(postgres, sold)  # synced at the edge, not yet at head office

        ingest("ingest-2")
        await until(lambda: ledger_holds(postgres, sold | later), WAIT_S)
        assert "Result: ok" in head_office.hq("verify-ledger")
    finally:
        for edge in edges:
            if edge.running:  # one that failed to start is not left behind either
                await asyncio.to_thread(edge.stop)
