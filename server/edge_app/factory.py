"""The application factory: builds everything; nothing happens at import time."""
import logging

from aiohttp import web

from server.auth.demo import announce, enrol_demo_fleet, hand_over
from server.auth.failures import FailureAudit
from server.auth.rate_limit import RateLimiter
from server.auth.store import AuthStore
from server.catalog.catalog import Catalog
from server.central.sqlite_ledger import SqliteLedger
from server.clock import to_iso, utc_now
from server.config import Settings
from server.dashboard import metrics
from server.dashboard.prometheus import CheckoutMetrics
from server.edge.figures import EdgeFigures
from server.edge.store import EdgeStore
from server.edge_app.keys import (
    AUTH_FAILURES,
    AUTH_STORE,
    CATALOG,
    CENTRAL_LEDGER,
    CLOCK,
    DASHBOARD_FEED,
    EDGE_FIGURES,
    EDGE_STORE,
    FAULTS,
    METRICS,
    RATE_LIMITERS,
    SETTINGS,
    SOCKET_HUB,
    SYNC_WORKER,
)
from server.edge_app.pages import setup_pages
from server.edge_app.progress import push_sync_progress
from server.edge_app.routes import setup_routes
from server.faults import Faults
from server.hub.credential_watch import CredentialWatch
from server.hub.dashboard_feed import DashboardFeed
from server.hub.hub import SocketHub
from server.sync.worker import SyncWorker
from server.web.authentication import auth_middleware
from server.web.docs import setup_docs
from server.web.envelope import error_middleware
from server.web.headers import security_headers_middleware
from server.web.plain_bodies import plain_bodies_middleware
from server.web.validation import validation_middleware

log = logging.getLogger(__name__)


async def edge_store_ctx(app: web.Application):
    """Open the edge store first: nothing may run without it."""
    settings = app[SETTINGS]
    store = EdgeStore(settings.edge_db_path, settings.sqlite_busy_timeout_ms)
    app[EDGE_STORE] = await store.open()
    app[EDGE_FIGURES] = EdgeFigures(store.db)
    app[AUTH_STORE] = AuthStore(store.db)
    app[AUTH_FAILURES] = FailureAudit(app[AUTH_STORE],
                                      settings.audit_failures_per_address_per_min,
                                      settings.audit_failures_per_min)
    app[AUTH_FAILURES].on_failure.append(app[METRICS].on_auth_failure)
    yield
    await store.close()


async def demo_fleet_ctx(app: web.Application):
    """On a fresh data dir, enrol the demo fleet and print where to sign in."""
    settings = app[SETTINGS]
    if settings.demo_fleet:
        issued = await enrol_demo_fleet(app[AUTH_STORE], to_iso(app[CLOCK]()))
        if issued:
            hand_over(announce(issued, f"http://{settings.host}:{settings.port}"),
                      settings.data_path)
    yield


def rate_limiters(settings: Settings) -> dict[str, RateLimiter]:
    """The per-credential limits by name. `rate_limits = "off"` (load tests) lifts the load
    limits; the staff PIN's attempt limit guards a secret and always stays."""
    per_min = settings.staff_pin_attempts_per_min
    limiters = {"staff_pin": RateLimiter(per_min / 60, max(1, int(per_min)))}
    if settings.rate_limits == "on":
        limiters["checkout"] = RateLimiter(settings.checkout_rate_per_s, settings.checkout_burst)
        limiters["socket_messages"] = RateLimiter(settings.ws_messages_per_s,
                                                  settings.ws_message_burst)
    return limiters


async def central_ledger_ctx(app: web.Application):
    """Open the central ledger (SQLite on the embedded default)."""
    settings = app[SETTINGS]
    ledger = SqliteLedger(settings.central_db_path, settings.sqlite_busy_timeout_ms)
    app[CENTRAL_LEDGER] = await ledger.open()
    yield
    await ledger.close()


async def socket_hub_ctx(app: web.Application):
    """Every socket, by who opened it: closed at once when its credential or session ends,
    and with GOING_AWAY when the service shuts down."""
    hub = SocketHub(app[SETTINGS].ws_max_sockets_per_credential)
    app[SOCKET_HUB] = hub
    app[AUTH_STORE].on_revoked.append(hub.close_credentials)
    app[AUTH_STORE].on_session_ended.append(hub.close_session)
    app.on_shutdown.append(hub.close_all)
    watch = CredentialWatch(hub, app[AUTH_STORE], app[CLOCK])
    watch.start()
    yield
    await watch.stop()


async def dashboard_feed_ctx(app: web.Application):
    """The wallboards' feed: one computation of the metrics, pushed as deltas."""
    settings = app[SETTINGS]

    async def compute() -> dict:
        now = app[CLOCK]()
        overview = await metrics.overview(app[EDGE_FIGURES], app[CENTRAL_LEDGER], settings, now)
        rows = await metrics.kiosks(app[EDGE_FIGURES], settings, now)
        return {"overview": overview, "kiosks": {row["kiosk_id"]: row for row in rows}}

    feed = DashboardFeed(compute, settings.dashboard_min_interval_s, settings.dashboard_tick_s)
    app[DASHBOARD_FEED] = feed
    await feed.start()
    yield
    await feed.stop()


async def sync_worker_ctx(app: web.Application):
    """Start the sync coroutine last and stop it first, while both stores are still open."""
    worker = SyncWorker(app[EDGE_STORE], app[CENTRAL_LEDGER], app[SETTINGS], app[CLOCK],
                        app[FAULTS])
    worker.on_batch.append(push_sync_progress(app[SOCKET_HUB]))
    worker.on_batch.append(app[METRICS].on_batch)
    worker.on_failure.append(app[METRICS].on_failure)
    worker.on_batch.append(app[DASHBOARD_FEED].poke)
    worker.on_failure.append(app[DASHBOARD_FEED].poke)
    app[SYNC_WORKER] = worker
    worker.start()
    yield
    await worker.stop()


def create_app(settings: Settings, clock=utc_now) -> web.Application:
    """Build the service for these settings; tests call this same factory."""
    app = web.Application(
        middlewares=[security_headers_middleware, error_middleware, plain_bodies_middleware,
                     auth_middleware, validation_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[FAULTS] = Faults(settings.fault_injection)
    app[CATALOG] = Catalog.load(settings.catalog_file or None)
    app[RATE_LIMITERS] = rate_limiters(settings)
    app[METRICS] = CheckoutMetrics()
    app.cleanup_ctx.extend([edge_store_ctx, demo_fleet_ctx, central_ledger_ctx, socket_hub_ctx,
                            dashboard_feed_ctx, sync_worker_ctx])
    setup_routes(app)
    setup_pages(app)
    setup_docs(app)
    return app
