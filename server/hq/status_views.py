"""Head office's side of the stores' status reports: a store's signed report, kept as its
latest (one sent before the report held is refused, and nothing is kept), and the read of
a store's latest by people at head office and by the store itself.

A report is the store's state, not an event: a store whose report is refused or lost sends
the newer truth with its next one, so head office keeps one per store and its backlog
points (server/chain/status_store.py), and queues nothing. Reports do not pass the ingest
gate (server/hq/gate.py): they cost one small write, and hq_busy is batches' pacing."""
from datetime import timedelta

from aiohttp import web
from aiohttp_apispec import docs, request_schema

from server.clock import from_iso, to_iso
from server.errors import (
    DomainError,
    InvalidFields,
    MalformedRequest,
    NotFound,
    StatusFromTheFuture,
    StatusOutOfOrder,
    StoreMismatch,
)
from server.hq.keys import HQ_METRICS, STORAGE
from server.hq.signatures import SIGNED
from server.hq.status_schemas import StatusAnswerSchema, StoreStatusReportSchema, StoreStatusSchema
from server.hq.views import SIGNED_BY_A_STORE, STORE_ID_PARAM, own_store
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.keys import CLOCK, SETTINGS
from server.web.validation import read_body

STATUS_PATH = "/hq/v1/status"


@web.middleware
async def status_size_middleware(request: web.Request, handler):
    """A report over hq_max_status_bytes is refused at the door: by its Content-Length
    before anything is read, else (a chunked body) by what came, before any check of it.
    A report its schema refuses is counted here, as a batch's refusals are."""
    if request.method != "POST" or request.path != STATUS_PATH:
        return await handler(request)
    limit = request.app[SETTINGS].hq_max_status_bytes
    size = request.content_length
    if size is None:
        size = len(await read_body(request))   # the signature's check reads it from here
    if size > limit:
        request.app[HQ_METRICS].refused("request_too_large")
        raise web.HTTPRequestEntityTooLarge(limit, size)
    try:
        return await handler(request)
    except (MalformedRequest, InvalidFields) as exc:
        # Only the body's schema raises these here; the view and the signature's check
        # count their own refusals.
        request.app[HQ_METRICS].refused(exc.code)
        raise


async def _keep(request: web.Request, status: dict) -> str:
    """Check the report against its signer and head office's clock and keep it; when it
    came (or the refusal, having kept nothing)."""
    app, proof = request.app, request[SIGNED]
    if status["store_id"] != proof.store_id:
        raise StoreMismatch("the report is another store's than the key's",
                            {"key_store_id": proof.store_id, "store_id": status["store_id"]})
    now, sent_at = app[CLOCK](), from_iso(status["sent_at"])
    ahead_s = app[SETTINGS].hq_signature_max_age_s
    if sent_at - now > timedelta(seconds=ahead_s):
        raise StatusFromTheFuture("the report was sent later than head office's clock says "
                                  "it is now; check the store's clock",
                                  {"sent_at": status["sent_at"], "received_at": to_iso(now),
                                   "max_ahead_s": ahead_s})
    statuses = app[STORAGE].statuses
    if not await statuses.record(proof.store_id, proof.key_id, sent_at, status, now):
        held = await statuses.latest_of(proof.store_id)
        raise StatusOutOfOrder("a report the store sent later is held already; this one "
                               "changes nothing", {"sent_at": status["sent_at"],
                                                   "held_sent_at": held and held["sent_at"]})
    return to_iso(now)


@docs(tags=["status"], summary="Keep a store's status report as its latest",
      description=f"{SIGNED_BY_A_STORE} The store's kiosks, backlog, catalog in use and its "
      "last 7 business days' totals, as its edge sees them. Head office keeps the latest "
      "report of each store and when it came; nothing is kept on any refusal.",
      responses={200: {"schema": StatusAnswerSchema, "description": "Kept as the latest"},
                 **errors(400, 401, 403, 409, 413, 422, 500, 503,
                          e401="bad_signature, unknown_key or stale_signature",
                          e403="store_mismatch: the report is another store's than the key's",
                          e409="status_out_of_order: a report sent later is held already",
                          e413="the body is over hq_max_status_bytes",
                          e422="invalid_fields (each named), or status_from_the_future: "
                               "sent_at more than hq_signature_max_age_s ahead of head "
                               "office's clock")})
@request_schema(StoreStatusSchema, locations=["json"], required=True)
async def post_status(request: web.Request) -> web.Response:
    try:
        received_at = await _keep(request, request["json"])
    except DomainError as exc:
        request.app[HQ_METRICS].refused(exc.code)
        raise
    return json_response({"received_at": received_at, "kept": True})


@docs(tags=["status"], summary="A store's latest status report",
      description="People at head office, or the store itself (signed GET). The report as "
      "the store sent it, with when it came and the key that signed it.",
      parameters=[STORE_ID_PARAM],
      responses={200: {"schema": StoreStatusReportSchema, "description": "Its latest report"},
                 **errors(401, 403, 404, 500, 503, e404="not_found: it never reported")})
async def get_store_status(request: web.Request) -> web.Response:
    store_id = own_store(request, request.match_info["store_id"])
    report = await request.app[STORAGE].statuses.latest_of(store_id)
    if report is None:
        raise NotFound("this store has not reported its status", {"store_id": store_id})
    return json_response(report)
