"""The kiosk socket: heartbeats and acks, pushed progress, bad messages, floods and origins."""
import asyncio
from dataclasses import replace

import aiohttp
import pytest

from server.edge_app.factory import create_app
from server.hub.messages import validator
from server.web.keys import SOCKET_HUB
from tests.conftest import closed_with, eventually, sale
from tests.store_files import central_rows

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def connect(client, kiosk_id="k1", **headers):
    token = await client.token(kiosk_id)
    return await client.raw.ws_connect("/ws/kiosk", params={"kiosk_id": kiosk_id},
                                       headers={"Authorization": f"Bearer {token}", **headers})


async def receive(ws, timeout=5.0) -> dict:
    return await asyncio.wait_for(ws.receive_json(), timeout)


async def test_a_heartbeat_updates_the_kiosk_and_is_acked(client):
    ws = await connect(client)
    await ws.send_json({"type": "heartbeat", "central_link_up": False, "id": "hb-1"})
    ack = await receive(ws)
    assert not list(validator("kiosk_ack").iter_errors(ack))
    assert (ack["type"], ack["id"], ack["kiosk_id"], ack["pending_count"]) == (
        "ack", "hb-1", "k1", 0)
    kiosks = (await (await client.get("/dashboard/kiosks")).json())["kiosks"]
    assert (kiosks[0]["kiosk_id"], kiosks[0]["online"], kiosks[0]["central_link_up"]) == (
        "k1", True, False)
    await ws.close()


async def test_link_up_drains_and_the_kiosk_hears_its_progress(client, settings):
    ws = await connect(client)
    await ws.send_json({"type": "heartbeat", "central_link_up": False})
    await receive(ws)
    for _ in range(15):
        assert (await client.post("/edge/checkout", json=sale("k1"))).status == 201
    await ws.send_json({"type": "heartbeat", "central_link_up": True})
    ack = await receive(ws)
    assert ack["link_changed"] is True and ack["pending_count"] == 15
    progress = []
    while not progress or progress[-1]["pending_count"]:
        message = await receive(ws)
        assert message["type"] == "sync_progress", message
        assert not list(validator("kiosk_sync_progress").iter_errors(message))
        progress.append(message)
    assert sum(m["synced"] for m in progress) == 15 and central_rows(settings) == 15
    assert [m["pending_count"] for m in progress] == [5, 0]  # batches of 10
    await ws.close()


@pytest.mark.parametrize("raw, code", [
    ("{not json", "malformed_message"),
    ("[1, 2]", "malformed_message"),
    ('{"central_link_up": true}', "malformed_message"),
    ('{"type": "checkout"}', "unknown_type"),
    ('{"type": "heartbeat", "central_link_up": "yes"}', "invalid_message"),
    ('{"type": "heartbeat"}', "invalid_message"),
    ('{"type": "heartbeat", "central_link_up": true, "extra": 1}', "invalid_message"),
    ('{"type": "heartbeat", "central_link_up": true, "id": "' + "x" * 5000 + '"}',
     "message_too_large"),
    # Legal JSON, but no text: answered, it would kill the socket's writer.
    ('{"type": "heartbeat", "central_link_up": true, "id": "\\udc80"}', "malformed_message"),
    ('{"type": "heartbeat", "central_link_up": true, "id": "\\ud800x"}', "malformed_message"),
])
async def test_a_bad_message_gets_an_error_and_the_socket_survives(client, raw, code):
    ws = await connect(client)
    await ws.send_str(raw)
    error = await receive(ws)
    assert not list(validator("error").iter_errors(error))
    assert error["code"] == code
    await ws.send_json({"type": "heartbeat", "central_link_up": True})
    assert (await receive(ws))["type"] == "ack"
    await ws.close()


async def test_a_writer_that_fails_closes_its_socket(client):
    ws = await connect(client)
    await ws.send_json({"type": "heartbeat", "central_link_up": True})
    assert (await receive(ws))["type"] == "ack"
    [conn] = client.app[SOCKET_HUB].sockets_of("k1")
    conn.send_text("\udc80")   # no UTF-8 can carry it: the writer fails on it
    closing = await ws.receive(timeout=5)
    assert closing.type == aiohttp.WSMsgType.CLOSE
    assert closing.data == aiohttp.WSCloseCode.INTERNAL_ERROR


async def test_a_flooding_kiosk_is_throttled_and_others_still_check_out(make_client, settings,
                                                                       clock):
    client = await make_client(create_app(replace(settings, rate_limits="on",
                                                  checkout_burst=50), clock=clock))
    ws = await connect(client, "flood")
    for _ in range(1000):
        await ws.send_json({"type": "heartbeat", "central_link_up": True})
    statuses = [(await client.post("/edge/checkout", json=sale("k2"))).status for _ in range(10)]
    assert statuses == [201] * 10
    # It is throttled: beyond its burst, error replies, not acks (and if it lets them pile up
    # unread it is dropped as too slow: test_a_kiosk_that_stops_reading_is_dropped).
    answers = []
    while len(answers) < 1000:
        message = await ws.receive(timeout=5)
        if message.type != aiohttp.WSMsgType.TEXT:
            break
        answer = message.json()
        answers.append(answer["type"] if answer["type"] == "ack" else answer["code"])
    assert answers.count("ack") <= settings.ws_message_burst + 5
    assert set(answers) <= {"ack", "rate_limited"}
    await ws.close()


async def test_a_kiosk_that_stops_reading_is_dropped(make_client, settings, clock):
    client = await make_client(create_app(replace(settings, ws_send_queue=8), clock=clock))
    ws = await connect(client, "k1")   # and it reads nothing while the edge pushes
    await ws.send_json({"type": "heartbeat", "central_link_up": True})
    [conn] = await eventually(lambda: client.app[SOCKET_HUB].sockets_of("k1"))
    progress = {"type": "sync_progress", "kiosk_id": "k1", "synced": 0, "already_present": 0,
                "pending_count": 0, "padding": "x" * 100_000}
    for _ in range(300):   # 30 MB: more than the socket's buffers at both ends
        client.app[SOCKET_HUB].push("k1", progress)
        await asyncio.sleep(0)   # the writer sends what the network takes meanwhile
        if conn.ws.closed:
            break
    # Its queue filled while nothing was read: dropped as too slow. An unbounded queue would
    # hold all 30 MB for it instead, and never close.
    assert await closed_with(ws, 30) == aiohttp.WSCloseCode.TRY_AGAIN_LATER


async def test_the_handshake_refuses_strangers(client):
    url = "/ws/kiosk"
    for headers, status in [({}, 401), ({"Authorization": "Bearer aoc_x_y"}, 401),
                            ({"Authorization": f"Bearer {await client.token('operator')}"}, 403)]:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.raw.ws_connect(url, headers=headers)
        assert refused.value.status == status
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await connect(client, "k1", Origin="http://evil.example")
    assert refused.value.status == 403
    token = await client.token("k1")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.raw.ws_connect(url, params={"kiosk_id": "k2"},
                                    headers={"Authorization": f"Bearer {token}"})
    assert refused.value.status == 403
    own = str(client.raw.make_url("")).rstrip("/")
    ws = await connect(client, "k1", Origin=own)  # the kiosk's own page
    await ws.close()


async def test_a_credential_holds_at_most_its_cap_of_sockets(client, settings):
    sockets = [await connect(client) for _ in range(settings.ws_max_sockets_per_credential + 1)]
    closed = await sockets[0].receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert closed.data == aiohttp.WSCloseCode.POLICY_VIOLATION
    for ws in sockets[1:]:
        await ws.send_json({"type": "heartbeat", "central_link_up": True})
        assert (await receive(ws))["type"] == "ack"
        await ws.close()


async def test_shutdown_says_going_away_and_a_restarted_edge_takes_the_kiosk_back(
        make_client, settings, clock):
    first = await make_client(create_app(settings, clock=clock))
    ws = await connect(first)
    await first.close()
    closed = await ws.receive(timeout=5)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    if closed.type == aiohttp.WSMsgType.CLOSE:
        assert closed.data == aiohttp.WSCloseCode.GOING_AWAY
    second = await make_client(create_app(settings, clock=clock))
    ws = await connect(second)
    await ws.send_json({"type": "heartbeat", "central_link_up": True})
    assert (await receive(ws))["type"] == "ack"
    await ws.close()


async def test_a_checkout_arriving_while_the_link_is_up_is_pushed_as_progress(client, settings):
    ws = await connect(client)
    await ws.send_json({"type": "heartbeat", "central_link_up": True})
    await receive(ws)
    await client.post("/edge/checkout", json=sale("k1"))
    message = await receive(ws)
    assert (message["type"], message["synced"], message["pending_count"]) == (
        "sync_progress", 1, 0)

    async def arrived():
        return central_rows(settings) == 1
    await eventually(arrived)
    await ws.close()


async def test_closing_a_socket_sends_what_it_had_queued_first(client):
    ws = await connect(client, "k1")
    await ws.send_json({"type": "heartbeat", "central_link_up": True})
    assert (await receive(ws))["type"] == "ack"
    hub = client.app[SOCKET_HUB]
    [conn] = hub.sockets_of("k1")
    for synced in range(20):
        hub.push("k1", {"type": "sync_progress", "kiosk_id": "k1", "synced": synced,
                        "already_present": 0, "pending_count": 0})
    # As on shutdown, with all twenty still queued: its writer has not run since.
    await conn.close(aiohttp.WSCloseCode.GOING_AWAY, b"shutting down")
    heard = []
    while (message := await ws.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT:
        heard.append(message.json()["synced"])
    assert heard == list(range(20))
    assert message.data == aiohttp.WSCloseCode.GOING_AWAY
