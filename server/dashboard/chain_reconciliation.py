"""A store's sales as it last reported them beside what head office holds, per kiosk and
business day, with the verdict in words.

The two sides are not read at one instant: head office may already hold sales the store
reported a moment ago as not yet sent, and the store holds sales it has not sent at all. So
a kiosk-day, as (orders, öre) pairs:
- "match": head office == the store's synced == the store's all;
- "waiting": head office == synced < all (the store holds the rest, safe, not yet sent);
- "in flight": synced < head office <= all (sent after the report, or on their way);
- "differs": anything else (head office lacks a sale the store delivered, or holds one the
  store does not).
"""
from collections.abc import Iterable

# Worst first: a store's verdict is its worst kiosk-day's.
VERDICTS = ("differs", "waiting", "in_flight", "match")


def _le(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[0] and a[1] <= b[1]


def verdict(hq: tuple[int, int], synced: tuple[int, int], every: tuple[int, int]) -> str:
    """The verdict on one kiosk-day: head office's, the store's synced and the store's all,
    each (orders, total_ore)."""
    if hq == synced == every:
        return "match"
    if hq == synced and _le(synced, every):
        return "waiting"
    if hq != synced and _le(synced, hq) and _le(hq, every):
        return "in_flight"
    return "differs"


def words(code: str, waiting: int) -> str:
    """The verdict as people read it."""
    if code == "waiting":
        return f"{waiting} waiting at the store"
    return {"match": "match", "in_flight": "in flight", "differs": "differs"}[code]


def reconcile(reported: Iterable[dict], held: Iterable[dict]) -> list[dict]:
    """Per kiosk and business day the store reported: its totals (`reported`: the report's
    `totals`) beside head office's (`held`: {kiosk_id, business_day, orders, total_ore} of
    this store), with the verdict. A kiosk-day head office holds on a day the store
    reported, of a kiosk the store did not name, is compared with nothing (so: differs)."""
    store = {(t["kiosk_id"], t["business_day"]): t for t in reported}
    days = {day for _, day in store}
    hq = {(h["kiosk_id"], h["business_day"]): h for h in held if h["business_day"] in days}
    rows = []
    for kiosk_id, day in sorted(store.keys() | hq.keys(), key=lambda k: (k[1], k[0])):
        mine = store.get((kiosk_id, day), {})
        every = (mine.get("orders", 0), mine.get("total_ore", 0))
        synced = (mine.get("synced_orders", 0), mine.get("synced_total_ore", 0))
        theirs = hq.get((kiosk_id, day), {})
        held_here = (int(theirs.get("orders", 0)), int(theirs.get("total_ore", 0)))
        code = verdict(held_here, synced, every)
        rows.append({"kiosk_id": kiosk_id, "business_day": day,
                     "store": {"orders": every[0], "total_ore": every[1],
                               "synced_orders": synced[0], "synced_total_ore": synced[1]},
                     "hq": {"orders": held_here[0], "total_ore": held_here[1]},
                     "verdict": code, "words": words(code, every[0] - synced[0])})
    return rows


def store_verdict(rows: list[dict]) -> str | None:
    """The store's verdict: its worst kiosk-day's (None when it reported no totals)."""
    found = {row["verdict"] for row in rows}
    return next((code for code in VERDICTS if code in found), None)
