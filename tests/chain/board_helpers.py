"""What the chain wallboard's tests share: head office on a clock the test moves, stores
enrolled through its storage, and status reports as a store's edge sends them."""
from datetime import datetime

from reliability.board_chain import kiosk_day, status_report
from server.chain.store_keys import create_key
from server.clock import business_day, to_iso
from server.hq.keys import KEY_RING, STORAGE

__all__ = ["kiosk_day", "status_report", "today", "enrol", "report"]


def today(clock) -> str:
    """Head office's business day now (its default time zone)."""
    return business_day(clock(), "Europe/Stockholm").isoformat()


async def enrol(app, tmp_path, *store_ids: str) -> dict:
    """Enrol stores through head office's storage (fast: no command); their keys."""
    keys = {}
    for store_id in store_ids:
        keys[store_id] = key = create_key(tmp_path / f"{store_id}.pem")
        await app[STORAGE].registry.enroll(store_id, key.public_text, to_iso(datetime.now()
                                                                             .astimezone()))
    await app[KEY_RING].reload()
    return keys


async def report(app, clock, store_id: str, **fields) -> bool:
    """A store's report as received now by head office."""
    now = clock()
    return await app[STORAGE].statuses.record(store_id, "key", now,
                                              status_report(store_id, now, **fields), now)
