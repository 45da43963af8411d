"""The chain wallboard's routes: the board and a store's page as JSON, the /ws/hq socket
(a snapshot, then deltas), and the two pages, thin views over the same JSON."""
import aiohttp_jinja2
from aiohttp import web
from aiohttp_apispec import docs, querystring_schema

from server.auth.store import HQ_PEOPLE
from server.errors import Unauthorized
from server.hq.board import read_board, read_store_board
from server.hq.board_schemas import BoardSchema, StoreBoardQuerySchema, StoreBoardSchema
from server.hq.views import STORE_ID_PARAM
from server.hub.feed_socket import feed_socket
from server.web.authentication import authenticate
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.keys import SETTINGS


@docs(tags=["board"], summary="The chain wallboard: every store at a glance",
      description="Tiles (stores reporting, silent and never reported; sales and revenue "
      "today from the ledger; sales waiting and set aside in stores, as last reported; rows "
      "and signatures refused), a row per store and the alerts. The /ws/hq socket's snapshot "
      "holds the same, and its deltas what changed.",
      responses={200: {"schema": BoardSchema, "description": "The board"},
                 **errors(401, 403, 500, 503)})
async def get_board(request: web.Request) -> web.Response:
    return json_response(await read_board(request.app))


board_socket = feed_socket("hq-board")  # GET /ws/hq: a snapshot, then deltas


@docs(tags=["board"], summary="A store's page: kiosks, backlog, reconciliation, alerts",
      description="Its kiosks as it last reported them; its backlog over the last `hours`; "
      "per kiosk and business day its totals beside head office's with the verdict (match, "
      "waiting at the store, in flight, differs); its alerts.",
      parameters=[STORE_ID_PARAM],
      responses={200: {"schema": StoreBoardSchema, "description": "The store's page"},
                 **errors(401, 403, 404, 422, 500, 503)})
@querystring_schema(StoreBoardQuerySchema)
async def get_store_board(request: web.Request) -> web.Response:
    store_id, hours = request.match_info["store_id"], request["querystring"]["hours"]
    return json_response(await read_store_board(request.app, store_id, hours))


async def _page(request: web.Request, template: str, context: dict) -> web.Response:
    """A page for people at head office; to anyone else, how to sign in (401, or 403)."""
    try:
        principal, _ = await authenticate(request)
    except Unauthorized:
        principal = None
    if principal is None or principal.role not in HQ_PEOPLE:
        return aiohttp_jinja2.render_template(
            "hq_signed_out.html", request, {"signed_in_as": principal and principal.actor},
            status=403 if principal else 401)
    settings = request.app[SETTINGS]
    return aiohttp_jinja2.render_template(template, request, {
        **context, "timezone": settings.hq_timezone,
        "backlog_alert_s": int(settings.hq_alert_backlog_s)})


async def board_page(request: web.Request) -> web.Response:
    """The chain wallboard."""
    return await _page(request, "hq_board.html", {})


async def store_page(request: web.Request) -> web.Response:
    """One store's page (its JSON answers 404 for a store head office does not know)."""
    return await _page(request, "hq_store.html", {"store_id": request.match_info["store_id"]})
