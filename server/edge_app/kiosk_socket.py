"""GET /ws/kiosk: a kiosk's persistent socket. It heartbeats; the edge acks and pushes progress.

The auth middleware has already identified the kiosk (bearer token or session cookie); the
shared socket path (server/hub) refuses a foreign Origin and checks every message.
"""
from aiohttp import web

from server.edge.link import record_heartbeat
from server.edge_app.keys import EDGE_EVENTS, EDGE_STORE
from server.hub.connection import Holder
from server.hub.handshake import serve_socket
from server.hub.inbound import Inbound, MessageType
from server.web.identity import own_kiosk
from server.web.keys import CLOCK


async def on_heartbeat(request: web.Request, holder: Holder, message: dict) -> dict:
    """The same heartbeat code as POST /edge/heartbeat, answered with an ack."""
    app = request.app
    answer = await record_heartbeat(app[EDGE_STORE], app[EDGE_EVENTS], holder.kiosk_id,
                                    message["central_link_up"], app[CLOCK]())
    return {"type": "ack", "id": message.get("id"), **answer}


KIOSK_MESSAGES = Inbound({"heartbeat": MessageType("kiosk_heartbeat", on_heartbeat)})


async def kiosk_socket(request: web.Request) -> web.WebSocketResponse:
    """Hold one kiosk's socket until it closes."""
    kiosk_id = own_kiosk(request, request.query.get("kiosk_id"))
    return await serve_socket(request, KIOSK_MESSAGES, f"kiosk {kiosk_id}", kiosk_id)
