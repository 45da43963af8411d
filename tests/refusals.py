"""Helpers of the bad-input tests: the JSON error envelope as every refusal must carry it,
bodies with one field changed, and the proof that a refusal wrote nothing."""
import copy
import json

from server.config import EDGE_DB
from tests.store_files import central_rows, count_rows, edge_rows

MISSING = object()              # "remove this field" in the tables of the tests


def kiosk_rows(settings) -> int:
    return count_rows(settings, EDGE_DB, "kiosks")


def assert_nothing_written(settings) -> None:
    assert (edge_rows(settings), kiosk_rows(settings), central_rows(settings)) == (0, 0, 0)


async def assert_error(resp, status: int, code: str | None = None, field: str | None = None):
    """The response is the envelope with this status/code (and names `field`); returns it."""
    text = await resp.text()
    assert resp.status == status, text
    assert resp.content_type == "application/json", text
    assert resp.headers.get("X-Request-Id"), "every error carries a request id"
    assert "Traceback" not in text
    error = json.loads(text)["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert field in error["details"]["fields"], error
        assert error["details"]["fields"][field], "each named field carries a message"
    return error


def with_change(body: dict, path: str, value) -> dict:
    """A copy of `body` with the dotted `path` ("items.0.qty") set to `value` (or removed)."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key = int(last) if isinstance(node, list) else last
    if value is MISSING:
        del node[key]
    else:
        node[key] = value
    return body
