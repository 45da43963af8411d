"""What the chain's tests do to a store and to head office, as a kiosk, an operator or an
auditor would."""
import asyncio
import json
import urllib.error
import urllib.request
import uuid

import asyncpg

MILK = "7318001010007"


def call(url: str, method: str = "GET", token: str | None = None, body=None,
         headers: dict | None = None) -> tuple[int, dict]:
    """One HTTP call (blocking: run it in a thread); its status and JSON answer."""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"}
                                               if token else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


async def acall(*args, **kwargs) -> tuple[int, dict]:
    return await asyncio.to_thread(call, *args, **kwargs)


async def sell(edge, kiosk: str = "kiosk-1", count: int = 1) -> list[str]:
    """`count` sales at a kiosk of the edge; their order_uuids."""
    uuids = []
    for _ in range(count):
        status, order = await acall(f"{edge.url}/edge/checkout", "POST", edge.token(kiosk), {
            "idempotency_key": str(uuid.uuid4()), "items": [{"sku": MILK, "qty": 1}],
            "payment": {"method": "card", "reference": "TERM-1"}})
        assert status == 201, order
        uuids.append(order["order_uuid"])
    return uuids


async def beat(edge, kiosk: str = "kiosk-1", link_up: bool = True) -> dict:
    status, ack = await acall(f"{edge.url}/edge/heartbeat", "POST", edge.token(kiosk),
                              {"central_link_up": link_up})
    assert status == 200, ack
    return ack


async def held_at_hq(dsn: str, store_id: str | None = None) -> list[asyncpg.Record]:
    """The rows head office's ledger holds (of one store), read in PostgreSQL directly."""
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(
            "SELECT c.*, b.key_id FROM central_orders AS c JOIN hq_batches AS b"
            " USING (store_id, batch_id) WHERE $1::text IS NULL OR store_id = $1"
            " ORDER BY id", store_id)
    finally:
        await conn.close()


async def until(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll an async predicate until it holds (a deadline, not a bound); its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := await predicate()):
        assert loop.time() < deadline, "the condition never held"
        await asyncio.sleep(interval)
    return value


def sales_rows(kiosk: str = "kiosk-1", count: int = 3, first: int = 0,
               day: str = "2026-12-03", prev: str | None = None) -> list[list]:
    """Rows of server.orders.BATCH_COLUMNS as an honest edge makes them: priced lines that
    sum to the total, and each kiosk's hash chain."""
    from server.journal.chain import GENESIS, entry_hash
    from server.orders import BATCH_COLUMNS
    rows, prev = [], prev or GENESIS
    for i in range(first, first + count):
        key = f"key-{kiosk}-{i:06d}"
        items = [{"sku": MILK, "name": "Mellanmjölk", "qty": 1, "unit_price_ore": 1695,
                  "line_total_ore": 1695, "vat_rate": 12}]
        row = {"order_uuid": f"{kiosk}:{key}", "kiosk_id": kiosk, "idempotency_key": key,
               "items_json": json.dumps(items), "vat_json": json.dumps(
                   [{"rate": 12, "gross_ore": 1695, "amount_ore": 182}]),
               "total_ore": 1695, "payment_json": json.dumps({"method": "card",
                                                              "reference": "T-1"}),
               "catalog_version": "v1", "created_at": f"{day}T10:00:00.000000+00:00",
               "business_day": day, "prev_hash": prev}
        row["entry_hash"] = prev = entry_hash(prev, row)
        rows.append([row[name] for name in BATCH_COLUMNS])
    return rows


def batch_body(store_id: str, rows: list[list]) -> bytes:
    """A batch's body, as the edge sends it."""
    return json.dumps({"store_id": store_id, "rows": rows}).encode()
