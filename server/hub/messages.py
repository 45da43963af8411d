"""Socket messages: each has a `type` and a JSON schema in schema/messages/."""
import json
from functools import cache

from jsonschema import Draft202012Validator

from server.sqlite import SCHEMA_ROOT

MESSAGES_DIR = SCHEMA_ROOT / "messages"


class MessageError(Exception):
    """A message the edge cannot take; answered with an error message, the socket stays."""

    def __init__(self, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or {}

    def as_message(self) -> dict:
        """The error as sent on the socket."""
        return error_message(self.code, self.message, self.details)


def error_message(code: str, message: str, details: dict | None = None) -> dict:
    """An `error` message (schema/messages/error.json)."""
    return {"type": "error", "code": code, "message": message, "details": details or {}}


@cache
def validator(schema_name: str) -> Draft202012Validator:
    """The validator of schema/messages/<schema_name>.json, loaded once."""
    schema = json.loads((MESSAGES_DIR / f"{schema_name}.json").read_text())
    return Draft202012Validator(schema)


def parse_message(raw: str, schemas: dict[str, str], max_bytes: int) -> dict:
    """Check size, JSON, type and schema of an inbound message; raise MessageError if bad."""
    if len(raw.encode("utf-8", "surrogatepass")) > max_bytes:
        raise MessageError("message_too_large", f"messages are at most {max_bytes} bytes")
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):
        raise MessageError("malformed_message", "a message must be a JSON object") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise MessageError("malformed_message", "a message must be an object with a `type`")
    if message["type"] not in schemas:
        raise MessageError("unknown_type", f"no message type {message['type']!r} here",
                           {"known_types": sorted(schemas)})
    problems = {}
    for error in validator(schemas[message["type"]]).iter_errors(message):
        path = ".".join(str(p) for p in error.absolute_path) or "_schema"
        problems.setdefault(path, []).append(error.message[:200])
    if problems:
        raise MessageError("invalid_message", "some fields are invalid", {"fields": problems})
    return message
