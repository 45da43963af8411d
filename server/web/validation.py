"""Request validation from the schemas each view declares with aiohttp-apispec's decorators.

The decorators put `__schemas__` on the view; this middleware loads the JSON body or the query
string through them and stores the result in `request["json"]` / `request["query"]`.
"""
import asyncio
import json

from aiohttp import web
from marshmallow import Schema, ValidationError

from server import json_text
from server.errors import InvalidFields, MalformedRequest, RequestTimeout
from server.web.keys import SETTINGS


def _field_errors(messages, path: tuple = ()) -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages into {"items.0.qty": ["..."]}."""
    if not isinstance(messages, dict):
        return {".".join(path) if path else "_schema": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        flat.update(_field_errors(value, path if key == "_schema" else (*path, str(key))))
    return flat


def load(schema: Schema, raw) -> dict:
    """Validate `raw` with `schema`; refuse with 422 and per-field messages. A schema on the
    hot path may offer a `fast_load` that answers the plainly valid body itself."""
    fast_load = getattr(schema, "fast_load", None)
    if fast_load is not None and (loaded := fast_load(raw)) is not None:
        return loaded
    try:
        return schema.load(raw)
    except ValidationError as exc:
        details = {"fields": _field_errors(exc.messages)}
        raise InvalidFields("some fields are invalid", details) from None


async def read_json(request: web.Request, schema: Schema):
    """The body as a JSON object; an empty body counts as {} only if nothing is required."""
    body = await read_body(request)
    if not body.strip():
        if any(field.required for field in schema.fields.values()):
            raise MalformedRequest("this route needs a JSON object as its body")
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedRequest("the body is not valid JSON", _why_not_json(exc)) from None
    if not isinstance(data, dict):
        raise MalformedRequest("the body must be a JSON object")
    if json_text.holds_lone_surrogate(body, data):
        raise MalformedRequest("the body holds a lone UTF-16 surrogate, which is not text")
    return data


def _why_not_json(exc: Exception) -> dict:
    """Where and why the parser stopped, in our words: Python's own messages name its
    internals (a 5,000-digit number: 'Exceeds the limit (4300 digits) for integer string
    conversion'; sys.set_int_max_str_digits)."""
    if isinstance(exc, json.JSONDecodeError):
        return {"reason": exc.msg, "position": exc.pos}
    if isinstance(exc, RecursionError):
        return {"reason": "nested too deeply"}
    return {"reason": "a number in it is too long to read"}


async def read_body(request: web.Request) -> bytes:
    """The whole body, within the idle timeout: aiohttp bounds a slow request head but not a
    body that trickles in (or never comes), which would hold the connection for ever."""
    settings = request.app[SETTINGS]
    if (request.content_length or 0) > settings.max_body_bytes:  # no need to wait for it
        raise web.HTTPRequestEntityTooLarge(settings.max_body_bytes, request.content_length)
    if request.content.is_eof():  # it came whole with the head (a sale's does): no wait, no timer
        return await request.read()
    try:
        async with asyncio.timeout(settings.http_idle_timeout_s):
            return await request.read()
    except TimeoutError:
        raise RequestTimeout("the request body did not arrive in time") from None


def read_query(request: web.Request) -> dict:
    """The query string as a dict; a parameter given twice is refused, not guessed at."""
    repeated = sorted({key for key in request.query if len(request.query.getall(key)) > 1})
    if repeated:
        raise InvalidFields("a query parameter was given twice",
                            {"fields": {key: ["given more than once"] for key in repeated}})
    return dict(request.query)


@web.middleware
async def validation_middleware(request: web.Request, handler):
    """Load each declared schema from its location before the view runs."""
    for spec in getattr(request.match_info.handler, "__schemas__", ()):
        location = spec["locations"][0]
        if location == "json":
            raw = await read_json(request, spec["schema"])
        else:
            raw = read_query(request)
        request[spec["put_into"] or location] = load(spec["schema"], raw)
    return await handler(request)
