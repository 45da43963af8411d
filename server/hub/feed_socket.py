"""A wallboard's socket: the app's dashboard feed's snapshot first, then its coalesced
deltas; a page that saw a gap in `seq` asks for the whole state again. The store's
/ws/dashboard and head office's /ws/hq are both this, over their own feed."""
from aiohttp import web

from server.hub.connection import Holder
from server.hub.handshake import serve_socket
from server.hub.inbound import Inbound, MessageType
from server.web.keys import DASHBOARD_FEED


async def on_snapshot_request(request: web.Request, holder: Holder, message: dict) -> dict:
    """A wallboard that saw a gap in `seq` asks for the whole state again."""
    return request.app[DASHBOARD_FEED].snapshot()


FEED_MESSAGES = Inbound({
    "snapshot_request": MessageType("dashboard_snapshot_request", on_snapshot_request),
})


def feed_socket(name: str):
    """The handler of a wallboard's socket route (`name`: how its sockets are logged)."""

    async def wallboard_socket(request: web.Request) -> web.WebSocketResponse:
        """Hold one wallboard's socket until it closes, subscribed to the feed meanwhile."""
        return await serve_socket(request, FEED_MESSAGES, name, feed=request.app[DASHBOARD_FEED])

    return wallboard_socket
