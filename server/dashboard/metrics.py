"""The dashboard's metrics (DESIGN.md §6), the same for REST now and pushed deltas later."""
import logging
from datetime import UTC, datetime, timedelta

from server.catalog.shelf import Shelf
from server.central.ledger import CentralLedger
from server.clock import business_day, from_iso, to_iso
from server.config import Settings
from server.edge.figures import EdgeFigures

log = logging.getLogger(__name__)


def _age_s(since: str | None, now: datetime) -> float | None:
    return None if since is None else round((now - from_iso(since)).total_seconds(), 3)


async def overview(figures: EdgeFigures, ledger: CentralLedger, settings: Settings,
                   now: datetime, shelf: Shelf) -> dict:
    """Fleet totals: kiosks, orders and revenue, the sync backlog, the central count, the
    last journal verification and the last price list refused."""
    fleet = await figures.fleet(
        today=business_day(now, settings.store_timezone).isoformat(),
        minute_ago=to_iso(now - timedelta(minutes=1)),
        online_since=online_since(now, settings),
    )
    try:
        central_count = await ledger.order_count()
        transit = await ledger.in_transit()
    except Exception:
        log.warning("central ledger did not answer its order count", exc_info=True)
        central_count = transit = None
    fleet["checkouts_per_minute"] = fleet.pop("checkouts_last_minute")
    oldest = fleet["oldest_pending_at"]
    return {
        **fleet,
        "oldest_pending_age_s": _age_s(oldest, now),
        "central_order_count": central_count,
        # Synced over the bus, not yet in head office's ledger (None: no bus watched there).
        "in_transit": transit and transit["sales"],
        "oldest_in_transit_at": transit and transit["oldest_at"],
        "business_day": business_day(now, settings.store_timezone).isoformat(),
        "generated_at": to_iso(now),
        "journal_last_check": await figures.last_journal_check(),
        "catalog_refused": shelf.refused,
    }


def online_since(now: datetime, settings: Settings) -> str:
    """The oldest heartbeat that still makes a kiosk online (server.edge.liveness's rule)."""
    return to_iso(now - timedelta(seconds=settings.heartbeat_timeout_s))


async def kiosks(figures: EdgeFigures, settings: Settings, now: datetime) -> list[dict]:
    """Per-kiosk rows: liveness, link, backlog, sales and the last sync and its error."""
    rows = await figures.kiosk_rows(online_since(now, settings))
    for row in rows:
        row["online"] = bool(row["online"])
        row["central_link_up"] = bool(row["central_link_up"])
        row["link_forced_down"] = bool(row["link_forced_down"])
        row["oldest_pending_age_s"] = _age_s(row["oldest_pending_at"], now)
    return rows


async def history(figures: EdgeFigures, now: datetime, minutes: int) -> list[dict]:
    """The last `minutes` whole minutes up to now: checkouts in each, and the backlog of
    pending sales at its end (the current minute's as of now)."""
    first = now.astimezone(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes - 1)
    counts = await figures.minute_counts(to_iso(first))
    backlog = counts["backlog_before"]
    points = []
    for i in range(minutes):
        minute = first + timedelta(minutes=i)
        key = to_iso(minute)[:16]
        created = counts["created"].get(key, 0)
        backlog += created - counts["left"].get(key, 0)
        points.append({"minute": to_iso(minute), "checkouts": created, "pending": backlog})
    return points
