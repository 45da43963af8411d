"""A batch as a store sends it to head office, checked whole before anything is written:
`{"store_id": "...", "rows": [[...], ...]}`, each row the values of
server.orders.BATCH_COLUMNS as the edge stored them. A row that is not what an honest edge
makes (a missing or extra column, a wrong type, a total that is not the sum of its lines, a
business day that is no date) refuses the whole batch, naming each problem.

A whole batch is first looked at column by column (`surely_good`), which says yes only when
the row-by-row checks would find nothing; on any doubt the rows are checked one by one,
which names each problem. Row by row, the rules cost ~11 µs a row, most of it Python's own
overhead per value; by columns, ~4 µs (most of it decoding each sale's lines, which no rule
can skip), for the batches of honest edges, which are all but every batch."""
import datetime
import json
import operator
import re

import orjson

from server.errors import BatchTooLarge, InvalidFields, MalformedRequest
from server.orders import BATCH_COLUMNS, ID_PATTERN, IDEMPOTENCY_KEY_PATTERN

_ID = re.compile(ID_PATTERN)
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_HASH = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HEX = re.compile(r"[0-9a-f]*")
_KEY_CHARS = re.compile(r"[A-Za-z0-9_-]*")
COLUMN = {name: i for i, name in enumerate(BATCH_COLUMNS)}
TEXT_COLUMNS = [name for name in BATCH_COLUMNS
                if name not in ("total_ore", "prev_hash", "entry_hash")]
_NOT_LINES = (orjson.JSONDecodeError, TypeError, KeyError, RecursionError)
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)
MAX_PROBLEMS = 20  # named in a refusal; the count says how many there were in all


def batch_request_body(store_id: str, rows: str) -> bytes:
    """The body a store sends a batch in (by HTTP, or on the bus): its store and its rows, the
    JSON array text as the edge wrote it, put in as it is."""
    return f'{{"store_id":{json.dumps(store_id)},"rows":'.encode() + rows.encode() + b"}"


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
    if surely_good(rows):
        return store_id, rows
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


def surely_good(rows: list) -> bool:
    """True only if no row has a problem (`row_problems`) and no order_uuid comes twice,
    checked column by column: each rule over a whole column at once, and over the distinct
    values only where a batch repeats them (its kiosk, its day, its few payment texts).
    False means: look row by row."""
    width = len(BATCH_COLUMNS)
    if not all(type(row) is list and len(row) == width for row in rows):
        return False
    column = dict(zip(BATCH_COLUMNS, zip(*rows, strict=True), strict=True))
    if any(set(map(type, column[name])) != {str} for name in TEXT_COLUMNS) or \
            set(map(type, column["total_ore"])) != {int} or min(column["total_ore"]) < 0:
        return False
    kiosks, keys, uuids = column["kiosk_id"], column["idempotency_key"], column["order_uuid"]
    if not (all(map(_ID.fullmatch, set(kiosks))) and _keys_good(keys)
            and list(map(":".join, zip(kiosks, keys, strict=True))) == list(uuids)
            and len(set(uuids)) == len(uuids)):
        return False
    try:
        totals = list(map(_lines_total, map(orjson.loads, column["items_json"])))
        vat_ok = all(isinstance(orjson.loads(v), list) for v in set(column["vat_json"]))
        pay_ok = all(isinstance(orjson.loads(p), dict) for p in set(column["payment_json"]))
    except _NOT_LINES:
        return False
    return (vat_ok and pay_ok and set(map(type, totals)) == {int}
            and all(map(operator.eq, totals, column["total_ore"]))
            and all(map(_valid_day, set(column["business_day"])))
            and not any(map(_created_problem, set(column["created_at"])))
            and _hashes_good(column["prev_hash"]) and _hashes_good(column["entry_hash"]))


def _keys_good(keys) -> bool:
    """Every key matches IDEMPOTENCY_KEY_PATTERN: 8 to 64 long, and made of its characters
    (one scan over them all: none of them can hide a separator)."""
    return 8 <= min(map(len, keys)) and max(map(len, keys)) <= 64 and \
        bool(_KEY_CHARS.fullmatch("".join(keys)))


def _hashes_good(hashes) -> bool:
    """Every hash is 64 hex digits (a batch of sales from before the journal, with None
    there, is left to the row-by-row checks)."""
    return set(map(type, hashes)) == {str} and set(map(len, hashes)) == {64} and \
        bool(_HEX.fullmatch("".join(hashes)))


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


def _lines_total(items):
    """The sum of decoded items' line totals (TypeError or KeyError if they are no lines)."""
    return sum(line["line_total_ore"] for line in items)


def _money_problems(value: dict) -> list[tuple[str, str]]:
    total = value["total_ore"]
    if type(total) is not int or total < 0:
        return [("total_ore", "not a whole number of öre, 0 or more")]
    try:
        items, vat = orjson.loads(value["items_json"]), orjson.loads(value["vat_json"])
        payment = orjson.loads(value["payment_json"])
        lines = _lines_total(items)
    except _NOT_LINES:
        return [("items_json", "not the edge's lines (JSON, each with line_total_ore)")]
    problems = []
    if not isinstance(vat, list) or not isinstance(payment, dict):
        problems.append(("vat_json", "VAT is a list and payment an object"))
    if type(lines) is not int or lines != total:
        problems.append(("total_ore", f"is not the sum of its lines ({lines})"))
    return problems


def _valid_day(day: str) -> bool:
    try:
        return bool(_DAY.fullmatch(day)) and \
            EARLIEST <= datetime.date.fromisoformat(day) <= LATEST
    except ValueError:
        return False


def _created_problem(text: str) -> str | None:
    try:
        created = datetime.datetime.fromisoformat(text)
    except ValueError:
        return "not an ISO 8601 time"
    return "an ISO 8601 time with its offset" if created.tzinfo is None else None


def _time_problems(value: dict) -> list[tuple[str, str]]:
    problems = []
    if not _valid_day(value["business_day"]):
        problems.append(("business_day", "not a date YYYY-MM-DD between 2000 and 2099"))
    created = _created_problem(value["created_at"])
    if created:
        problems.append(("created_at", created))
    return problems


def _hash_problems(value: dict) -> list[tuple[str, str]]:
    hashes = (value["prev_hash"], value["entry_hash"])
    if hashes == (None, None):  # a sale from before the journal
        return []
    return [(name, "not 64 hex digits") for name, digest in zip(("prev_hash", "entry_hash"),
                                                               hashes, strict=True)
            if not isinstance(digest, str) or not _HASH.fullmatch(digest)]
