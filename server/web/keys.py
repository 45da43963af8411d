"""Typed keys of what both services keep on their app: the shared parts (server/web,
server/hub) read these and nothing of either service's own.

The types are named, not imported, so that declaring a key pulls in no class at run time
(aiohttp takes the type only for typing and for its repr).
"""
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from server.auth.failures import FailureAudit
    from server.auth.rate_limit import RateLimits
    from server.auth.store import AuthStore, Principal
    from server.config import ServiceSettings
    from server.hub.dashboard_feed import DashboardFeed
    from server.hub.hub import SocketHub

# Each service keeps its own settings here: a ServiceSettings, with its own fields besides.
SETTINGS: web.AppKey["ServiceSettings"] = web.AppKey("settings")
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
AUTH_STORE: web.AppKey["AuthStore"] = web.AppKey("auth_store")
AUTH_FAILURES: web.AppKey["FailureAudit"] = web.AppKey("auth_failures")
RATE_LIMITS: web.AppKey["RateLimits"] = web.AppKey("rate_limits")
SOCKET_HUB: web.AppKey["SocketHub"] = web.AppKey("socket_hub")
DASHBOARD_FEED: web.AppKey["DashboardFeed"] = web.AppKey("dashboard_feed")
# A service that takes signed requests (head office) keeps here what checks one: given the
# request and its body, the store's Principal, or the refusal.
SIGNATURES: web.AppKey[Callable[..., Awaitable["Principal"]]] = web.AppKey("signatures")
