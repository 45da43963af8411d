"""A store's sales as it last reported them beside what head office holds, per kiosk and
business day, with the verdict in words.

The two sides are not read at one instant: head office may already hold sales the store
reported a moment ago as not yet sent, and the store holds sales it has not sent at all. So
a kiosk-day, as (orders, öre) pairs:
- "match": head office == the store's synced == the store's all;
- "waiting": head office == synced < all (the store holds the rest, safe, not yet sent);
- "in flight": synced < head office <= all (sent after the report, or on their way);
- "in transit" (a store on the bus): head office < synced <= all, and no more missing than
  can be on the way: the kiosk's sales the stream holds, not yet taken by the ingest
  (server.bus.transit), and those head office took since the report. A look at the stream
  older than the report cannot tell: what is missing may be on the way, and is so called
  until a look after the report (a few seconds) says otherwise;
- "differs": anything else (head office lacks a sale the store delivered, or holds one the
  store does not).
"""
import sys
from collections.abc import Callable, Iterable

from server.clock import from_iso

# Worst first: a store's verdict is its worst kiosk-day's.
VERDICTS = ("differs", "waiting", "in_transit", "in_flight", "match")


def _le(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[0] and a[1] <= b[1]


def verdict(hq: tuple[int, int], synced: tuple[int, int], every: tuple[int, int],
            in_transit: int = 0) -> str:
    """The verdict on one kiosk-day: head office's, the store's synced and the store's all,
    each (orders, total_ore); `in_transit`, the kiosk's sales the stream holds for the
    ingest (on any day)."""
    if hq == synced == every:
        return "match"
    if hq == synced and _le(synced, every):
        return "waiting"
    if hq != synced and _le(synced, hq) and _le(hq, every):
        return "in_flight"
    if _le(hq, synced) and _le(synced, every) and 0 < synced[0] - hq[0] <= in_transit:
        return "in_transit"
    return "differs"


def words(code: str, waiting: int) -> str:
    """The verdict as people read it."""
    if code == "waiting":
        return f"{waiting} waiting at the store"
    return {"match": "match", "in_flight": "in flight", "in_transit": "on the bus",
            "differs": "differs"}[code]


def on_the_way(transit: dict | None, held_now: Iterable[dict], held: Iterable[dict],
               reported_at: str | None) -> Callable[[str, str], int]:
    """How many of a kiosk-day's sales may be on their way to head office since the report:
    the kiosk's sales in transit now, and those head office took since (`held_now` beside
    `held`, its totals at the report); without a look at the stream since the report, any
    number (see the module)."""
    if transit is None:
        return lambda kiosk_id, day: 0
    looked_at = transit.get("looked_at")
    if reported_at is None or looked_at is None or from_iso(looked_at) < from_iso(reported_at):
        return lambda kiosk_id, day: sys.maxsize
    kiosks = transit.get("kiosks") or {}
    then = {(h["kiosk_id"], h["business_day"]): int(h["orders"]) for h in held}
    since = {(h["kiosk_id"], h["business_day"]): int(h["orders"]) - then.get(
        (h["kiosk_id"], h["business_day"]), 0) for h in held_now}
    return lambda kiosk_id, day: (kiosks.get(kiosk_id, {}).get("sales", 0)
                                  + max(since.get((kiosk_id, day), 0), 0))


def reconcile(reported: Iterable[dict], held: Iterable[dict],
              moving: Callable[[str, str], int] | None = None) -> list[dict]:
    """Per kiosk and business day the store reported: its totals (`reported`: the report's
    `totals`) beside head office's (`held`: {kiosk_id, business_day, orders, total_ore} of
    this store), with the verdict; `moving`, how many of a kiosk-day's may be on the bus
    (`on_the_way`). A kiosk-day head office holds on a day the store reported, of a kiosk
    the store did not name, is compared with nothing (so: differs)."""
    moving = moving or (lambda kiosk_id, day: 0)
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
        code = verdict(held_here, synced, every, moving(kiosk_id, day))
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
