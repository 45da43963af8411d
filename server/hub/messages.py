"""Socket messages: each has a `type` and a JSON schema in schema/messages/."""
import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from server import json_text
from server.schema import MESSAGES_DIR

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

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
def schema(schema_name: str) -> dict:
    """schema/messages/<schema_name>.json, read once."""
    return json.loads((MESSAGES_DIR / f"{schema_name}.json").read_text())


@cache
def validator(schema_name: str) -> "Draft202012Validator":
    """The validator of schema/messages/<schema_name>.json, built once. jsonschema is imported
    here, at the first message the quick check cannot pass, not at start-up (~80 ms of it)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(schema_name))


# Keywords that only describe: they constrain nothing, so a quick check may ignore them.
_ANNOTATIONS = {"$schema", "$id", "title", "description"}
FieldCheck = Callable[[object], bool]


def _field_check(spec: dict) -> FieldCheck | None:
    """A check of one property's value, for the plain shapes messages use (a string const,
    a boolean, a string with at most maxLength characters); None for anything else."""
    rules = {k: v for k, v in spec.items() if k not in _ANNOTATIONS}
    if rules.keys() == {"const"} and isinstance(rules["const"], str):
        const = rules["const"]
        return lambda value: type(value) is str and value == const
    if rules == {"type": "boolean"}:
        return lambda value: type(value) is bool
    if rules.get("type") == "string" and rules.keys() <= {"type", "maxLength"}:
        most = rules.get("maxLength", float("inf"))
        return lambda value: type(value) is str and len(value) <= most
    return None


@cache
def quick_check(schema_name: str) -> Callable[[dict], bool] | None:
    """The quick check of schema/messages/<schema_name>.json (see `quick_check_of`)."""
    return quick_check_of(schema(schema_name))


def quick_check_of(message_schema: dict) -> Callable[[dict], bool] | None:
    """A fast yes for messages the schema plainly accepts, or None if the schema is not one
    of the plain shapes (an object of known fields, some required, nothing else).

    Every heartbeat of every kiosk is validated: jsonschema took ~40% of the edge's main
    thread with 10,000 kiosks. The quick check never says yes to a message jsonschema
    refuses (tests/test_message_checks.py tries near misses of each schema); a no only
    means "ask jsonschema", which gives the reasons."""
    rules = {k: v for k, v in message_schema.items() if k not in _ANNOTATIONS}
    if not (rules.get("type") == "object" and rules.get("additionalProperties") is False
            and rules.keys() <= {"type", "properties", "required", "additionalProperties"}):
        return None
    checks = {name: _field_check(spec) for name, spec in rules.get("properties", {}).items()}
    if None in checks.values():
        return None
    required = frozenset(rules.get("required", ()))

    def accepts(message: dict) -> bool:
        if not required <= message.keys():
            return False
        for name, value in message.items():
            check = checks.get(name)
            if check is None or not check(value):
                return False
        return True

    return accepts


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
    if json_text.holds_lone_surrogate(raw, message):
        raise MessageError("malformed_message", "the message holds a lone UTF-16 surrogate, "
                           "which is not text")
    if message["type"] not in schemas:
        raise MessageError("unknown_type", f"no message type {message['type']!r} here",
                           {"known_types": sorted(schemas)})
    quick = quick_check(schemas[message["type"]])
    if quick is not None and quick(message):
        return message
    problems = {}
    for error in validator(schemas[message["type"]]).iter_errors(message):
        path = ".".join(str(p) for p in error.absolute_path) or "_schema"
        problems.setdefault(path, []).append(error.message[:200])
    if problems:
        raise MessageError("invalid_message", "some fields are invalid", {"fields": problems})
    return message
