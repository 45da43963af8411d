"""Typed application keys: every shared object of the app, declared in one place."""
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from server.auth.failures import FailureAudit
from server.auth.store import AuthStore
from server.catalog.catalog import Catalog
from server.central.ledger import CentralLedger
from server.config import Settings
from server.dashboard.prometheus import CheckoutMetrics
from server.edge.figures import EdgeFigures
from server.edge.store import EdgeStore
from server.faults import Faults
from server.hub.dashboard_feed import DashboardFeed
from server.hub.hub import SocketHub
from server.sync.worker import SyncWorker

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Callable[[], datetime])
CATALOG = web.AppKey("catalog", Catalog)
EDGE_STORE = web.AppKey("edge_store", EdgeStore)
EDGE_FIGURES = web.AppKey("edge_figures", EdgeFigures)
CENTRAL_LEDGER = web.AppKey("central_ledger", CentralLedger)
SYNC_WORKER = web.AppKey("sync_worker", SyncWorker)
AUTH_STORE = web.AppKey("auth_store", AuthStore)
AUTH_FAILURES = web.AppKey("auth_failures", FailureAudit)
SOCKET_HUB = web.AppKey("socket_hub", SocketHub)
METRICS = web.AppKey("metrics", CheckoutMetrics)
DASHBOARD_FEED = web.AppKey("dashboard_feed", DashboardFeed)
RATE_LIMITERS = web.AppKey("rate_limiters", dict)
FAULTS = web.AppKey("faults", Faults)
