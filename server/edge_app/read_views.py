"""Read routes: catalog, central ledger, dashboard metrics, health."""
import logging

from aiohttp import web
from aiohttp_apispec import docs, querystring_schema
from prometheus_client import CONTENT_TYPE_LATEST

from server.dashboard import metrics
from server.dashboard.reconciliation import reconcile
from server.edge_app.answers import CatalogSchema, HealthSchema
from server.edge_app.dashboard_schemas import (
    HistoryQuerySchema,
    HistorySchema,
    KiosksSchema,
    OverviewSchema,
    ReconciliationSchema,
)
from server.edge_app.keys import CENTRAL_LEDGER, EDGE_FIGURES, EDGE_STORE, METRICS, SHELF
from server.edge_app.schemas import OrdersQuerySchema
from server.errors import StoreUnavailable
from server.pagination import after_cursor
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.keys import CLOCK, SETTINGS
from server.web.order_answers import OrdersPageSchema

log = logging.getLogger(__name__)


@docs(tags=["catalog"], summary="The product catalog with its version tag",
      description="`version` changes whenever a product or price does; it is also the ETag.",
      responses={200: {"schema": CatalogSchema, "description": "The catalog"},
                 304: {"description": "Not modified (If-None-Match matched)"}, **errors(500)})
async def get_catalog(request: web.Request) -> web.Response:
    catalog = request.app[SHELF].catalog
    etag = f'"{catalog.version}"'
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    return json_response(catalog.as_json(), headers={"ETag": etag})


@docs(tags=["central"], summary="Orders in the central ledger, in arrival order",
      responses={200: {"schema": OrdersPageSchema, "description": "A page of orders"},
                 **errors(422, 500)})
@querystring_schema(OrdersQuerySchema)
async def get_central_orders(request: web.Request) -> web.Response:
    query = request["querystring"]
    if query.get("sync_state") in ("pending", "attention"):  # central holds only synced
        return json_response({"orders": [], "next": None})
    orders, next_cursor = await request.app[CENTRAL_LEDGER].list_orders(
        query.get("kiosk_id"), after_cursor(query), query["limit"])
    return json_response({"orders": orders, "next": next_cursor})


@docs(tags=["dashboard"], summary="Fleet metrics: kiosks, sales, sync backlog",
      responses={200: {"schema": OverviewSchema, "description": "Fleet metrics"}, **errors(500)})
async def get_overview(request: web.Request) -> web.Response:
    app = request.app
    figures = await metrics.overview(app[EDGE_FIGURES], app[CENTRAL_LEDGER], app[SETTINGS],
                                     app[CLOCK](), app[SHELF])
    return json_response(figures)


@docs(tags=["dashboard"], summary="Per-kiosk metrics",
      responses={200: {"schema": KiosksSchema, "description": "One row per kiosk"}, **errors(500)})
async def get_kiosks(request: web.Request) -> web.Response:
    app = request.app
    rows = await metrics.kiosks(app[EDGE_FIGURES], app[SETTINGS], app[CLOCK]())
    return json_response({"kiosks": rows})


@docs(tags=["dashboard"], summary="Checkouts and the sync backlog, minute by minute",
      description="For the wallboard's charts: per whole minute up to now, the sales made in "
      "it and the sales still waiting for central at its end.",
      responses={200: {"schema": HistorySchema, "description": "Oldest minute first"},
                 **errors(422, 500)})
@querystring_schema(HistoryQuerySchema)
async def get_history(request: web.Request) -> web.Response:
    app = request.app
    points = await metrics.history(app[EDGE_FIGURES], app[CLOCK](),
                                   request["querystring"]["minutes"])
    return json_response({"points": points})


@docs(tags=["health"], summary="Both stores answer",
      description="`central` is `ok`, or (a store in a chain) `unreachable`: head office does "
      "not answer, and the store goes on selling and keeps its sales until it does.",
      responses={200: {"schema": HealthSchema, "description": "Healthy"},
                 **errors(500, 503, e503="store_unavailable: the edge store or the ledger failed")})
async def get_health(request: web.Request) -> web.Response:
    checks = {"edge": request.app[EDGE_STORE].health, "central": request.app[CENTRAL_LEDGER].health}
    # Head office unreachable never fails the store: its sales wait, and the body says so.
    remote = bool(request.app[SETTINGS].central_url)
    states = {}
    for name, check in checks.items():
        try:
            await check()
            states[name] = "ok"
        except Exception:  # the reason goes to the log, not to whoever asks
            log.warning("health: the %s store is unavailable", name, exc_info=True)
            states[name] = "unreachable" if name == "central" and remote else "unavailable"
    if "unavailable" in states.values():
        raise StoreUnavailable("a store is unavailable", states)
    return json_response({"status": "ok", **states})


@docs(tags=["dashboard"], summary="The same metrics for Prometheus (text exposition format)",
      description="Counters since start: checkout_sales, checkout_replays, "
      "central_duplicates_absorbed, sync_batches, sync_errors, status_reports and "
      "status_reports_dropped (in a chain: head office took a status report, or it was "
      "dropped); the checkout_latency_seconds "
      "histogram; gauges read at each scrape: pending_orders, oldest_pending_age_seconds, "
      "orders_set_aside, kiosks_online, central_orders.",
      produces=["text/plain", "application/json"],  # the metrics; errors are the JSON envelope
      responses={200: {"description": "Prometheus text exposition format"}, **errors(500)})
async def get_metrics(request: web.Request) -> web.Response:
    app = request.app
    figures = await metrics.overview(app[EDGE_FIGURES], app[CENTRAL_LEDGER], app[SETTINGS],
                                     app[CLOCK](), app[SHELF])
    return web.Response(body=app[METRICS].exposition(figures),
                        headers={"Content-Type": CONTENT_TYPE_LATEST})


@docs(tags=["dashboard"], summary="The edge's sales beside central's, per kiosk and day",
      description="`matches`, `pending` (the difference is the sales waiting to sync), "
      "`attention` (those and sales set aside for staff) or `differs` (with the difference): "
      "the proof that nothing was lost or counted twice.",
      responses={200: {"schema": ReconciliationSchema, "description": "Per kiosk and day"},
                 **errors(500)})
async def get_reconciliation(request: web.Request) -> web.Response:
    app = request.app
    rows = await reconcile(app[EDGE_FIGURES], app[CENTRAL_LEDGER])
    return json_response({
        "rows": rows,
        "all_match": all(row["status"] == "matches" for row in rows),
        "duplicates_absorbed": app[METRICS].duplicates_absorbed,
        "set_aside": sum(row["edge"]["set_aside"] for row in rows),
    })
