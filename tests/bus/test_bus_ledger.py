"""The bus ledger on its own, against the real NATS: what it answers for a batch published
again (JetStream's duplicate window: already present), how a batch is cut into parts (the
rows of the parts are the batch's, byte for byte), and a failure is the whole ledger's."""
import json

import pytest

from reliability.nats_process import free_port
from server.bus.names import BadBusName
from server.bus.parts import RowTooLarge, batch_messages, message_size, row_texts
from server.bus.stream import ensure_stream
from server.central.bus_ledger import BusLedger
from server.central.ledger import BatchOrigin
from server.central.remote_ledger import HeadOfficeError, RemoteLedger
from server.chain.batches import batch_request_body
from server.chain.store_keys import KEY_FILE, create_key
from server.config import Settings
from tests.chain.helpers import sales_rows

STORE = "store-a"


@pytest.fixture
async def ledger_at(tmp_path):
    """A bus ledger of store-a at a NATS URL and subject prefix; closed after."""
    opened = []
    create_key(tmp_path / KEY_FILE)

    async def make(nats_url: str, prefix: str) -> BusLedger:
        remote = RemoteLedger(f"http://127.0.0.1:{free_port()}", STORE, tmp_path, 1, 2, 5)
        ledger = await BusLedger(remote, nats_url, prefix, 1.0, 2.0).open()
        opened.append(ledger)
        return ledger
    yield make
    for ledger in opened:
        await ledger.close()


async def test_a_batch_published_again_in_the_window_is_already_present(
        ledger_at, nats_url, js, bus_names):
    await ensure_stream(js, bus_names.spec())
    ledger = await ledger_at(nats_url, bus_names.prefix)
    batch, origin = json.dumps(sales_rows("k1", 3)), BatchOrigin("k1", (4, 9, 12))
    first = await ledger.deliver(batch, origin)
    again = await ledger.deliver(batch, origin)
    assert (first.inserted, first.already_present, first.refused) == (3, 0, {})
    assert (again.inserted, again.already_present) == (0, 3)
    assert (await js.stream_info(bus_names.stream)).state.messages == 1


async def test_an_unreachable_bus_fails_the_whole_ledger_not_the_batch(ledger_at, bus_names):
    ledger = await ledger_at(f"nats://127.0.0.1:{free_port()}", bus_names.prefix)
    with pytest.raises(HeadOfficeError, match="the bus is unreachable") as failed:
        await ledger.deliver(json.dumps(sales_rows("k1", 1)), BatchOrigin("k1", (1,)))
    assert failed.value.whole_ledger


def test_parts_are_the_batch_s_own_row_texts_each_under_the_limit(tmp_path):
    key = create_key(tmp_path / KEY_FILE)
    # As SQLite's json_group_array writes a batch: UTF-8, no spaces.
    rows = json.dumps(sales_rows("k1", 7), ensure_ascii=False, separators=(",", ":"))
    seqs = tuple(range(10, 17))
    whole = batch_messages(key, STORE, "k1", rows, seqs, 1024 * 1024)
    assert [part.rows for part in whole] == [7]
    parts = batch_messages(key, STORE, "k1", rows, seqs, 1500)  # rows of ~490 bytes
    assert len(parts) > 2 and sum(part.rows for part in parts) == 7
    assert all(message_size(part.message) <= 1500 for part in parts)
    framing = len(batch_request_body(STORE, ""))  # the body is its framing around the rows
    carried = [text for part in parts
               for text in row_texts(part.message.body[framing - 1:-1].decode())]
    assert f"[{','.join(carried)}]" == rows
    with pytest.raises(RowTooLarge):
        batch_messages(key, STORE, "k1", rows, seqs, 900)


@pytest.mark.parametrize("settings, problem", [
    ({"central_transport": "kafka"}, "central_transport must be http or nats"),
    ({"central_transport": "nats", "central_url": "http://hq:8090"}, "nats_url must be"),
    ({"central_transport": "nats", "nats_url": "nats://127.0.0.1:4222"}, "needs central_url"),
    ({"nats_publish_timeout_s": 0}, "nats_publish_timeout_s must be positive"),
])
def test_the_bus_settings_are_checked_at_start(tmp_path, settings, problem):
    with pytest.raises(ValueError, match=problem):
        Settings(data_dir=str(tmp_path), **settings)


def test_a_store_whose_id_cannot_be_a_subject_token_cannot_start_on_the_bus(tmp_path):
    remote = RemoteLedger("http://127.0.0.1:9", "store.7", tmp_path, 1, 2, 5)
    with pytest.raises(BadBusName):
        BusLedger(remote, "nats://127.0.0.1:4222", "sales", 1.0, 2.0)
