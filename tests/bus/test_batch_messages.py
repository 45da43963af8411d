"""A batch on the bus: its subject and id, JetStream's duplicate window, and the signed
envelope, which head office verifies with the HTTP route's own verifier after a trip through
a real NATS server, and which one changed byte makes fail."""
import asyncio
import datetime
import json
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.bus.envelope import MSG_ID, ROWS, batch_message, request_view
from server.bus.names import (
    BadBusName,
    dead_letter_subject,
    message_id,
    message_range,
    store_subject,
)
from server.bus.parts import batch_messages
from server.bus.stream import ensure_stream
from server.chain.signing import KeyRecord, verify
from server.chain.store_keys import StoreKey
from server.errors import BadSignature, StaleSignature
from tests.chain.helpers import sales_rows

ROOT = Path(__file__).resolve().parents[2]
BODY = b'{"store_id":"store-a","rows":[]}'
MAX_AGE_S = 300  # head office's, over HTTP


def store_key() -> StoreKey:
    return StoreKey(Ed25519PrivateKey.generate())


def checked(key: StoreKey, store_id: str, headers, body: bytes, now=None):
    """The batch verified as HQ's HTTP route verifies one (server.hq.signatures)."""
    record = KeyRecord(store_id, key.key_id, key.public_key)
    return verify(*request_view(headers, body), record,
                  now or datetime.datetime.now(datetime.UTC), MAX_AGE_S)


async def test_the_same_message_id_twice_in_the_window_is_kept_once(js, bus_names):
    await ensure_stream(js, bus_names.spec())
    message = batch_message(store_key(), BODY, "store-a", "k1", 1, 10, bus_names.prefix)
    first = await js.publish(message.subject, message.body, headers=message.headers)
    again = await js.publish(message.subject, message.body, headers=message.headers)
    assert (first.duplicate, again.duplicate, again.seq) == (None, True, first.seq)
    assert (await js.stream_info(bus_names.stream)).state.messages == 1


async def test_two_stores_with_the_same_kiosks_and_seqs_never_share_an_id(js, bus_names):
    await ensure_stream(js, bus_names.spec())
    ids = {message_id(store, "k1", 120, 219, BODY) for store in ("store-7", "store-70")}
    assert len(ids) == 2 and "store-7/k1/120-219/" in min(ids)
    for store in ("store-7", "store-70"):
        message = batch_message(store_key(), BODY, store, "k1", 120, 219, bus_names.prefix)
        ack = await js.publish(message.subject, message.body, headers=message.headers)
        assert not ack.duplicate
    assert (await js.stream_info(bus_names.stream)).state.messages == 2


def test_a_store_s_seqs_starting_again_with_other_rows_get_another_id():
    assert message_id("store-a", "k1", 1, 10, BODY) != message_id(
        "store-a", "k1", 1, 10, BODY.replace(b"[]", b"[[]]"))


@pytest.mark.parametrize("store_id", ["store.7", "store*", "st>re", "store 7", "", "a/b"])
def test_a_store_id_that_cannot_be_one_token_of_a_subject_is_refused(store_id):
    with pytest.raises(BadBusName):
        store_subject(store_id)


async def test_dead_letters_fall_outside_the_sales_stream(js, nats_client, bus_names):
    await ensure_stream(js, bus_names.spec())
    subject = dead_letter_subject("store-a", bus_names.prefix)
    assert subject == f"{bus_names.prefix}_dead.store-a"
    await nats_client.publish(subject, b"refused")
    await nats_client.flush()
    assert (await js.stream_info(bus_names.stream)).state.messages == 0


async def test_another_system_reads_the_batch_with_its_signature_intact(js, nats_client,
                                                                        bus_names):
    await ensure_stream(js, bus_names.spec())
    reader = await nats_client.subscribe(f"{bus_names.prefix}.>")  # as finance would
    key = store_key()
    message = batch_message(key, BODY, "store-a", "k1", 1, 10, bus_names.prefix)
    await js.publish(message.subject, message.body, headers=message.headers)
    received = await asyncio.wait_for(reader.next_msg(), 5)
    assert (received.subject, received.data) == (f"{bus_names.prefix}.store-a", BODY)
    assert {name: received.headers[name] for name in message.headers} == message.headers
    proof = checked(key, "store-a", received.headers, received.data)
    assert (proof.store_id, proof.key_id) == ("store-a", key.key_id)


def test_one_changed_byte_of_the_body_or_a_header_fails_the_signature():
    key = store_key()
    message = batch_message(key, BODY, "store-a", "k1", 1, 10)
    checked(key, "store-a", message.headers, message.body)
    with pytest.raises(BadSignature):
        checked(key, "store-a", message.headers, BODY.replace(b"store-a", b"store-b"))
    for name in ("Content-Type", "Content-Digest", "Signature-Input", "Signature"):
        value = message.headers[name]
        at = len(value) // 2
        changed = value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1:]
        with pytest.raises(BadSignature):
            checked(key, "store-a", {**message.headers, name: changed}, message.body)


def test_a_message_signed_long_ago_is_judged_at_the_stream_s_time_not_the_reader_s():
    key = store_key()
    taken = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    message = batch_message(key, BODY, "store-a", "k1", 1, 10, now=taken)
    checked(key, "store-a", message.headers, message.body, now=taken)
    with pytest.raises(StaleSignature):
        checked(key, "store-a", message.headers, message.body)


def test_a_stores_message_is_as_its_documented_schema_says():
    schema = json.loads((ROOT / "schema" / "messages" / "bus" / "sales_batch.json").read_text())
    rows = sales_rows("k1", count=3)
    seqs = (4, 9, 11)
    [part] = batch_messages(store_key(), "store-a", "k1", json.dumps(rows), seqs, 1 << 20)
    jsonschema.Draft202012Validator(schema).validate(json.loads(part.message.body))
    headers = part.message.headers
    assert headers[ROWS] == "3" and message_range(headers[MSG_ID]) == ("k1", 4, 11)
    assert headers[MSG_ID].startswith("store-a/k1/4-11/")
    bad = {"store_id": "store-a", "rows": [rows[0][:-1]]}  # a column short
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
