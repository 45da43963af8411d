"""Authentication and authorization for every route, before any body is read.

A caller is a bearer token (`Authorization: Bearer aoc_…`) or a browser session cookie.
Routes without an access rule are refused (fail closed). A cookie cannot authorize a
state-changing request from another origin.
"""
from aiohttp import web

from server.auth.store import Principal
from server.auth.tokens import hash_secret, is_session_value
from server.clock import to_iso
from server.errors import CrossSiteRequest, Forbidden, TooManyRequests, Unauthorized
from server.web.access import PUBLIC, rate_limit_of, roles_of
from server.web.identity import PRINCIPAL
from server.web.keys import AUTH_FAILURES, AUTH_STORE, CLOCK, RATE_LIMITS, SIGNATURES
from server.web.validation import read_body

SESSION_COOKIE = "aoc_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="always-on-checkout"'}


async def _refuse(request: web.Request, sent: str | None, message: str) -> Unauthorized:
    """The 401 of a bad credential, once the failure is audited (or counted)."""
    await request.app[AUTH_FAILURES].record(to_iso(request.app[CLOCK]()), "auth_failed",
                                            request.path, request.remote, sent)
    return Unauthorized(message, headers=CHALLENGE)


async def _from_bearer(request: web.Request, header: str) -> Principal:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":  # a token pasted alone, as printed (the /docs field)
        raise await _refuse(request, token or scheme, "put the word Bearer and a space before "
                            "the token: Authorization: Bearer aoc_…")
    row = await request.app[AUTH_STORE].credential_for_token(token.strip())
    if row is None:
        raise await _refuse(request, token, "the credential is unknown, malformed or revoked")
    return Principal.from_row(row)


async def authenticate(request: web.Request) -> tuple[Principal, bool]:
    """The caller and whether it came by cookie; 401 when there is none or it is bad. A
    store's signed request (on a service that takes them) is checked over its exact body."""
    if "Signature-Input" in request.headers and SIGNATURES in request.app:
        return await request.app[SIGNATURES](request, await read_body(request)), False
    header = request.headers.get("Authorization")
    if header:
        return await _from_bearer(request, header), False
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and not is_session_value(cookie):
        raise await _refuse(request, None, "the session cookie is malformed; sign in again")
    if cookie:
        now, session_hash = to_iso(request.app[CLOCK]()), hash_secret(cookie)
        row = await request.app[AUTH_STORE].session_credential(session_hash, now)
        if row is not None:
            return Principal.from_row(row, session_hash), True
        raise Unauthorized("the session has expired or was ended; sign in again",
                           headers=CHALLENGE)
    raise Unauthorized("sign in, or send Authorization: Bearer <token>", headers=CHALLENGE)


def check_same_origin(request: web.Request) -> None:
    """A cookie-borne write must come from our own pages (Origin, else Referer, is us)."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    own = f"{request.scheme}://{request.host}"
    if source != own and not source.startswith(own + "/"):
        raise CrossSiteRequest("a signed-in browser request must come from this site's pages",
                               {"origin": source or None})


def _check_rate(request: web.Request, handler, principal: Principal) -> None:
    wait = request.app[RATE_LIMITS].wait(rate_limit_of(handler), principal.token_id)
    if wait is not None:
        raise TooManyRequests.after(wait, "too many requests from this credential; slow down")


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """Let a request through only with a credential of a role the route allows."""
    if request.match_info.http_exception is not None:
        return await handler(request)  # the router's own 404/405
    roles = roles_of(request.match_info.handler)
    if roles is None:
        raise Forbidden("this route has no access rule")
    if roles is PUBLIC:
        return await handler(request)
    principal, by_cookie = await authenticate(request)
    if principal.role not in roles:
        raise Forbidden(f"the {principal.role} role may not use this route",
                        {"role": principal.role, "allowed_roles": sorted(roles)})
    if by_cookie and request.method not in SAFE_METHODS:
        check_same_origin(request)
    _check_rate(request, request.match_info.handler, principal)
    request[PRINCIPAL] = principal
    return await handler(request)
