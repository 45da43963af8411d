"""The application factory: builds everything; nothing happens at import time."""
import logging

from aiohttp import web

from server.api.docs import setup_docs
from server.api.envelope import error_middleware
from server.api.routes import setup_routes
from server.api.validation import validation_middleware
from server.catalog.catalog import Catalog
from server.central.sqlite_ledger import SqliteLedger
from server.clock import utc_now
from server.config import Settings
from server.edge.figures import EdgeFigures
from server.edge.store import EdgeStore
from server.keys import (
    CATALOG, CENTRAL_LEDGER, CLOCK, EDGE_FIGURES, EDGE_STORE, SETTINGS, SYNC_WORKER,
)
from server.sync.worker import SyncWorker

log = logging.getLogger(__name__)
EDGE_DB = "edge_store.db"
CENTRAL_DB = "central_hq.db"


async def edge_store_ctx(app: web.Application):
    """Open the edge store first: nothing may run without it."""
    settings = app[SETTINGS]
    store = EdgeStore(settings.data_path / EDGE_DB, settings.sqlite_busy_timeout_ms)
    app[EDGE_STORE] = await store.open()
    app[EDGE_FIGURES] = EdgeFigures(store.db)
    yield
    await store.close()


async def central_ledger_ctx(app: web.Application):
    """Open the central ledger (SQLite on the embedded default)."""
    settings = app[SETTINGS]
    ledger = SqliteLedger(settings.data_path / CENTRAL_DB, settings.sqlite_busy_timeout_ms)
    app[CENTRAL_LEDGER] = await ledger.open()
    yield
    await ledger.close()


async def sync_worker_ctx(app: web.Application):
    """Start the sync coroutine last and stop it first, while both stores are still open."""
    worker = SyncWorker(app[EDGE_STORE], app[CENTRAL_LEDGER], app[SETTINGS], app[CLOCK])
    app[SYNC_WORKER] = worker
    worker.start()
    yield
    await worker.stop()


def create_app(settings: Settings, clock=utc_now) -> web.Application:
    """Build the service for these settings; tests call this same factory."""
    app = web.Application(
        middlewares=[error_middleware, validation_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[CATALOG] = Catalog.load(settings.catalog_file or None)
    app.cleanup_ctx.extend([edge_store_ctx, central_ledger_ctx, sync_worker_ctx])
    setup_routes(app)
    setup_docs(app)
    return app
