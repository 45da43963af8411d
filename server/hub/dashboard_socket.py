"""GET /ws/dashboard: a wallboard's socket. A snapshot first, then coalesced deltas."""
from aiohttp import WSMsgType, web

from server.auth.identity import principal_of
from server.hub.connection import Connection
from server.hub.kiosk_socket import HARD_MESSAGE_CAP, check_socket_origin
from server.hub.messages import MessageError, error_message, parse_message
from server.keys import DASHBOARD_FEED, RATE_LIMITERS, SETTINGS

INBOUND = {"snapshot_request": "dashboard_snapshot_request"}


def _answer(request: web.Request, token_id: str, raw: str) -> dict:
    limiter = request.app[RATE_LIMITERS].get("socket_messages")
    if limiter and limiter.retry_after(token_id) is not None:
        return error_message("rate_limited", "too many messages; this one was dropped")
    try:
        parse_message(raw, INBOUND, request.app[SETTINGS].ws_max_message_bytes)
    except MessageError as exc:
        return exc.as_message()
    return request.app[DASHBOARD_FEED].snapshot()


async def dashboard_socket(request: web.Request) -> web.WebSocketResponse:
    """Hold one dashboard's socket until it closes."""
    check_socket_origin(request)
    feed, settings = request.app[DASHBOARD_FEED], request.app[SETTINGS]
    token_id = principal_of(request).token_id
    ws = web.WebSocketResponse(max_msg_size=HARD_MESSAGE_CAP, heartbeat=30.0)
    await ws.prepare(request)
    conn = Connection(ws, settings.ws_send_queue, f"dashboard {token_id}")
    feed.subscribe(conn)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                conn.send(_answer(request, token_id, msg.data))
    finally:
        feed.unsubscribe(conn)
        await conn.close()
    return ws
