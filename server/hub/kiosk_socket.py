"""GET /ws/kiosk: a kiosk's persistent socket. It heartbeats; the edge acks and pushes progress.

The auth middleware has already identified the kiosk (bearer token or session cookie); here
the handshake refuses a foreign Origin, and each message is size-checked, rate-limited per
credential and validated against its schema. A bad message gets an error reply; the socket
stays open.
"""
import logging

from aiohttp import WSCloseCode, WSMsgType, web

from server.auth.identity import own_kiosk, principal_of
from server.edge.heartbeat import record_heartbeat
from server.errors import CrossSiteRequest
from server.hub.connection import Connection
from server.hub.messages import MessageError, error_message, parse_message
from server.keys import (
    CLOCK, DASHBOARD_FEED, EDGE_STORE, KIOSK_HUB, RATE_LIMITERS, SETTINGS, SYNC_WORKER,
)

log = logging.getLogger(__name__)
HARD_MESSAGE_CAP = 1 << 20  # aiohttp closes above this; our own, smaller limit answers first
INBOUND = {"heartbeat": "kiosk_heartbeat"}  # message type -> its schema in schema/messages


def check_socket_origin(request: web.Request) -> None:
    """Browsers always send Origin on a socket handshake: it must be this site."""
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise CrossSiteRequest("this socket only accepts pages of this site", {"origin": origin})


async def on_heartbeat(request: web.Request, kiosk_id: str, message: dict) -> dict:
    """The same heartbeat code as POST /edge/heartbeat, answered with an ack."""
    app = request.app
    answer = await record_heartbeat(app[EDGE_STORE], app[SYNC_WORKER], kiosk_id,
                                    message["central_link_up"], app[CLOCK]())
    app[DASHBOARD_FEED].poke()
    return {"type": "ack", "id": message.get("id"), **answer}


HANDLERS = {"heartbeat": on_heartbeat}


async def _answer(request: web.Request, kiosk_id: str, token_id: str, raw: str) -> dict:
    """The reply to one text message: its handler's answer, or an error message."""
    settings = request.app[SETTINGS]
    limiter = request.app[RATE_LIMITERS].get("socket_messages")
    wait = limiter.retry_after(token_id) if limiter else None
    if wait is not None:
        return error_message("rate_limited", "too many messages; this one was dropped",
                             {"retry_after_s": round(wait, 3)})
    try:
        message = parse_message(raw, INBOUND, settings.ws_max_message_bytes)
    except MessageError as exc:
        return exc.as_message()
    return await HANDLERS[message["type"]](request, kiosk_id, message)


async def kiosk_socket(request: web.Request) -> web.WebSocketResponse:
    """Hold one kiosk's socket until it closes."""
    kiosk_id = own_kiosk(request, request.query.get("kiosk_id"))
    check_socket_origin(request)
    settings, hub = request.app[SETTINGS], request.app[KIOSK_HUB]
    token_id = principal_of(request).token_id
    ws = web.WebSocketResponse(max_msg_size=HARD_MESSAGE_CAP, heartbeat=30.0)
    await ws.prepare(request)
    conn = Connection(ws, settings.ws_send_queue, f"kiosk {kiosk_id}")
    for old in hub.register(kiosk_id, token_id, conn):
        await old.close(WSCloseCode.POLICY_VIOLATION, b"replaced by a newer connection")
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                conn.send(await _answer(request, kiosk_id, token_id, msg.data))
            elif msg.type == WSMsgType.BINARY:
                conn.send(error_message("malformed_message", "send JSON text, not binary"))
    finally:
        hub.unregister(kiosk_id, token_id, conn)
        await conn.close()
    return ws
