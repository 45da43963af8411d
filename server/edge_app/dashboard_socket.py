"""GET /ws/dashboard: a wallboard's socket. A snapshot first, then coalesced deltas."""
from aiohttp import web

from server.hub.connection import Holder
from server.hub.handshake import serve_socket
from server.hub.inbound import Inbound, MessageType
from server.web.keys import DASHBOARD_FEED


async def on_snapshot_request(request: web.Request, holder: Holder, message: dict) -> dict:
    """A wallboard that saw a gap in `seq` asks for the whole state again."""
    return request.app[DASHBOARD_FEED].snapshot()


DASHBOARD_MESSAGES = Inbound({
    "snapshot_request": MessageType("dashboard_snapshot_request", on_snapshot_request),
})


async def dashboard_socket(request: web.Request) -> web.WebSocketResponse:
    """Hold one dashboard's socket until it closes, subscribed to the feed meanwhile."""
    feed = request.app[DASHBOARD_FEED]
    return await serve_socket(request, DASHBOARD_MESSAGES, "dashboard", feed=feed)
