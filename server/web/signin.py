"""Sign-in for browsers: a token becomes an HttpOnly session cookie."""
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from aiohttp_apispec import docs, request_schema
from marshmallow import Schema, fields, validate

from server.auth.store import Principal
from server.auth.tokens import hash_secret, is_session_value, new_session_secret
from server.clock import to_iso
from server.errors import Unauthorized
from server.web.authentication import SESSION_COOKIE, check_same_origin
from server.web.docs_decl import errors
from server.web.envelope import json_response
from server.web.identity import audit
from server.web.keys import AUTH_FAILURES, AUTH_STORE, CLOCK, SETTINGS

PAGE_DIR = Path(__file__).with_name("signin_page")


class SessionRequestSchema(Schema):
    EXAMPLE = {"token": "aoc_…: paste a token as enrolment printed it"}
    token = fields.Str(required=True, validate=validate.Length(min=1, max=200),
                       metadata={"description": "a bearer token, as printed by enrolment"})


class SessionSchema(Schema):
    role = fields.Str(required=True)
    kiosk_id = fields.Str(required=True, allow_none=True)
    expires_at = fields.DateTime(required=True)


class SignedOutSchema(Schema):
    signed_out = fields.Bool(required=True)


async def get_signin_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "signin.html")


async def get_signin_script(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "signin.js")


async def get_signin_style(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE_DIR / "signin.css")


@docs(tags=["auth"], summary="Sign a browser in with a token (sets the session cookie)",
      responses={200: {"schema": SessionSchema, "description": "Signed in"},
                 **errors(400, 401, 403, 413, 422, 500)})
@request_schema(SessionRequestSchema, locations=["json"], required=True)
async def post_session(request: web.Request) -> web.Response:
    if "Origin" in request.headers:
        check_same_origin(request)  # no signing a browser in from someone else's page
    app, token = request.app, request["json"]["token"]
    store, now = app[AUTH_STORE], app[CLOCK]()
    row = await store.credential_for_token(token)
    if row is None:
        await app[AUTH_FAILURES].record(to_iso(now), "sign_in_failed", None, request.remote,
                                        token)
        raise Unauthorized("that token is unknown, malformed or revoked")
    ttl = app[SETTINGS].session_ttl_s
    cookie, cookie_hash = new_session_secret()
    expires = to_iso(now + timedelta(seconds=ttl))
    await store.add_session(cookie_hash, row["token_id"], to_iso(now), expires)
    await store.audit(to_iso(now), Principal.from_row(row).actor, "sign_in", None,
                      {"remote": request.remote})
    response = json_response({"role": row["role"], "kiosk_id": row["kiosk_id"],
                              "expires_at": expires})
    response.set_cookie(SESSION_COOKIE, cookie, max_age=ttl, path="/", httponly=True,
                        samesite="Strict", secure=app[SETTINGS].cookie_secure)
    return response


@docs(tags=["auth"], summary="Sign this browser out",
      description="Answers JSON, as every route does (a 204 would have no content type "
      "for the spec to name).",
      responses={200: {"schema": SignedOutSchema, "description": "Signed out"},
                 **errors(401, 403, 500)})
async def delete_session(request: web.Request) -> web.Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and is_session_value(cookie):
        await request.app[AUTH_STORE].end_session(hash_secret(cookie))
    await audit(request, "sign_out")
    response = json_response({"signed_out": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
