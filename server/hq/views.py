"""Head office's routes: a store's signed batch, and the reads of people and of stores.
Each checks the request, calls the ledger or the register, and answers."""
import base64

from aiohttp import web
from aiohttp_apispec import docs, querystring_schema
from prometheus_client import CONTENT_TYPE_LATEST

from server.central.batch_intake import signed_batch
from server.central.ledger import Delivery
from server.clock import to_iso
from server.errors import DomainError, StoreMismatch, StoreUnavailable
from server.hq.keys import HQ_FAULTS, HQ_METRICS, LEDGER, STORAGE, TRANSIT_WATCH
from server.hq.schemas import (
    BatchAnswerSchema,
    BatchesPageSchema,
    BatchesQuerySchema,
    HqHealthSchema,
    HqOrdersPageSchema,
    HqOrdersQuerySchema,
    RefusedRowsQuerySchema,
    RefusedRowsSchema,
    StoresSchema,
    StoreTotalsSchema,
)
from server.hq.signatures import SIGNED
from server.orders import ID_PATTERN
from server.pagination import after_cursor, page
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.identity import principal_of
from server.web.keys import CLOCK, SETTINGS

BATCH_BODY = {"in": "body", "name": "batch", "required": True, "schema": {
    "type": "object", "required": ["store_id", "rows"], "additionalProperties": False,
    "properties": {
        "store_id": {"type": "string", "pattern": ID_PATTERN},
        "rows": {"type": "array", "minItems": 1, "items": {"type": "array"}, "description":
                 "each row: order_uuid, kiosk_id, idempotency_key, items_json, vat_json,"
                 " total_ore, payment_json, catalog_version, created_at, business_day,"
                 " prev_hash, entry_hash (as the edge stored them)"}}}}
STORE_ID_PARAM = {"in": "path", "name": "store_id", "required": True, "type": "string"}
SIGNED_BY_A_STORE = ("Signed by a store (RFC 9421, Ed25519: Signature-Input, Signature and "
                     "Content-Digest over @method, @path, content-type, content-digest), with "
                     "a key head office enrolled for it.")


def own_store(request: web.Request, named: str | None) -> str | None:
    """The store a read is about: a store reads only its own; people read any (or all)."""
    principal = principal_of(request)
    if principal.role != "store":
        return named
    if named is not None and named != principal.store_id:
        request.app[HQ_METRICS].refused(StoreMismatch.code)
        raise StoreMismatch("a store reads its own sales only",
                            {"key_store_id": principal.store_id, "store_id": named})
    return principal.store_id


@docs(tags=["batches"], summary="Take in a store's batch of sales, once",
      description=f"{SIGNED_BY_A_STORE} In one transaction: the batch is recorded with its "
      "proof and its rows inserted; a row already held is counted as present, one held with "
      "other content is refused for good. Nothing is written on any refusal.",
      parameters=[BATCH_BODY],
      responses={200: {"schema": BatchAnswerSchema, "description": "Taken in"},
                 **errors(400, 401, 403, 413, 422, 500, 503,
                          e401="bad_signature, unknown_key or stale_signature",
                          e403="store_mismatch: the batch is another store's than the key's",
                          e413="the body or its rows beyond the limits",
                          e503="hq_busy (Retry-After), or the database is unavailable")})
async def post_batch(request: web.Request) -> web.Response:
    app = request.app
    body = await request.read()  # already read, and checked, by the signature's check
    try:
        batch = signed_batch(request[SIGNED], body, app[SETTINGS].hq_max_batch_rows,
                             to_iso(app[CLOCK]()))
        store_id, rows = batch.store_id, batch.rows
        if app[HQ_FAULTS].active("hq_ack_before_commit"):  # the broken head office
            app[HQ_FAULTS].defer(app[LEDGER].ingest(batch))
            delivery = Delivery(len(rows), 0, {})
        else:
            with app[HQ_METRICS].ingest.time():
                delivery = await app[LEDGER].ingest(batch)
    except DomainError as exc:
        app[HQ_METRICS].refused(exc.code)
        raise
    app[HQ_METRICS].delivered(delivery, store_id)
    return json_response({"inserted": delivery.inserted,
                          "already_present": delivery.already_present,
                          "refused": delivery.refused})


@docs(tags=["reads"], summary="Orders head office holds, in arrival order",
      description="People at head office: any store's, or all. A store (signed GET): its own.",
      responses={200: {"schema": HqOrdersPageSchema, "description": "A page of orders"},
                 **errors(401, 403, 422, 500, 503)})
@querystring_schema(HqOrdersQuerySchema)
async def get_orders(request: web.Request) -> web.Response:
    query = request["querystring"]
    store_id = own_store(request, query.get("store_id"))
    rows = await request.app[LEDGER].store_orders(store_id, query.get("kiosk_id"),
                                                  after_cursor(query), query["limit"] + 1)
    rows, next_cursor = page(rows, query["limit"], lambda row: row["cursor"])
    return json_response({"orders": [{k: v for k, v in row.items() if k != "cursor"}
                                     for row in rows], "next": next_cursor})


@docs(tags=["reads"], summary="A store's batches as they came, with their proof",
      description="People at head office. Each batch with the key that signed it, its "
      "signature and signed inputs, its Content-Digest and its exact body: with the store's "
      "public key (in `/hq/v1/stores`) an auditor verifies, away from head office, that "
      "every row was vouched for by its store (rows name their `batch_id`).",
      parameters=[STORE_ID_PARAM],
      responses={200: {"schema": BatchesPageSchema, "description": "A page of batches"},
                 **errors(401, 403, 422, 500, 503)})
@querystring_schema(BatchesQuerySchema)
async def get_store_batches(request: web.Request) -> web.Response:
    query, store_id = request["querystring"], request.match_info["store_id"]
    rows = await request.app[LEDGER].store_batches(store_id, after_cursor(query),
                                                   query["limit"] + 1)
    rows, next_cursor = page(rows, query["limit"], lambda row: row["batch_id"])
    return json_response({"store_id": store_id, "batches": list(map(_proof_view, rows)),
                          "next": next_cursor})


@docs(tags=["reads"], summary="A store's rows refused for good from its batches on the bus",
      description="The store itself (signed GET), or people at head office. Each row of a "
      "batch that came by the bus and that head office holds with other content: over HTTP "
      "the batch's answer says so at once, over the bus the store reads them here and sets "
      "those rows aside for its staff. Oldest first, each with its `cursor` (to read on after it, "
      "as `after`); `next` when there are more.",
      parameters=[STORE_ID_PARAM],
      responses={200: {"schema": RefusedRowsSchema, "description": "A page of refused rows"},
                 **errors(401, 403, 422, 500, 503)})
@querystring_schema(RefusedRowsQuerySchema)
async def get_refused_rows(request: web.Request) -> web.Response:
    query = request["querystring"]
    store_id = own_store(request, request.match_info["store_id"])
    rows = await request.app[STORAGE].refused_rows.page(store_id, after_cursor(query),
                                                        query["limit"] + 1)
    rows, next_cursor = page(rows, query["limit"], lambda row: row["cursor"])
    return json_response({"store_id": store_id, "rows": rows, "next": next_cursor})


def _proof_view(row: dict) -> dict:
    received = row["received_at"]
    return {**{name: row[name] for name in ("batch_id", "key_id", "signature_input",
                                            "signature", "content_digest", "rows")},
            "body": base64.b64encode(bytes(row["body"])).decode(),
            "received_at": received if isinstance(received, str) else to_iso(received)}


@docs(tags=["reads"], summary="Every store: its keys, the sales head office holds, its last batch",
      responses={200: {"schema": StoresSchema, "description": "The stores"},
                 **errors(401, 403, 500, 503)})
async def get_stores(request: web.Request) -> web.Response:
    storage = request.app[STORAGE]
    figures = await storage.ledger.store_figures()
    stores = [{**store, **{k: v for k, v in figures.get(store["store_id"], {
        "orders": 0, "total_ore": 0, "last_received_at": None}).items() if k != "store_id"}}
              for store in await storage.registry.stores()]
    return json_response({"stores": stores})


@docs(tags=["reads"], summary="A store's sales per kiosk and day, as head office holds them",
      description="People at head office, or the store itself (signed GET): its reconciliation."
      " With `hq_nats_url` set, also its sales in transit on the bus (published and synced at"
      " the store, not yet taken by hq ingest) as of head office's last look at the stream.",
      parameters=[STORE_ID_PARAM],
      responses={200: {"schema": StoreTotalsSchema, "description": "Per kiosk and day"},
                 **errors(401, 403, 500, 503)})
async def get_store_totals(request: web.Request) -> web.Response:
    store_id = own_store(request, request.match_info["store_id"])
    totals = await request.app[LEDGER].store_totals(store_id)
    watch = request.app[TRANSIT_WATCH]
    return json_response({"store_id": store_id, "totals": totals,
                          "in_transit": watch and watch.of_store(store_id)})


@docs(tags=["health"], summary="The ledger answers",
      responses={200: {"schema": HqHealthSchema, "description": "Healthy"},
                 **errors(500, 503, e503="store_unavailable: the ledger does not answer")})
async def get_health(request: web.Request) -> web.Response:
    try:
        await request.app[LEDGER].health()
    except Exception:  # the reason goes to the log (the database's own words included)
        raise StoreUnavailable("head office's ledger does not answer", {"ledger": "unavailable"},
                               {"Retry-After": "2"}) from None
    return json_response({"status": "ok", "ledger": "ok"})


@docs(tags=["health"], summary="Head office's metrics for Prometheus (text exposition format)",
      description="hq_batches, hq_rows{outcome}, hq_refusals{code}, hq_ingest_seconds, "
      "hq_db_connections; with `hq_nats_url` set, hq_bus_in_transit_sales, "
      "hq_bus_oldest_in_transit_age_seconds and hq_bus_dead_letters.",
      produces=["text/plain", "application/json"],
      responses={200: {"description": "Prometheus text exposition format"}, **errors(500)})
async def get_metrics(request: web.Request) -> web.Response:
    storage = request.app[STORAGE]
    connections = storage.database.connections_open() if storage.database else 0
    watch = request.app[TRANSIT_WATCH]
    dead = sum(row["dead_letters"] for row in await storage.dead_letters.by_store()) if (
        watch) else 0
    return web.Response(body=request.app[HQ_METRICS].exposition(
        connections, watch and watch.chain(), dead),
                        headers={"Content-Type": CONTENT_TYPE_LATEST})
