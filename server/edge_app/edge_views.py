"""Edge routes: checkout, heartbeat, sync and the edge's orders. Each checks the request,
calls the domain, answers; what follows a sale or a heartbeat is the domain's
announcements, wired in the factory."""
from aiohttp import web
from aiohttp_apispec import docs, querystring_schema, request_schema

from server.catalog.pricing import price_lines
from server.edge.checkout import checkout
from server.edge.link import record_heartbeat
from server.edge_app.answers import HeartbeatResponseSchema, QuoteSchema, SyncResponseSchema
from server.edge_app.keys import (
    EDGE_EVENTS,
    EDGE_STORE,
    FAULTS,
    METRICS,
    SHELF,
    STAFF_PIN,
    SYNC_WORKER,
)
from server.edge_app.schemas import (
    CheckoutRequestSchema,
    HeartbeatRequestSchema,
    OrdersQuerySchema,
    QuoteRequestSchema,
    SyncRequestSchema,
)
from server.errors import InvalidFields
from server.orders import order_view
from server.pagination import after_cursor, page
from server.sync.sync_request import sync_all, sync_one
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.identity import audit, own_kiosk, principal_of
from server.web.keys import CLOCK, SETTINGS
from server.web.order_answers import OrderSchema, OrdersPageSchema


def _check_order_limits(request: web.Request, data: dict) -> None:
    """Apply the configured size limits the schema cannot know."""
    settings = request.app[SETTINGS]
    problems = {}
    if len(data["items"]) > settings.max_order_lines:
        problems["items"] = [f"at most {settings.max_order_lines} lines per order"]
    for i, line in enumerate(data["items"]):
        if line["qty"] > settings.max_line_qty:
            problems[f"items.{i}.qty"] = [f"at most {settings.max_line_qty}"]
    if problems:
        raise InvalidFields("the order is larger than this store accepts", {"fields": problems})


@docs(tags=["edge"], summary="Record a sale (idempotent)",
      description="The edge prices every line from the catalog and commits the sale durably "
      "before answering. A retry with the same idempotency_key and body returns the first "
      "answer (200, `Idempotent-Replayed: true`); the same key with another body is refused.",
      responses={201: {"schema": OrderSchema, "description": "Sale recorded"},
                 200: {"schema": OrderSchema, "description": "Replay of an earlier answer",
                       "headers": {"Idempotent-Replayed": {"type": "string"}}},
                 **errors(400, 403, 409, 413, 422, 429, 500, 503,
                          e403="age_check_required, label_check_required or wrong_staff_pin "
                               "(or an access refusal)",
                          e409="price_changed: expected_total_ore differs from the edge's")})
@request_schema(CheckoutRequestSchema, locations=["json"], required=True)
async def post_checkout(request: web.Request) -> web.Response:
    with request.app[METRICS].latency.time():
        return await _checkout(request)


async def _checkout(request: web.Request) -> web.Response:
    """Record the sale, or replay it; staff's PIN, if sent, approves what needs them."""
    data, app = request["json"], request.app
    data["kiosk_id"] = own_kiosk(request, data.get("kiosk_id"))
    _check_order_limits(request, data)
    approver = None
    if "staff_pin" in data:
        await app[STAFF_PIN].check(principal_of(request), data["staff_pin"], "staff_approval")
        approver = principal_of(request).actor
    result = await checkout(app[EDGE_STORE], app[SHELF].catalog, data, app[CLOCK](),
                            app[SETTINGS].store_timezone, app[EDGE_EVENTS], approver,
                            app[FAULTS])
    if result.replayed:
        return json_response(result.order, 200, {"Idempotent-Replayed": "true"})
    return json_response(result.order, 201)


@docs(tags=["edge"], summary="Kiosk heartbeat with its central-link flag",
      responses={200: {"schema": HeartbeatResponseSchema, "description": "Recorded"},
                 **errors(400, 413, 422, 500)})
@request_schema(HeartbeatRequestSchema, locations=["json"], required=True)
async def post_heartbeat(request: web.Request) -> web.Response:
    data, app = request["json"], request.app
    kiosk_id = own_kiosk(request, data.get("kiosk_id"))
    answer = await record_heartbeat(app[EDGE_STORE], app[EDGE_EVENTS], kiosk_id,
                                    data["central_link_up"], app[CLOCK]())
    return json_response(answer)


@docs(tags=["edge"], summary="Drain pending sales to the central ledger now",
      description="With `kiosk_id`: that kiosk (503 `central_link_down` with Retry-After when "
      "its link is down; 503 `central_unavailable` when central fails). Without: every kiosk "
      "with pending sales whose link is up; the others are listed as skipped.",
      responses={200: {"schema": SyncResponseSchema, "description": "What was drained"},
                 **errors(400, 404, 413, 422, 500, 503)})
@request_schema(SyncRequestSchema, locations=["json"])
async def post_sync(request: web.Request) -> web.Response:
    kiosk_id = request["json"].get("kiosk_id")
    worker = request.app[SYNC_WORKER]
    await audit(request, "forced_sync", kiosk_id or "*")
    if kiosk_id is None:
        return json_response(await sync_all(worker))
    return json_response(await sync_one(worker, kiosk_id))


@docs(tags=["edge"], summary="Orders stored at the edge, oldest first",
      responses={200: {"schema": OrdersPageSchema, "description": "A page of orders"},
                 **errors(422, 500)})
@querystring_schema(OrdersQuerySchema)
async def get_edge_orders(request: web.Request) -> web.Response:
    query = request["querystring"]
    kiosk_id = own_kiosk(request, query.get("kiosk_id"))  # a kiosk sees only its own
    rows = await request.app[EDGE_STORE].list_orders(
        kiosk_id, query.get("sync_state"), after_cursor(query), query["limit"] + 1
    )
    rows, next_cursor = page(rows, query["limit"], lambda row: row["seq"])
    orders = [_with_reason(order_view(row, row["sync_state"], row["synced_at"]), row)
              for row in rows]
    return json_response({"orders": orders, "next": next_cursor})


@docs(tags=["edge"], summary="Price a cart without recording anything",
      description="What the kiosk shows as the running total: lines, total and VAT, priced by "
      "the edge (scale labels decoded here, never by the page). Send the total back as "
      "`expected_total_ore` at checkout.",
      responses={200: {"schema": QuoteSchema, "description": "The priced cart"},
                 **errors(400, 413, 422, 500)})
@request_schema(QuoteRequestSchema, locations=["json"], required=True)
async def post_quote(request: web.Request) -> web.Response:
    data = request["json"]
    _check_order_limits(request, data)
    priced = price_lines(request.app[SHELF].catalog, data["items"])
    return json_response({"items": priced.items, "total_ore": priced.total_ore,
                          "currency": "SEK", "vat": priced.vat,
                          "catalog_version": priced.catalog_version,
                          "age_limit": priced.age_limit, "label_checks": priced.label_checks})


def _with_reason(order: dict, row) -> dict:
    """An order set aside says why (the field is absent on every other order)."""
    if row["sync_state"] == "attention":
        order["set_aside_reason"] = row["set_aside_reason"]
    return order
