"""The JSON error envelope, and the middleware that puts every API failure into it."""
import itertools
import logging
import secrets

from aiohttp import web

from server import json_text
from server.errors import DomainError

log = logging.getLogger(__name__)
# Request ids: this process's random tag and a counter. Unique, like a uuid4, without asking
# the kernel for 16 random bytes on every request.
_PROCESS_TAG = secrets.token_hex(6)
_REQUEST_NUMBERS = itertools.count(1)

HTTP_CODES = {
    400: "malformed_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "request_too_large", 415: "unsupported_media_type",
    422: "invalid_fields", 429: "too_many_requests",
}


def json_response(data, status: int = 200, headers: dict | None = None) -> web.Response:
    """A JSON answer."""
    return web.Response(body=json_text.dumps(data), status=status, headers=headers,
                        content_type="application/json", charset="utf-8")


def error_response(status: int, code: str, message: str, details: dict | None = None,
                   headers: dict | None = None) -> web.Response:
    """The envelope: {"error": {"code", "message", "details"}}."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return json_response(body, status=status, headers=headers)


def _from_http_exception(exc: web.HTTPException) -> web.Response:
    details = {}
    headers = {}
    if isinstance(exc, web.HTTPMethodNotAllowed):
        details["allowed_methods"] = sorted(exc.allowed_methods)
        headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
    code = HTTP_CODES.get(exc.status, f"http_{exc.status}")
    return error_response(exc.status, code, exc.reason, details, headers)


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Domain errors, aiohttp's own 4xx/5xx and crashes all leave as the JSON envelope."""
    request_id = f"{_PROCESS_TAG}-{next(_REQUEST_NUMBERS):08x}"
    request["request_id"] = request_id
    try:
        response = await handler(request)
    except DomainError as exc:
        response = error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _from_http_exception(exc)
    except Exception:
        log.exception("request %s %s failed (request id %s)", request.method, request.path,
                      request_id)
        response = error_response(500, "internal_error",
                                  "something went wrong on our side; it has been logged",
                                  {"request_id": request_id})
    response.headers["X-Request-Id"] = request_id
    return response
