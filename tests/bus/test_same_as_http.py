"""The proof that the bus carries what HTTP carries: a batch message, sent as it is (its
exact body and its signing headers) to head office's real `POST /hq/v1/batches` on
PostgreSQL, is taken there, signature and all; the message's id header changes nothing."""
import io

from server.bus.envelope import BATCH_PATH, batch_message
from tests.chain import conftest as chain
from tests.chain.helpers import batch_body, sales_rows

hq_client, store = chain.hq_client, chain.store  # head office's app, and store-a enrolled


async def test_head_office_s_http_route_takes_a_batch_message_as_it_is(hq_client, store):
    body = batch_body("store-a", sales_rows("k1", count=3))
    message = batch_message(store.key, body, "store-a", "k1", 1, 3)
    answer = await hq_client.post(BATCH_PATH, data=io.BytesIO(message.body),
                                  headers=message.headers)
    assert answer.status == 200, await answer.text()
    assert (await answer.json())["inserted"] == 3
    other = message.body.replace(b"Mellanmj", b"Mellanmk", 1)  # one byte changed
    refused = await hq_client.post(BATCH_PATH, data=io.BytesIO(other), headers=message.headers)
    assert refused.status == 401
    assert (await refused.json())["error"]["code"] == "bad_signature"
