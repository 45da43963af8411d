"""GET /ws/kiosk: a kiosk's persistent socket. It heartbeats; the edge acks and pushes progress.

The auth middleware has already identified the kiosk (bearer token or session cookie); here
the handshake refuses a foreign Origin, and each message is size-checked, rate-limited per
credential and validated against its schema. A bad message gets an error reply; the socket
stays open.
"""
import logging

from aiohttp import web

from server.edge.heartbeat import record_heartbeat
from server.edge_app.keys import (
    CLOCK,
    DASHBOARD_FEED,
    EDGE_STORE,
    RATE_LIMITERS,
    SETTINGS,
    SOCKET_HUB,
    SYNC_WORKER,
)
from server.hub.handshake import accept_socket, answer_messages
from server.hub.messages import MessageError, error_message, parse_message
from server.web.identity import own_kiosk, principal_of

log = logging.getLogger(__name__)
INBOUND = {"heartbeat": "kiosk_heartbeat"}  # message type -> its schema in schema/messages


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
    token_id = principal_of(request).token_id
    conn = await accept_socket(request, f"kiosk {kiosk_id}", kiosk_id)
    try:
        await answer_messages(conn, lambda raw: _answer(request, kiosk_id, token_id, raw))
    finally:
        request.app[SOCKET_HUB].unregister(conn)
        await conn.close()
    return conn.ws
