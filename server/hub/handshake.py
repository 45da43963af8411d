"""What every socket shares: the handshake's Origin check, the upgrade, the read loop."""
from aiohttp import WSMsgType, web

from server.errors import CrossSiteRequest
from server.hub.connection import Connection
from server.hub.messages import error_message
from server.keys import SETTINGS

HARD_MESSAGE_CAP = 1 << 20  # aiohttp closes above this; our own, smaller limit answers first


def check_socket_origin(request: web.Request) -> None:
    """Browsers always send Origin on a socket handshake: it must be this site."""
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise CrossSiteRequest("this socket only accepts pages of this site", {"origin": origin})


async def accept_socket(request: web.Request, name: str) -> Connection:
    """Refuse a foreign Origin, upgrade, and give the socket its send queue and writer."""
    check_socket_origin(request)
    ws = web.WebSocketResponse(max_msg_size=HARD_MESSAGE_CAP, heartbeat=30.0)
    await ws.prepare(request)
    return Connection(ws, request.app[SETTINGS].ws_send_queue, name)


async def answer_messages(conn: Connection, answer) -> None:
    """Read until the socket closes, replying to each text message with `await answer(text)`."""
    async for msg in conn.ws:
        if msg.type == WSMsgType.TEXT:
            conn.send(await answer(msg.data))
        elif msg.type == WSMsgType.BINARY:
            conn.send(error_message("malformed_message", "send JSON text, not binary"))
