"""What every socket shares: the handshake's Origin check, the upgrade, its place in the hub
under who opened it, the read loop that answers each message, and the close."""
from aiohttp import WSMsgType, web

from server.errors import CrossSiteRequest
from server.hub.connection import Connection
from server.hub.hub import Holder
from server.hub.inbound import Inbound
from server.hub.messages import error_message
from server.web.identity import principal_of
from server.web.keys import SETTINGS, SOCKET_HUB

HARD_MESSAGE_CAP = 1 << 20  # aiohttp closes above this; our own, smaller limit answers first


def check_socket_origin(request: web.Request) -> None:
    """Browsers always send Origin on a socket handshake: it must be this site."""
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise CrossSiteRequest("this socket only accepts pages of this site", {"origin": origin})


async def serve_socket(request: web.Request, inbound: Inbound, name: str,
                       kiosk_id: str | None = None, feed=None) -> web.WebSocketResponse:
    """Hold one socket until it closes: refuse a foreign Origin, upgrade, register it in the
    hub under its caller's credential (and session, and kiosk), subscribe it to `feed` (if
    any: something with subscribe/unsubscribe), and answer each message through `inbound`."""
    check_socket_origin(request)
    ws = web.WebSocketResponse(max_msg_size=HARD_MESSAGE_CAP, heartbeat=30.0)
    await ws.prepare(request)
    principal = principal_of(request)
    holder = Holder(principal.token_id, kiosk_id, principal.session_hash,
                    principal.session_expires_at)
    conn = Connection(ws, request.app[SETTINGS].ws_send_queue, name, holder)
    hub = request.app[SOCKET_HUB]
    hub.register(conn)
    if feed is not None:
        feed.subscribe(conn)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                conn.send(await inbound.answer(request, holder, msg.data))
            elif msg.type == WSMsgType.BINARY:
                conn.send(error_message("malformed_message", "send JSON text, not binary"))
    finally:
        if feed is not None:
            feed.unsubscribe(conn)
        hub.unregister(conn)
        await conn.close()
    return ws
