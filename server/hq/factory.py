"""Head office's app factory: builds everything; nothing happens at import time.

It opens its storage (the ledger, the register of stores and keys, the credentials: on
PostgreSQL, or SQLite in its data dir), then the socket hub shared parts need; it takes
signed requests (a KeyRing over the register) and people's tokens alike.
"""
from aiohttp import web

from server.auth.rate_limit import RateLimits
from server.central import hq_catalogs
from server.chain.registry import KeyRing
from server.clock import to_iso, utc_now
from server.config import HqSettings
from server.faults import Faults
from server.hq import board_schemas, schemas, status_schemas
from server.hq.board import board_feed_ctx
from server.hq.gate import IngestGate, ingest_gate_middleware
from server.hq.keys import (
    HQ_FAULTS,
    HQ_METRICS,
    HQ_PUBLIC_KEY,
    INGEST_GATE,
    KEY_RING,
    LEDGER,
    STORAGE,
)
from server.hq.metrics import HqMetrics
from server.hq.routes import setup_routes
from server.hq.signatures import signature_checker
from server.hq.status_views import status_size_middleware
from server.hq.storage import open_storage
from server.hq.transit_watch import transit_watch_ctx
from server.service import keep_credentials, new_service_app, socket_hub_ctx
from server.web import order_answers
from server.web.docs import setup_docs
from server.web.keys import CLOCK, SETTINGS, SIGNATURES

DESCRIPTION = (
    "Head office of a chain: every store's sales, taken in as batches each store signs with "
    "its own Ed25519 key (RFC 9421), exactly once, with the proof of every batch kept. "
    "Money is integer öre (SEK)."
)


async def storage_ctx(app: web.Application):
    """Open head office's storage first: nothing runs without it."""
    settings = app[SETTINGS]
    storage = await open_storage(settings)
    app[STORAGE], app[LEDGER] = storage, storage.ledger
    # Made on first need; read once, as every store's poll shows it.
    app[HQ_PUBLIC_KEY] = await hq_catalogs.public_key(storage.catalogs, to_iso(app[CLOCK]()))
    failures = keep_credentials(app, storage.auth)
    failures.on_failure.append(lambda audited: app[HQ_METRICS].refused("unauthorized"))
    app[KEY_RING] = ring = KeyRing(storage.registry)
    app[SIGNATURES] = signature_checker(ring, app[HQ_METRICS], app[CLOCK],
                                        settings.hq_signature_max_age_s)
    yield
    await storage.close()


def create_hq_app(settings: HqSettings, clock=utc_now) -> web.Application:
    """Build head office's service for these settings; tests call this same factory."""
    app = new_service_app(settings, clock, RateLimits({}),
                          (ingest_gate_middleware, status_size_middleware))
    app[HQ_METRICS] = HqMetrics(clock)
    app[HQ_FAULTS] = Faults(settings.fault_injection)
    app[INGEST_GATE] = IngestGate(settings.hq_max_concurrent_batches,
                                  settings.hq_max_ingest_bytes, settings.max_body_bytes,
                                  settings.hq_busy_retry_after_s)
    app.cleanup_ctx.extend([storage_ctx, socket_hub_ctx, transit_watch_ctx, board_feed_ctx])
    setup_routes(app)
    setup_docs(app, "Always-On Checkout · head office", DESCRIPTION,
               (schemas, status_schemas, board_schemas, order_answers))
    return app
