"""The store's app factory: builds everything; nothing happens at import time.

It opens, in order, the edge store (with the credentials and the audit trail), the demo
fleet, the central ledger, the socket hub, the wallboards' feed, the price lists from head
office, the sync coroutine and (in a chain) the status reports to head office, and wires the
edge's announcements (a sale, a kiosk's change, a batch) to those that react: the metrics,
the feed, the sync and the kiosks' sockets.
"""
from aiohttp import web

from server.auth.demo import announce, enrol_demo_fleet, hand_over
from server.auth.rate_limit import RateLimiter, RateLimits
from server.auth.store import AuthStore
from server.catalog.catalog import Catalog
from server.catalog.shelf import Shelf
from server.central.bus_ledger import BusLedger
from server.central.remote_ledger import RemoteLedger
from server.central.sqlite_ledger import SqliteLedger
from server.clock import to_iso, utc_now
from server.config import Settings
from server.dashboard import metrics
from server.dashboard.prometheus import CheckoutMetrics
from server.dashboard.status_reporter import StatusReporter
from server.dashboard.store_status import StoreStatus
from server.edge.events import EdgeEvents
from server.edge.figures import EdgeFigures
from server.edge.staff import StaffPin
from server.edge.store import EdgeStore
from server.edge_app.catalog_follow import catalog_follower_ctx
from server.edge_app.keys import (
    CENTRAL_LEDGER,
    EDGE_EVENTS,
    EDGE_FIGURES,
    EDGE_STORE,
    FAULTS,
    METRICS,
    SHELF,
    STAFF_PIN,
    SYNC_WORKER,
)
from server.edge_app.pages import setup_pages
from server.edge_app.progress import push_sync_progress
from server.edge_app.refusal_follow import refusal_follower_ctx
from server.edge_app.routes import setup_routes
from server.edge_app.spec import setup_store_docs
from server.faults import Faults
from server.hub.dashboard_feed import DashboardFeed
from server.service import keep_credentials, new_service_app, socket_hub_ctx
from server.sync.worker import SyncWorker
from server.web.keys import AUTH_STORE, CLOCK, DASHBOARD_FEED, SETTINGS, SOCKET_HUB


async def edge_store_ctx(app: web.Application):
    """Open the edge store first: nothing may run without it (nor with the wrong key)."""
    settings = app[SETTINGS]
    store = EdgeStore(settings.edge_db_path, settings.sqlite_busy_timeout_ms,
                      settings.database_key())
    app[EDGE_STORE] = await store.open()
    app[EDGE_FIGURES] = EdgeFigures(store.db)
    failures = keep_credentials(app, AuthStore(store.db))
    failures.on_failure.append(app[METRICS].on_auth_failure)
    per_min = settings.staff_pin_attempts_per_min  # a secret's guard: on even for load tests
    app[STAFF_PIN] = StaffPin(settings.staff_pin, RateLimiter(per_min / 60, max(1, int(per_min))),
                              app[AUTH_STORE], app[CLOCK])
    yield
    await store.close()


async def demo_fleet_ctx(app: web.Application):
    """On a fresh data dir, enrol the demo fleet and hand over where to sign in."""
    settings = app[SETTINGS]
    if settings.demo_fleet:
        issued = await enrol_demo_fleet(app[AUTH_STORE], to_iso(app[CLOCK]()))
        if issued:
            hand_over(announce(issued, settings.link_base()),
                      settings.data_path)
    yield


def load_limits(settings: Settings) -> RateLimits:
    """The per-credential load limits by name; `rate_limits = "off"` (load tests) lifts them."""
    if settings.rate_limits == "off":
        return RateLimits({})
    return RateLimits({
        "checkout": RateLimiter(settings.checkout_rate_per_s, settings.checkout_burst),
        "socket_messages": RateLimiter(settings.ws_messages_per_s, settings.ws_message_burst),
    })


async def central_ledger_ctx(app: web.Application):
    """Open the central ledger: head office over the network when `central_url` is set
    (the store keeps no central file then), its batches published to NATS JetStream when
    `central_transport` is nats; else SQLite (the embedded default)."""
    settings = app[SETTINGS]
    if settings.central_url:
        ledger = RemoteLedger(settings.central_url, settings.store_id, settings.data_path,
                              settings.central_connect_timeout_s, settings.central_timeout_s,
                              settings.central_cache_s)
        if settings.central_transport == "nats":
            ledger = BusLedger(ledger, settings.nats_url, settings.nats_subject_prefix,
                               settings.central_connect_timeout_s,
                               settings.nats_publish_timeout_s)
    else:
        ledger = SqliteLedger(settings.central_db_path, settings.sqlite_busy_timeout_ms,
                              key=settings.database_key())
    app[CENTRAL_LEDGER] = await ledger.open()
    yield
    await ledger.close()


async def dashboard_feed_ctx(app: web.Application):
    """The wallboards' feed: one computation of the metrics, pushed as deltas."""
    settings = app[SETTINGS]

    async def compute() -> dict:
        now = app[CLOCK]()
        overview = await metrics.overview(app[EDGE_FIGURES], app[CENTRAL_LEDGER], settings, now,
                                         app[SHELF])
        rows = await metrics.kiosks(app[EDGE_FIGURES], settings, now)
        return {"overview": overview, "kiosks": {row["kiosk_id"]: row for row in rows}}

    feed = DashboardFeed(compute, settings.dashboard_min_interval_s, settings.dashboard_tick_s)
    app[DASHBOARD_FEED] = feed
    await feed.start()
    yield
    await feed.stop()


async def sync_worker_ctx(app: web.Application):
    """Start the sync coroutine last and stop it first, while both stores are still open;
    wire what reacts to the edge's news and the sync's."""
    worker = SyncWorker(app[EDGE_STORE], app[CENTRAL_LEDGER], app[SETTINGS], app[CLOCK],
                        app[FAULTS])
    app[SYNC_WORKER] = worker
    wire_reactions(app, app[EDGE_EVENTS], worker)
    worker.start()
    yield
    await worker.stop()


async def status_reporter_ctx(app: web.Application):
    """In a chain, report the store's status to head office (after the sync: stopped before
    the stores and the ledger's client close under it)."""
    settings = app[SETTINGS]
    if not settings.central_url:
        yield
        return
    status = StoreStatus(app[EDGE_FIGURES], settings, clock=app[CLOCK],
                         catalog=app[SHELF].status)
    reporter = StatusReporter(status, app[CENTRAL_LEDGER].send_status,
                              settings.store_status_interval_s)
    reporter.on_sent.append(app[METRICS].on_status_sent)
    reporter.on_failed.append(app[METRICS].on_status_dropped)
    reporter.start()
    yield
    await reporter.stop()


def wire_reactions(app: web.Application, events: EdgeEvents, worker: SyncWorker) -> None:
    """After a sale, a kiosk's change or a batch: the metrics count it, the wallboards'
    feed recomputes soon, the sync drains, the kiosk hears its progress."""
    feed, counters = app[DASHBOARD_FEED], app[METRICS]
    events.sale_recorded.extend([counters.on_sale, feed.poke,
                                 lambda kiosk_id, order: worker.wake(kiosk_id)])
    events.sale_replayed.append(counters.on_replay)
    events.kiosk_changed.append(feed.poke)
    app[AUTH_STORE].on_revoked.append(feed.poke)  # a revoked kiosk leaves the wallboard now
    events.drain_wanted.append(worker.wake)
    worker.on_batch.extend([push_sync_progress(app[SOCKET_HUB]), counters.on_batch, feed.poke])
    worker.on_failure.extend([counters.on_failure, feed.poke])


def create_app(settings: Settings, clock=utc_now) -> web.Application:
    """Build the store's service for these settings; tests call this same factory."""
    app = new_service_app(settings, clock, load_limits(settings))
    app[FAULTS] = Faults(settings.fault_injection)
    app[SHELF] = Shelf(Catalog.load(settings.catalog_file or None))
    app[METRICS] = CheckoutMetrics()
    app[EDGE_EVENTS] = EdgeEvents()
    app.cleanup_ctx.extend([edge_store_ctx, demo_fleet_ctx, central_ledger_ctx, socket_hub_ctx,
                            dashboard_feed_ctx, catalog_follower_ctx, sync_worker_ctx,
                            refusal_follower_ctx, status_reporter_ctx])
    setup_routes(app)
    setup_pages(app)
    setup_store_docs(app, settings)
    return app
