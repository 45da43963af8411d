"""Staff at a kiosk: open the staff panel, force the central link down for a drill."""
from aiohttp import web
from aiohttp_apispec import docs, request_schema

from server.edge.link import force_link_down
from server.edge_app.access_schemas import (
    LinkOverrideRequestSchema,
    LinkOverrideSchema,
    StaffOkSchema,
    StaffPinSchema,
)
from server.edge_app.keys import EDGE_EVENTS, EDGE_STORE, STAFF_PIN
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.identity import principal_of
from server.web.keys import CLOCK


@docs(tags=["staff"], summary="Check the staff PIN (the staff panel, or an approval before "
      "payment)", description="Only a wrong PIN counts against `staff_pin_attempts_per_min`.",
      responses={200: {"schema": StaffOkSchema, "description": "The PIN is right"},
                 **errors(400, 403, 413, 422, 429, 500, e403="wrong_staff_pin")})
@request_schema(StaffPinSchema, locations=["json"], required=True)
async def post_staff_verify(request: web.Request) -> web.Response:
    data = request["json"]
    await request.app[STAFF_PIN].check(principal_of(request), data["pin"], data["purpose"])
    return json_response({"ok": True})


@docs(tags=["staff"], summary="Force this kiosk's central link down, or release it (drills)",
      description="While forced down the kiosk's sales stay pending, whatever its heartbeats "
      "say; releasing lets the sync drain them.",
      responses={200: {"schema": LinkOverrideSchema, "description": "The override as it is now"},
                 **errors(400, 403, 413, 422, 429, 500, e403="wrong_staff_pin")})
@request_schema(LinkOverrideRequestSchema, locations=["json"], required=True)
async def post_link_override(request: web.Request) -> web.Response:
    data, app, principal = request["json"], request.app, principal_of(request)
    await app[STAFF_PIN].check(principal, data["pin"], "link_override")
    pending = await force_link_down(app[EDGE_STORE], app[EDGE_EVENTS], principal.kiosk_id,
                                    data["forced_down"], app[CLOCK](), principal.actor)
    return json_response({"kiosk_id": principal.kiosk_id, "link_forced_down": data["forced_down"],
                          "pending_count": pending})
