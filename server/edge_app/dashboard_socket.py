"""GET /ws/dashboard: a wallboard's socket. A snapshot first, then coalesced deltas."""
from aiohttp import web

from server.edge_app.keys import DASHBOARD_FEED, RATE_LIMITERS, SETTINGS, SOCKET_HUB
from server.hub.handshake import accept_socket, answer_messages
from server.hub.messages import MessageError, error_message, parse_message
from server.web.identity import principal_of

INBOUND = {"snapshot_request": "dashboard_snapshot_request"}


async def _answer(request: web.Request, token_id: str, raw: str) -> dict:
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
    feed = request.app[DASHBOARD_FEED]
    token_id = principal_of(request).token_id
    conn = await accept_socket(request, f"dashboard {token_id}")
    feed.subscribe(conn)
    try:
        await answer_messages(conn, lambda raw: _answer(request, token_id, raw))
    finally:
        feed.unsubscribe(conn)
        request.app[SOCKET_HUB].unregister(conn)
        await conn.close()
    return conn.ws
