"""What every socket shares: the handshake's Origin check, the upgrade, the read loop."""
from aiohttp import WSMsgType, web

from server.edge_app.keys import SETTINGS, SOCKET_HUB
from server.errors import CrossSiteRequest
from server.hub.connection import Connection
from server.hub.hub import Holder
from server.hub.messages import error_message
from server.web.identity import principal_of

HARD_MESSAGE_CAP = 1 << 20  # aiohttp closes above this; our own, smaller limit answers first


def check_socket_origin(request: web.Request) -> None:
    """Browsers always send Origin on a socket handshake: it must be this site."""
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise CrossSiteRequest("this socket only accepts pages of this site", {"origin": origin})


async def accept_socket(request: web.Request, name: str, kiosk_id: str | None = None):
    """Refuse a foreign Origin, upgrade, give the socket its send queue and writer, and
    register it in the hub under its caller's credential (and session, and kiosk). The
    handler unregisters it in its finally."""
    check_socket_origin(request)
    ws = web.WebSocketResponse(max_msg_size=HARD_MESSAGE_CAP, heartbeat=30.0)
    await ws.prepare(request)
    conn = Connection(ws, request.app[SETTINGS].ws_send_queue, name)
    principal = principal_of(request)
    request.app[SOCKET_HUB].register(conn, Holder(
        principal.token_id, kiosk_id, principal.session_hash, principal.session_expires_at))
    return conn


async def answer_messages(conn: Connection, answer) -> None:
    """Read until the socket closes, replying to each text message with `await answer(text)`."""
    async for msg in conn.ws:
        if msg.type == WSMsgType.TEXT:
            conn.send(await answer(msg.data))
        elif msg.type == WSMsgType.BINARY:
            conn.send(error_message("malformed_message", "send JSON text, not binary"))
