"""Operator routes: enrol, revoke and retire kiosks, read the audit trail."""
from dataclasses import asdict

from aiohttp import web
from aiohttp_apispec import docs, querystring_schema

from server.auth.enrolment import enrol_kiosk, revoke_kiosk
from server.clock import to_iso
from server.edge.retire import retire_kiosk
from server.edge_app.access_schemas import (
    AuditPageSchema,
    AuditQuerySchema,
    IssuedSchema,
    RetiredSchema,
    RevokedSchema,
)
from server.edge_app.keys import EDGE_EVENTS, EDGE_STORE
from server.errors import InvalidFields
from server.pagination import after_cursor, page
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.fields import KIOSK_ID
from server.web.identity import principal_of
from server.web.keys import AUTH_STORE, CLOCK

# Documented with its pattern, so integrators (and the fuzzer) know which ids can exist.
KIOSK_PATH_PARAM = {"in": "path", "name": "kiosk_id", "required": True, "type": "string",
                    "pattern": KIOSK_ID.regex.pattern}


def _kiosk_in_path(request: web.Request) -> str:
    kiosk_id = request.match_info["kiosk_id"]
    try:
        return KIOSK_ID(kiosk_id)
    except Exception:
        raise InvalidFields("not a kiosk id", {"fields": {"kiosk_id": [KIOSK_ID.error]}}) from None


async def _as_caller(request: web.Request, enrolment_step):
    """Run an enrolment step (server.auth.enrolment) on the kiosk in the path, in the name of
    the request's caller, now."""
    return await enrolment_step(request.app[AUTH_STORE], _kiosk_in_path(request),
                                principal_of(request).actor, to_iso(request.app[CLOCK]()))


@docs(tags=["admin"], summary="Enrol a kiosk (or rotate its credential)",
      description="Issues a new kiosk token, shown once, and revokes the kiosk's older ones.",
      parameters=[KIOSK_PATH_PARAM],
      responses={200: {"schema": IssuedSchema, "description": "The new credential"},
                 **errors(401, 403, 422, 500)})
async def post_enrol_kiosk(request: web.Request) -> web.Response:
    issued = await _as_caller(request, enrol_kiosk)
    return json_response({"token": issued.token, "token_id": issued.token_id,
                          "role": issued.role, "kiosk_id": issued.kiosk_id,
                          "signin_path": issued.signin_path()})


@docs(tags=["admin"], summary="Revoke every credential of a kiosk",
      parameters=[KIOSK_PATH_PARAM],
      responses={200: {"schema": RevokedSchema, "description": "How many were active"},
                 **errors(401, 403, 422, 500)})
async def post_revoke_kiosk(request: web.Request) -> web.Response:
    count = await _as_caller(request, revoke_kiosk)
    return json_response({"revoked": count})


@docs(tags=["admin"], summary="Retire a kiosk that left the store",
      description="Revokes every credential of the kiosk, so it leaves the wallboard (a "
      "delta with the kiosk as null), and releases a link drill on it: the sales it made stay "
      "and still drain to central.",
      parameters=[KIOSK_PATH_PARAM],
      responses={200: {"schema": RetiredSchema, "description": "What retiring it did"},
                 **errors(401, 403, 404, 422, 500)})
async def post_retire_kiosk(request: web.Request) -> web.Response:
    app = request.app
    retired = await retire_kiosk(app[AUTH_STORE], app[EDGE_STORE], app[EDGE_EVENTS],
                                 _kiosk_in_path(request), principal_of(request).actor,
                                 app[CLOCK]())
    return json_response(asdict(retired))


@docs(tags=["admin"], summary="The audit trail of security and operator events, oldest first",
      responses={200: {"schema": AuditPageSchema, "description": "A page of events"},
                 **errors(401, 403, 422, 500)})
@querystring_schema(AuditQuerySchema)
async def get_audit(request: web.Request) -> web.Response:
    query = request["querystring"]
    rows = await request.app[AUTH_STORE].audit_page(after_cursor(query), query["limit"] + 1)
    events, next_cursor = page(rows, query["limit"], lambda row: row["id"])
    return json_response({"events": events, "next": next_cursor})
