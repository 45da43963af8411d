"""A chain for head office's wallboard to show: many stores enrolled through head office's
storage (fast: no command per store), their status reports as of given times, and sales
signed as each store's edge signs its batches. The browser test and scripts/screenshots
build theirs with this.

The reports have the fixed shape a store's edge sends (its status reporter):
{"store_id", "sent_at", "software_version", "catalog", "fleet", "kiosks", "pending",
 "last_sale_at", "set_aside", "totals"}.
"""
import asyncio
import json
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.chain.store_keys import StoreKey
from server.clock import to_iso
from server.journal.chain import GENESIS, entry_hash
from server.orders import BATCH_COLUMNS

MILK = ("7318001010007", "Mellanmjölk", 1695, 12)
AT_ONCE = 16  # writes in flight together: a pool's worth, so 1,300 stores take seconds


def store_name(number: int) -> str:
    """The id of the chain's store number `number`."""
    return f"store-{number:04d}"


def status_report(store_id: str, sent_at: datetime, *, pending: int = 0, oldest=None,
                  totals=(), set_aside: int = 0, refused=None, kiosks: int = 2) -> dict:
    """A store's status report as its edge sends it."""
    return {
        "store_id": store_id, "sent_at": to_iso(sent_at), "software_version": "1.4.0",
        "catalog": {"version": "v7", "seq": 7, "refused": refused},
        "fleet": {"enrolled": kiosks, "online": kiosks - 1, "link_down": 0},
        "kiosks": [{"kiosk_id": f"kiosk-{n}", "online": n != kiosks, "link": "up",
                    "last_heartbeat": to_iso(sent_at), "pending": pending if n == 1 else 0,
                    "last_checkout": to_iso(sent_at)} for n in range(1, kiosks + 1)],
        "pending": {"count": pending, "oldest_at": oldest and to_iso(oldest)},
        "last_sale_at": to_iso(sent_at), "set_aside": set_aside, "totals": list(totals)}


def kiosk_day(kiosk: str, day: str, every: int, synced: int, price: int = MILK[2]) -> dict:
    """A report's totals row: `every` sales of one price at a kiosk, `synced` of them sent."""
    return {"kiosk_id": kiosk, "business_day": day, "orders": every,
            "total_ore": every * price, "synced_orders": synced,
            "synced_total_ore": synced * price}


def sales(kiosk: str, count: int, day: str, at: datetime) -> list[list]:
    """`count` sales of a kiosk as an honest edge stores them (batch rows, hash-chained)."""
    sku, name, price, vat = MILK
    rows, prev = [], GENESIS
    for n in range(count):
        key = f"{kiosk}-{day}-{n:05d}"
        row = {"order_uuid": f"{kiosk}:{key}", "kiosk_id": kiosk, "idempotency_key": key,
               "items_json": json.dumps([{"sku": sku, "name": name, "qty": 1,
                                          "unit_price_ore": price, "line_total_ore": price,
                                          "vat_rate": vat}]),
               "vat_json": json.dumps([{"rate": vat, "gross_ore": price, "amount_ore": 182}]),
               "total_ore": price, "payment_json": json.dumps({"method": "card",
                                                               "reference": "T-1"}),
               "catalog_version": "v7", "created_at": to_iso(at), "business_day": day,
               "prev_hash": prev}
        row["entry_hash"] = prev = entry_hash(prev, row)
        rows.append([row[name] for name in BATCH_COLUMNS])
    return rows


def batch(store_id: str, rows: list[list]) -> bytes:
    """A batch's body, as the edge sends it."""
    return json.dumps({"store_id": store_id, "rows": rows}).encode()


async def _in_chunks(writes: list) -> None:
    for start in range(0, len(writes), AT_ONCE):
        await asyncio.gather(*writes[start:start + AT_ONCE])


async def enrol_stores(storage, store_ids, at: datetime) -> dict[str, StoreKey]:
    """Enrol each store with a key of its own (kept in memory only: these stores live as
    long as their test); the keys."""
    keys = {store_id: StoreKey(Ed25519PrivateKey.generate()) for store_id in store_ids}
    await _in_chunks([storage.registry.enroll(store_id, key.public_text, to_iso(at))
                      for store_id, key in keys.items()])
    return keys


async def record_report(storage, store_id: str, received_at: datetime, **fields) -> bool:
    """A store's report, sent a moment before head office received it at `received_at`."""
    sent = received_at - timedelta(milliseconds=40)
    return await storage.statuses.record(store_id, "key", sent,
                                         status_report(store_id, sent, **fields), received_at)


async def everyday_chain(storage, count: int, now: datetime, day: str) -> dict[str, str]:
    """Reports for `count` stores (enrolled): most reporting, a few silent for minutes, some
    with sales waiting, one with sales set aside, some never heard from. Each store's
    state as meant, by id (the caller delivers sales where it wants more)."""
    meant, writes = {}, []
    for number in range(1, count + 1):
        store_id = store_name(number)
        if number % 211 == 17:
            meant[store_id] = "never_reported"
        elif number % 97 == 5:
            meant[store_id] = "silent"
            writes.append(record_report(storage, store_id,
                                        now - timedelta(minutes=3 + number % 20)))
        elif number % 31 == 3:
            meant[store_id] = "waiting"
            writes.append(record_report(storage, store_id, now, pending=1 + number % 9,
                                        oldest=now - timedelta(seconds=40 + number % 400)))
        else:
            meant[store_id] = "reporting"
            writes.append(record_report(storage, store_id, now - timedelta(seconds=number % 30),
                                        set_aside=2 if number == 7 else 0))
    await _in_chunks(writes)
    return meant
