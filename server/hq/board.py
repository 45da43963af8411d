"""The chain wallboard's sources: the stores enrolled, their latest reports, the ledger's
totals of the days that matter and head office's refusals, read together and handed to the
board's computation (server/dashboard/chain_board.py); and the feed that pushes the board to
every open /hq page, looking again when a store reports, a batch comes in or something is
refused, and every `hq_board_tick_s` (stores fall silent without saying so).

Each report is compared with head office's totals of that store as they stood when the
report came (read at once after it is kept, HeldAtReport), not as they stand at the next
look, which may be seconds later: a busy store's new sales would read as "differs"."""
import asyncio
import logging
from datetime import timedelta

from aiohttp import web

from server.clock import business_day, from_iso, to_iso
from server.config import HqSettings
from server.dashboard.chain_alerts import BoardRules, Refusals
from server.dashboard.chain_board import board_days, compute_board, judged_row
from server.dashboard.chain_reconciliation import on_the_way, reconcile
from server.dashboard.chain_series import backlog_series
from server.errors import NotFound
from server.hq.keys import HELD_AT_REPORT, HQ_METRICS, STORAGE, TRANSIT_WATCH
from server.hq.metrics import HqMetrics
from server.hub.dashboard_feed import DashboardFeed
from server.web.keys import CLOCK, DASHBOARD_FEED, SETTINGS

BOARD_PARTS = ("overview", "stores", "alerts")
log = logging.getLogger(__name__)


class HeldAtReport:
    """Per store, head office's totals on its latest report's days, read when it came."""

    def __init__(self, ledger):
        self.ledger = ledger
        self.by_store: dict[str, list[dict]] = {}
        self.on_read: list = []  # () -> None: the board may look again
        self._asked: dict[str, int] = {}  # store -> the latest read asked for it
        self._reads: set[asyncio.Task] = set()

    def report_kept(self, store_id: str, status: dict) -> None:
        """A store's report was kept: read head office's totals of its days now."""
        asked = self._asked[store_id] = self._asked.get(store_id, 0) + 1
        days = sorted({t["business_day"] for t in status.get("totals") or ()})
        read = asyncio.create_task(self._read(store_id, days, asked))
        self._reads.add(read)
        read.add_done_callback(self._reads.discard)

    async def _read(self, store_id: str, days: list[str], asked: int) -> None:
        try:
            held = await self.ledger.days_totals(days, store_id) if days else []
        except Exception:  # the board compares with the totals of the look instead
            log.exception("could not read %s's totals at its report", store_id)
            held = None
        if self._asked.get(store_id) == asked:  # a later report's read is not overwritten
            if held is None:
                self.by_store.pop(store_id, None)
            else:
                self.by_store[store_id] = held
        for listener in self.on_read:
            listener()

    async def stop(self) -> None:
        """Cancel the reads in flight."""
        for read in list(self._reads):
            read.cancel()
        await asyncio.gather(*self._reads, return_exceptions=True)


def board_rules(settings: HqSettings) -> BoardRules:
    """The board's thresholds from head office's settings."""
    return BoardRules(settings.hq_store_silent_after_s, settings.hq_alert_silent_s,
                      settings.hq_alert_backlog_s,
                      settings.hq_alert_signature_refusals_per_hour, settings.hq_timezone)


async def refusals_of(metrics: HqMetrics, storage) -> Refusals:
    """What head office refused, as the board reads it: its metrics since it started, and
    the bus's dead letters its storage counts."""
    count = metrics.signature_refusals_last_hour()
    first = metrics.signature_times[0] if count else None
    dead = {row["store_id"]: (row["dead_letters"], from_iso(row["last_at"]))
            for row in await storage.dead_letters.by_store()}
    return Refusals(dict(metrics.rows_refused), count, first, dead)


def bus_of(app: web.Application, store_ids) -> dict | None:
    """The sales in transit as the watch last saw them, the chain's and by store (None for
    a chain on HTTP alone)."""
    watch = app[TRANSIT_WATCH]
    if watch is None:
        return None
    return {"chain": watch.chain(), "stores": {s: watch.of_store(s) for s in store_ids}}


async def read_board(app: web.Application) -> dict:
    """The whole board now: {"overview", "stores", "alerts"}."""
    storage, rules, now = app[STORAGE], board_rules(app[SETTINGS]), app[CLOCK]()
    stores = [store["store_id"] for store in await storage.registry.stores()]
    reports = await storage.statuses.latest()
    held = await storage.ledger.days_totals(board_days(now, rules, reports))
    refusals = await refusals_of(app[HQ_METRICS], storage)
    return compute_board(stores, reports, held, refusals, rules, now,
                         dict(app[HELD_AT_REPORT].by_store), bus_of(app, stores))


async def read_store_board(app: web.Application, store_id: str, hours: int) -> dict:
    """One store's page: its row, its report's kiosks, its backlog over `hours`, its
    reconciliation and its alerts; NotFound for a store head office never enrolled."""
    storage, rules, now = app[STORAGE], board_rules(app[SETTINGS]), app[CLOCK]()
    if store_id not in {store["store_id"] for store in await storage.registry.stores()}:
        raise NotFound("head office has no store by this id", {"store_id": store_id})
    report = await storage.statuses.latest_of(store_id)
    days = board_days(now, rules, [report] if report else [])
    held = await storage.ledger.days_totals(days, store_id)
    compared = app[HELD_AT_REPORT].by_store.get(store_id)
    bus = bus_of(app, [store_id])
    transit = bus and bus["stores"][store_id]
    row, alerts = judged_row(store_id, report, held,
                             await refusals_of(app[HQ_METRICS], storage),
                             business_day(now, rules.timezone).isoformat(), rules, now,
                             compared, transit)
    status = (report or {}).get("status") or {}
    then = held if compared is None else compared
    since = now - timedelta(hours=hours)
    points = await storage.statuses.backlog(store_id, since)
    return {"store_id": store_id, "row": row, "kiosks": status.get("kiosks") or [],
            "catalog": status.get("catalog"), "fleet": status.get("fleet"),
            "reconciliation": reconcile(status.get("totals") or [], then, on_the_way(
                transit, held, then, report and report["received_at"])),
            "in_transit": transit,
            "backlog": backlog_series(points, since, now), "alerts": alerts,
            "timezone": rules.timezone, "generated_at": to_iso(now)}


async def board_feed_ctx(app: web.Application):
    """The chain wallboard's feed, poked by the stores' reports, the batches and refusals.
    (After the storage.)"""
    settings = app[SETTINGS]
    app[HELD_AT_REPORT] = at_report = HeldAtReport(app[STORAGE].ledger)
    feed = DashboardFeed(lambda: read_board(app), settings.hq_board_min_interval_s,
                         settings.hq_board_tick_s, BOARD_PARTS)
    app[DASHBOARD_FEED] = feed
    app[STORAGE].statuses.on_recorded.append(at_report.report_kept)  # which then pokes
    at_report.on_read.append(feed.poke)
    app[HQ_METRICS].on_change.append(feed.poke)
    if app[TRANSIT_WATCH] is not None:
        app[TRANSIT_WATCH].on_change.append(feed.poke)
    await feed.start()
    yield
    await feed.stop()
    await at_report.stop()
