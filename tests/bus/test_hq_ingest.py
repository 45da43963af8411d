"""Head office's ingest from the bus, as a real process (`python -m server hq ingest`) on a
real NATS stream of the test's own and a real PostgreSQL database: each sale once whatever
the bus does, a message that can never be ingested moved aside with its reason, the stream
never blocked."""
import asyncio
import datetime

from server.bus.envelope import MSG_ID, batch_message
from server.bus.names import dead_letter_subject
from server.bus.stream import ensure_stream
from server.central.bus_dead_letters import DeadLetter
from server.clock import utc_now
from server.config import HqSettings
from server.hq.bus_ingest import REASON
from server.hq.storage import open_storage
from tests.bus import ingest_helpers as helpers
from tests.bus.ingest_helpers import (
    consumer_made,
    consumer_settled,
    count_is,
    enrolled_store,
    publish,
    published,
    sales_held,
)
from tests.chain.helpers import until

store_key, ingest = helpers.store_key, helpers.ingest  # store-a enrolled; ingest processes


async def test_good_messages_end_as_each_sale_once_and_acknowledged(
        ingest, js, bus_names, store_key, postgres):
    process = ingest()
    first = published(store_key, bus_names.prefix, "k1", 0, 3)
    await until(lambda: consumer_made(js, bus_names.stream))
    await publish(js, first)
    await publish(js, published(store_key, bus_names.prefix, "k1", 3, 2))
    await publish(js, first, msg_id="the-same-batch-again")  # past the duplicate window
    await until(lambda: count_is(postgres, 5))
    await until(lambda: consumer_settled(js, bus_names.stream))
    assert sorted(await sales_held(postgres)) == sorted(set(await sales_held(postgres)))
    assert await process.stop() == 0
    assert "3 messages: 5 sales inserted, 3 already present" in process.output()


async def test_a_message_that_can_never_be_ingested_is_a_dead_letter_and_blocks_nothing(
        ingest, js, nats_client, bus_names, store_key, postgres):
    process = ingest()
    await until(lambda: consumer_made(js, bus_names.stream))
    dead = await js.subscribe(f"{bus_names.prefix}_dead.>", stream=bus_names.stream + "_DEAD")
    good = published(store_key, bus_names.prefix, "k1", 0, 2)
    changed = good.body.replace(b"Mellanmj", b"Mellanmk", 1)  # one byte: bad signature
    await js.publish(good.subject, changed, headers={**good.headers, MSG_ID: "changed"})
    malformed = batch_message(store_key, b"{not json", "store-a", "k1", 5, 5,
                              prefix=bus_names.prefix)
    await publish(js, malformed)
    await publish(js, published(store_key, bus_names.prefix, "k1", 0, 2, store_id="store-b"))
    await publish(js, good)
    await until(lambda: count_is(postgres, 2))
    letters = [await dead.next_msg(timeout=10) for _ in range(3)]
    assert [(letter.subject, letter.headers[REASON].split(":")[0]) for letter in letters] == [
        (dead_letter_subject("store-a", bus_names.prefix), "bad_signature"),
        (dead_letter_subject("store-a", bus_names.prefix), "malformed_request"),
        (dead_letter_subject("store-b", bus_names.prefix), "store_mismatch")]
    assert letters[0].data == changed and letters[0].headers[MSG_ID] == "changed"
    counted = await _dead_letters_by_store(postgres)
    assert [(row["store_id"], row["dead_letters"]) for row in counted] == [
        ("store-a", 2), ("store-b", 1)]
    await until(lambda: consumer_settled(js, bus_names.stream))
    assert await process.stop() == 0
    assert "3 dead letters" in process.output()


async def test_a_dead_letter_recorded_again_counts_once_on_sqlite_too(tmp_path):
    storage = await open_storage(HqSettings(data_dir=str(tmp_path / "hq")))
    try:
        letter = DeadLetter("store-a", "sales.store-a", "SALES", 7, "id-7", "bad_signature",
                            "bad_signature: the signature does not hold")
        await storage.dead_letters.record(letter, utc_now())
        await storage.dead_letters.record(letter, utc_now())  # after a crash before its term
        assert [(row["store_id"], row["dead_letters"])
                for row in await storage.dead_letters.by_store()] == [("store-a", 1)]
    finally:
        await storage.close()


async def test_a_store_publishes_on_its_own_subject_only(
        ingest, js, bus_names, store_key, tmp_path, postgres):
    other_key = await enrolled_store(postgres, tmp_path, "store-b")
    process = ingest()
    await until(lambda: consumer_made(js, bus_names.stream))
    own = published(other_key, bus_names.prefix, "k9", 0, 1, store_id="store-b")
    await js.publish(f"{bus_names.prefix}.store-a", own.body, headers=own.headers)
    await publish(js, published(store_key, bus_names.prefix, "k1", 0, 1))
    await until(lambda: count_is(postgres, 1))
    await until(lambda: consumer_settled(js, bus_names.stream))
    assert await sales_held(postgres) == ["k1:key-k1-000000"]
    assert await process.stop() == 0
    assert "store_mismatch: a store publishes on its own subject only" in process.output()


async def test_a_signature_s_age_is_judged_when_the_stream_took_the_message(
        ingest, js, bus_names, store_key, postgres, tmp_path):
    config = tmp_path / "hq.toml"
    config.write_text("hq_signature_max_age_s = 2\n")
    await ensure_stream(js, bus_names.spec())
    await publish(js, published(store_key, bus_names.prefix, "k1", 0, 2))
    made_long_before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=10)
    await publish(js, published(store_key, bus_names.prefix, "k2", 0, 1,
                                signed_at=made_long_before))
    await asyncio.sleep(3)  # the first is older than the max age now, not when it was taken
    process = ingest("ingest", "--config", str(config))
    await until(lambda: count_is(postgres, 2))
    await until(lambda: consumer_settled(js, bus_names.stream))
    assert await process.stop() == 0
    assert "stale_signature" in process.output() and "1 dead letters" in process.output()


async def test_a_stream_with_other_settings_is_refused_and_left_as_it_is(
        ingest, js, bus_names, store_key):
    spec = bus_names.spec(max_age_s=3600.0)
    await ensure_stream(js, spec)
    process = ingest()
    assert await asyncio.to_thread(process.process.wait, 20) == 2
    assert "max_age is 3600.0, head office's is 1209600.0" in process.output()
    assert (await js.stream_info(bus_names.stream)).config.max_age == 3600.0


async def _dead_letters_by_store(postgres: str) -> list[dict]:
    storage = await open_storage(HqSettings(database=postgres, data_dir="unused"))
    try:
        return await storage.dead_letters.by_store()
    finally:
        await storage.close()
