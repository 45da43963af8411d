"""While head office is down a store knocks as one store, not once per kiosk: one kiosk
probes at the backoff's pace, the others wait for it; and when head office is back every
kiosk drains at once. Counted from outside, on head office's port, by the store's key."""
import asyncio
import time

from reliability.door_counter import DoorCounter
from server.chain.store_keys import KEY_FILE, load_key
from server.sync.backoff import Backoff
from tests.chain.helpers import beat, held_at_hq, until
from tests.chain.test_faults import sell_many

KIOSKS = ("kiosk-1", "kiosk-2", "kiosk-3")
INITIAL_S, CAP_S, PARALLEL = 0.2, 1.0, 4
EDGE_ENV = {"CHECKOUT_SYNC_BACKOFF_INITIAL_S": str(INITIAL_S),
            "CHECKOUT_SYNC_BACKOFF_MAX_S": str(CAP_S),
            "CHECKOUT_SYNC_PARALLEL_KIOSKS": str(PARALLEL),
            "CHECKOUT_SYNC_SWEEP_INTERVAL_S": "0.5", "CHECKOUT_SYNC_BATCH_SIZE": "10",
            "CHECKOUT_CHECKOUT_RATE_PER_S": "1000", "CHECKOUT_CHECKOUT_BURST": "1000"}
OUTAGE_S = 4.0


async def test_a_store_knocks_as_one_while_head_office_is_down(tmp_path, head_office,
                                                              postgres):
    edge = head_office.chain_edge(tmp_path / "store-a", "store-a", EDGE_ENV)
    await asyncio.to_thread(edge.start)
    try:
        for kiosk in KIOSKS:
            await beat(edge, kiosk, link_up=True)
        sold = await sell_many(edge, 6, KIOSKS)
        await until(lambda: _holds(postgres, len(sold)))

        await asyncio.to_thread(head_office.kill)
        door = DoorCounter(head_office.port)
        await door.start()
        began = time.monotonic()
        while time.monotonic() - began < OUTAGE_S:  # every kiosk sells, and each sale wakes
            sold += await sell_many(edge, 3, KIOSKS)  # the sync for its kiosk
            await asyncio.sleep(0.1)
        await door.stop()
        outage_s = time.monotonic() - began

        knocks = door.by_key()[load_key(edge.data_dir / KEY_FILE).key_id]
        bound = PARALLEL + Backoff(INITIAL_S, CAP_S).most_attempts_within(outage_s)
        # Each kiosk backing off on its own would knock up to len(KIOSKS) times the probes.
        assert 2 <= knocks <= bound, (knocks, bound)

        await asyncio.to_thread(head_office.start)
        back = time.monotonic()
        await until(lambda: _holds(postgres, len(sold)), timeout=30)
        # Back within one capped delay (and its jitter), plus the drain itself.
        assert time.monotonic() - back < CAP_S * 1.5 + 5
    finally:
        await asyncio.to_thread(edge.stop)
    assert sorted(row["order_uuid"] for row in await held_at_hq(postgres)) == sorted(sold)


async def _holds(postgres, count: int) -> bool:
    return len(await held_at_hq(postgres)) >= count
