"""Shorthands for documenting views: error responses and the pagination answer."""
from marshmallow import Schema, fields


class ErrorBodySchema(Schema):
    code = fields.Str(required=True, metadata={"description": "snake_case machine code"})
    message = fields.Str(required=True, metadata={"description": "a sentence for people"})
    details = fields.Dict(required=True)


class ErrorSchema(Schema):
    """The one error envelope of every API failure (server/web/envelope.py)."""

    error = fields.Nested(ErrorBodySchema, required=True)


ERROR_TEXT = {
    400: "Malformed request (not JSON, not an object, or a required body missing)",
    401: "No credential, or one that is unknown, malformed or revoked",
    403: "The credential's role may not do this, or it names another kiosk",
    429: "Too many requests from this credential (see Retry-After)",
    404: "Not found",
    408: "request_timeout: the body did not arrive within http_idle_timeout_s",
    409: "Conflict",
    413: "Body larger than the configured limit",
    415: "unsupported_content_encoding: bodies are sent uncompressed, without Content-Encoding",
    422: "Invalid fields, with a message per field",
    500: "Unexpected failure (logged with the request id)",
    503: "The central link is down or a store is unavailable",
}


def errors(*statuses: int, **texts: str) -> dict:
    """`@docs(responses=...)` entries for the given error statuses, all with the envelope."""
    answer = {}
    for status in statuses:
        text = texts.get(f"e{status}", ERROR_TEXT[status])
        answer[status] = {"schema": ErrorSchema, "description": text}
    return answer
