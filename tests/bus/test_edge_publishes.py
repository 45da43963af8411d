"""The edge publishes: with central_transport "nats", the real store app's sync publishes
each batch to JetStream on `<prefix>.<store>`, signed as its HTTP POST would be, and marks its
rows synced only once JetStream acknowledged it. A bus that is down, or with no stream for
the subject, leaves the checkout answering and the rows pending with the error shown, until
it is back; a batch over the server's max_payload arrives as several messages.

Head office's HTTP side (central_url) is a port where nothing listens: only the batches go
over the bus, and nothing here needs head office's reads."""
import asyncio
import dataclasses
import datetime
import json

from reliability.nats_process import ThrowawayNats, free_port
from server.bus.envelope import MSG_ID, request_view
from server.bus.names import all_stores_subject, message_id, store_subject
from server.bus.stream import ensure_stream
from server.chain.signing import KeyRecord, verify
from server.chain.store_keys import KEY_FILE, create_key
from server.edge_app.factory import create_app
from tests.bus.conftest import connect
from tests.conftest import heartbeat, sale

STORE = "store-a"


async def bus_edge(make_client, settings, nats_url: str, prefix: str):
    """The store's real app with its batches going to the bus; its client and its key."""
    settings = dataclasses.replace(
        settings, store_id=STORE, central_url=f"http://127.0.0.1:{free_port()}",
        central_transport="nats", nats_url=nats_url, nats_subject_prefix=prefix,
        central_connect_timeout_s=1.0, nats_publish_timeout_s=2.0)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    key = create_key(settings.data_path / KEY_FILE)
    return await make_client(create_app(settings)), key


async def sell(client, count: int) -> list[str]:
    """`count` sales at kiosk k1, each answered 201; their order_uuids in order."""
    sold = []
    for _ in range(count):
        answer = await client.post("/edge/checkout", json=sale("k1"))
        assert answer.status == 201, await answer.text()
        sold.append((await answer.json())["order_uuid"])
    return sold


async def states(client) -> list[str]:
    """The sync state of each of the store's sales, oldest first."""
    page = await (await client.get("/edge/orders", params={"limit": 100})).json()
    return [order["sync_state"] for order in page["orders"]]


async def until(check, timeout: float = 10.0):
    """Wait until `check()` answers something true; that answer."""
    async with asyncio.timeout(timeout):
        while not (found := await check()):
            await asyncio.sleep(0.05)
    return found


async def sync_error(client) -> str | None:
    """The error the sync recorded for kiosk k1, if any."""
    rows = await (await client.get("/dashboard/kiosks")).json()
    return next(row["last_sync_error"] for row in rows["kiosks"] if row["kiosk_id"] == "k1")


async def read_all(js, prefix: str, count: int) -> list:
    """`count` messages under `<prefix>.>`, read as another system at head office would."""
    reader = await js.subscribe(all_stores_subject(prefix), ordered_consumer=True)
    try:
        return [await reader.next_msg(timeout=5) for _ in range(count)]
    finally:
        await reader.unsubscribe()


def checked_rows(message, key) -> list:
    """The rows of a message whose signature holds for the store's key, as HQ checks one."""
    record = KeyRecord(STORE, key.key_id, key.public_key)
    verify(*request_view(message.headers, message.data), record,
           datetime.datetime.now(datetime.UTC), 300)
    envelope = json.loads(message.data)
    assert envelope["store_id"] == STORE
    return envelope["rows"]


async def test_each_sale_is_published_once_signed_and_only_then_synced(
        make_client, settings, nats_url, js, bus_names):
    info = await ensure_stream(js, bus_names.spec())
    assert info.state.messages == 0
    client, key = await bus_edge(make_client, settings, nats_url, bus_names.prefix)
    await heartbeat(client, "k1", link_up=True)
    sold = await sell(client, 4)
    await until(lambda: _all_synced(client, 4))
    count = (await js.stream_info(bus_names.stream)).state.messages
    messages = await read_all(js, bus_names.prefix, count)
    rows = [row for message in messages for row in checked_rows(message, key)]
    assert [row[0] for row in rows] == sold  # each sale once, in the kiosk's order
    for message in messages:
        assert message.subject == store_subject(STORE, bus_names.prefix)
        assert message.headers[MSG_ID].startswith(f"{STORE}/k1/")
        first, last = map(int, message.headers[MSG_ID].split("/")[2].split("-"))
        assert message.headers[MSG_ID] == message_id(STORE, "k1", first, last, message.data)


async def _all_synced(client, count: int) -> bool:
    found = await states(client)
    return len(found) == count and set(found) == {"synced"}


async def test_a_bus_that_is_down_keeps_sales_pending_until_it_comes_back(
        make_client, settings, tmp_path, bus_names):
    bus = ThrowawayNats(tmp_path / "nats", free_port())  # not started yet: nothing listens
    client, key = await bus_edge(make_client, settings, bus.url, bus_names.prefix)
    await heartbeat(client, "k1", link_up=True)
    sold = await sell(client, 3)
    assert "the bus is unreachable" in await until(lambda: sync_error(client))
    assert set(await states(client)) == {"pending"}
    await bus.start()
    try:
        connection = await connect(bus.url)
        js = connection.jetstream()
        await ensure_stream(js, bus_names.spec())
        await until(lambda: _all_synced(client, 3))
        count = (await js.stream_info(bus_names.stream)).state.messages
        messages = await read_all(js, bus_names.prefix, count)
        assert [row[0] for m in messages for row in checked_rows(m, key)] == sold
        await connection.close()
    finally:
        bus.stop()


async def test_no_stream_for_the_store_s_subject_keeps_sales_pending_with_the_error(
        make_client, settings, nats_url, bus_names):
    client, _ = await bus_edge(make_client, settings, nats_url, bus_names.prefix)
    await heartbeat(client, "k1", link_up=True)
    await sell(client, 2)
    assert "no stream takes" in await until(lambda: sync_error(client))
    await asyncio.sleep(0.3)  # a few retries of the backoff (0.05-0.2 s here) later
    assert await states(client) == ["pending", "pending"]


async def test_a_batch_over_max_payload_arrives_as_consecutive_parts(
        make_client, settings, tmp_path, bus_names):
    bus = await ThrowawayNats(tmp_path / "nats", free_port(), max_payload=4096).start()
    try:
        connection = await connect(bus.url)
        js = connection.jetstream()
        await ensure_stream(js, bus_names.spec())
        client, key = await bus_edge(make_client, settings, bus.url, bus_names.prefix)
        await heartbeat(client, "k1", link_up=False)  # the sales wait, to go as one batch
        sold = await sell(client, 9)
        await heartbeat(client, "k1", link_up=True)
        await until(lambda: _all_synced(client, 9))
        count = (await js.stream_info(bus_names.stream)).state.messages
        messages = await read_all(js, bus_names.prefix, count)
        assert count > 1
        assert [row[0] for m in messages for row in checked_rows(m, key)] == sold
        assert all(size_on_the_wire(m) <= 4096 for m in messages)
        # Each part its own id, their seq ranges one after the other.
        ranges = [tuple(map(int, m.headers[MSG_ID].split("/")[2].split("-")))
                  for m in messages]
        assert all(first <= last for first, last in ranges)
        assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))
        await connection.close()
    finally:
        bus.stop()


def size_on_the_wire(message) -> int:
    """A received message's size as the server counts it against max_payload."""
    headers = sum(len(f"{k}: {v}\r\n".encode()) for k, v in message.headers.items())
    return len(b"NATS/1.0\r\n\r\n") + headers + len(message.data)
