"""A batch as a store sends it to head office, checked whole before anything is written:
`{"store_id": "...", "rows": [[...], ...]}`, each row the values of
server.orders.BATCH_COLUMNS as the edge stored them. A row that is not what an honest edge
makes (a missing or extra column, a wrong type, a total that is not the sum of its lines, a
business day that is no date) refuses the whole batch, naming each problem."""
import datetime
import re

import orjson

from server.errors import BatchTooLarge, InvalidFields, MalformedRequest
from server.orders import BATCH_COLUMNS, ID_PATTERN, IDEMPOTENCY_KEY_PATTERN

_ID = re.compile(ID_PATTERN)
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_HASH = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
COLUMN = {name: i for i, name in enumerate(BATCH_COLUMNS)}
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)
MAX_PROBLEMS = 20  # named in a refusal; the count says how many there were in all


def parse_batch(body: bytes, max_rows: int) -> tuple[str, list[list]]:
    """(store_id, rows) of a batch body, or the refusal that names what is wrong."""
    try:
        envelope = orjson.loads(body)  # it reads a number past 64 bits as a float: refused
    except (orjson.JSONDecodeError, RecursionError):
        raise MalformedRequest("the batch is not valid JSON") from None
    if not isinstance(envelope, dict) or envelope.keys() != {"store_id", "rows"}:
        raise MalformedRequest('a batch is {"store_id": ..., "rows": [...]}, nothing else')
    store_id, rows = envelope["store_id"], envelope["rows"]
    if not isinstance(store_id, str) or not _ID.fullmatch(store_id):
        raise InvalidFields("not a store id", {"fields": {"store_id": ["not a store id"]}})
    if not isinstance(rows, list) or not rows:
        raise InvalidFields("a batch holds rows", {"fields": {"rows": ["one row at least"]}})
    if len(rows) > max_rows:
        raise BatchTooLarge(f"a batch holds at most {max_rows} rows", {"rows": len(rows)})
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, row in enumerate(rows):
        for column, problem in row_problems(row):
            problems.setdefault(f"rows.{index}.{column}", []).append(problem)
        if isinstance(row, list) and len(row) == len(BATCH_COLUMNS):
            if row[0] in seen:
                problems.setdefault(f"rows.{index}.order_uuid", []).append("twice in the batch")
            seen.add(row[0])
    if problems:
        named = dict(list(problems.items())[:MAX_PROBLEMS])
        raise InvalidFields(f"{len(problems)} field(s) of the batch are not as an edge makes "
                            "them; nothing was written", {"fields": named})
    return store_id, rows


def row_problems(row) -> list[tuple[str, str]]:
    """What is wrong with one row, as (column, problem); none for a good row."""
    if not isinstance(row, list) or len(row) != len(BATCH_COLUMNS):
        return [("_row", f"a row is a list of the {len(BATCH_COLUMNS)} batch columns")]
    value = dict(zip(BATCH_COLUMNS, row, strict=True))
    problems = [(name, "not text") for name in BATCH_COLUMNS
                if name != "total_ore" and name not in ("prev_hash", "entry_hash")
                and not isinstance(value[name], str)]
    if problems:
        return problems
    if not _ID.fullmatch(value["kiosk_id"]):
        problems.append(("kiosk_id", "not a kiosk id"))
    if not _KEY.fullmatch(value["idempotency_key"]):
        problems.append(("idempotency_key", "not an idempotency key"))
    if value["order_uuid"] != f"{value['kiosk_id']}:{value['idempotency_key']}":
        problems.append(("order_uuid", "is not kiosk_id:idempotency_key"))
    problems += _money_problems(value) + _time_problems(value) + _hash_problems(value)
    return problems


def _money_problems(value: dict) -> list[tuple[str, str]]:
    total = value["total_ore"]
    if type(total) is not int or total < 0:
        return [("total_ore", "not a whole number of öre, 0 or more")]
    try:
        items, vat = orjson.loads(value["items_json"]), orjson.loads(value["vat_json"])
        payment = orjson.loads(value["payment_json"])
        lines = sum(line["line_total_ore"] for line in items)
    except (orjson.JSONDecodeError, TypeError, KeyError, RecursionError):
        return [("items_json", "not the edge's lines (JSON, each with line_total_ore)")]
    problems = []
    if not isinstance(vat, list) or not isinstance(payment, dict):
        problems.append(("vat_json", "VAT is a list and payment an object"))
    if type(lines) is not int or lines != total:
        problems.append(("total_ore", f"is not the sum of its lines ({lines})"))
    return problems


def _time_problems(value: dict) -> list[tuple[str, str]]:
    problems = []
    day = value["business_day"]
    try:
        valid_day = _DAY.fullmatch(day) and EARLIEST <= datetime.date.fromisoformat(day) <= LATEST
    except ValueError:
        valid_day = False
    if not valid_day:
        problems.append(("business_day", "not a date YYYY-MM-DD between 2000 and 2099"))
    try:
        created = datetime.datetime.fromisoformat(value["created_at"])
        if created.tzinfo is None:
            problems.append(("created_at", "an ISO 8601 time with its offset"))
    except ValueError:
        problems.append(("created_at", "not an ISO 8601 time"))
    return problems


def _hash_problems(value: dict) -> list[tuple[str, str]]:
    hashes = (value["prev_hash"], value["entry_hash"])
    if hashes == (None, None):  # a sale from before the journal
        return []
    return [(name, "not 64 hex digits") for name, digest in zip(("prev_hash", "entry_hash"),
                                                               hashes, strict=True)
            if not isinstance(digest, str) or not _HASH.fullmatch(digest)]
