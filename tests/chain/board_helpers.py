"""What the chain wallboard's tests share: head office on a clock the test moves, stores
enrolled through its storage, and status reports as a store's edge sends them."""
from datetime import datetime

from server.chain.store_keys import create_key
from server.clock import business_day, to_iso
from server.hq.keys import KEY_RING, STORAGE


def status_report(store_id: str, sent_at: datetime, *, pending: int = 0, oldest=None,
                  totals=(), set_aside: int = 0, refused=None, kiosks: int = 2) -> dict:
    """A status report of the fixed shape (see server/chain/status_store.py's callers)."""
    return {
        "store_id": store_id, "sent_at": to_iso(sent_at), "software_version": "1.4.0",
        "catalog": {"version": "v7", "seq": 7, "refused": refused},
        "fleet": {"enrolled": kiosks, "online": kiosks, "link_down": 0},
        "kiosks": [{"kiosk_id": f"kiosk-{n}", "online": n != kiosks, "link": "up",
                    "last_heartbeat": to_iso(sent_at), "pending": pending if n == 1 else 0,
                    "last_checkout": to_iso(sent_at)} for n in range(1, kiosks + 1)],
        "pending": {"count": pending, "oldest_at": oldest and to_iso(oldest)},
        "last_sale_at": to_iso(sent_at), "set_aside": set_aside, "totals": list(totals)}


def kiosk_day(kiosk: str, day: str, every: int, synced: int, price: int = 1695) -> dict:
    """A report's totals row: `every` sales of one price, `synced` of them sent."""
    return {"kiosk_id": kiosk, "business_day": day, "orders": every,
            "total_ore": every * price, "synced_orders": synced,
            "synced_total_ore": synced * price}


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
