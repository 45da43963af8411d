"""Staff at a kiosk: open the staff panel, force the central link down for a drill."""
from aiohttp import web
from aiohttp_apispec import docs, request_schema

from server.clock import to_iso
from server.edge.staff import check_staff_pin
from server.edge_app.access_schemas import (
    LinkOverrideRequestSchema,
    LinkOverrideSchema,
    StaffOkSchema,
    StaffPinSchema,
)
from server.edge_app.keys import AUTH_STORE, CLOCK, DASHBOARD_FEED, EDGE_STORE, SYNC_WORKER
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.identity import principal_of


@docs(tags=["staff"], summary="Check the staff PIN (opens the kiosk's staff panel)",
      responses={200: {"schema": StaffOkSchema, "description": "The PIN is right"},
                 **errors(400, 403, 413, 422, 429, 500, e403="wrong_staff_pin")})
@request_schema(StaffPinSchema, locations=["json"], required=True)
async def post_staff_verify(request: web.Request) -> web.Response:
    await check_staff_pin(request, request["json"]["pin"], "staff_panel")
    return json_response({"ok": True})


@docs(tags=["staff"], summary="Force this kiosk's central link down, or release it (drills)",
      description="While forced down the kiosk's sales stay pending, whatever its heartbeats "
      "say; releasing lets the sync drain them.",
      responses={200: {"schema": LinkOverrideSchema, "description": "The override as it is now"},
                 **errors(400, 403, 413, 422, 429, 500, e403="wrong_staff_pin")})
@request_schema(LinkOverrideRequestSchema, locations=["json"], required=True)
async def post_link_override(request: web.Request) -> web.Response:
    data, app, principal = request["json"], request.app, principal_of(request)
    await check_staff_pin(request, data["pin"], "link_override")
    now = to_iso(app[CLOCK]())
    pending = await app[EDGE_STORE].force_link_down(principal.kiosk_id, data["forced_down"], now)
    await app[AUTH_STORE].audit(now, principal.actor, "link_override", principal.kiosk_id,
                                {"forced_down": data["forced_down"]})
    app[DASHBOARD_FEED].poke()
    if not data["forced_down"]:
        app[SYNC_WORKER].wake(principal.kiosk_id)
    return json_response({"kiosk_id": principal.kiosk_id, "link_forced_down": data["forced_down"],
                          "pending_count": pending})
