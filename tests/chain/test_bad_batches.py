"""A batch that is not what an honest edge makes is refused whole, with a clear 4xx naming
what is wrong, and writes nothing: the signature is good, the content is not."""
import json

import pytest

from server.orders import BATCH_COLUMNS
from server.web.keys import SETTINGS
from tests.chain.helpers import batch_body, sales_rows
from tests.chain.test_signatures import BATCHES, assert_refused, written

COLUMN = {name: i for i, name in enumerate(BATCH_COLUMNS)}


def with_change(column: str, value) -> list[list]:
    rows = sales_rows(count=2)
    rows[1][COLUMN[column]] = value
    return rows


@pytest.mark.parametrize("rows, field", [
    (with_change("total_ore", 1696), "rows.1.total_ore"),
    (with_change("total_ore", "1695"), "rows.1.total_ore"),
    (with_change("business_day", "2026-02-30"), "rows.1.business_day"),
    (with_change("business_day", "03/12/2026"), "rows.1.business_day"),
    (with_change("order_uuid", "kiosk-2:key-kiosk-1-000001"), "rows.1.order_uuid"),
    (with_change("entry_hash", "not a hash"), "rows.1.entry_hash"),
    (with_change("created_at", "yesterday"), "rows.1.created_at"),
    (with_change("items_json", "[{]"), "rows.1.items_json"),
    ([sales_rows(count=1)[0][:-1]], "rows.0._row"),                  # a column missing
    ([sales_rows(count=1)[0] + ["extra"]], "rows.0._row"),           # a column too many
    (sales_rows(count=1) * 2, "rows.1.order_uuid"),                  # one sale twice
], ids=["total-not-its-lines", "total-as-text", "no-such-day", "day-spelt-otherwise",
        "uuid-of-another-kiosk", "hash-not-hex", "time-not-iso", "lines-not-json",
        "column-missing", "column-extra", "sale-twice"])
async def test_a_bad_row_refuses_the_whole_batch_and_names_itself(store, postgres, rows, field):
    error = await assert_refused(await store.post(BATCHES, batch_body("store-a", rows)), 422,
                                 "invalid_fields")
    assert field in error["details"]["fields"], error
    assert await written(postgres) == (0, 0)


@pytest.mark.parametrize("body", [
    b"{not json", b"[]", json.dumps({"store_id": "store-a"}).encode(),
    json.dumps({"store_id": "store-a", "rows": [], "extra": 1}).encode(),
], ids=["not-json", "not-an-object", "no-rows", "unknown-key"])
async def test_a_malformed_batch_is_a_400(store, postgres, body):
    await assert_refused(await store.post(BATCHES, body), 400, "malformed_request")
    assert await written(postgres) == (0, 0)


async def test_more_rows_than_a_batch_may_hold_is_a_413(store, hq_client, postgres):
    limit = hq_client.app[SETTINGS].hq_max_batch_rows
    rows = sales_rows(count=limit + 1)
    error = await assert_refused(await store.post(BATCHES, batch_body("store-a", rows)), 413,
                                 "batch_too_large")
    assert error["details"]["rows"] == limit + 1
    assert await written(postgres) == (0, 0)


@pytest.mark.parametrize("rows", [20_000, 100_000])
async def test_a_batch_over_the_body_limit_is_a_413(store, postgres, rows):
    row = sales_rows(count=1)[0]
    body = batch_body("store-a", [row] * rows)  # 10 MB and 50 MB of rows
    resp = await store.post(BATCHES, body)
    assert resp.status == 413, await resp.text()
    assert (await resp.json())["error"]["code"] == "request_too_large"
    assert await written(postgres) == (0, 0)
