"""A socket lives as long as the credential and session that opened it: revoking the
credential (through the API, or by the command line beside the running edge), rotating a
kiosk's token, signing out, or a session running out closes its sockets, with the
policy-violation code; and a wallboard's credential holds no more sockets than a kiosk's."""
import asyncio
import os
import subprocess
import sys

import aiohttp

from server.config import EDGE_DB
from tests.conftest import closed_with
from tests.store_files import count_rows

POLICY = aiohttp.WSCloseCode.POLICY_VIOLATION
HEARTBEAT = {"type": "heartbeat", "central_link_up": True}


async def open_socket(client, path: str, token: str | None = None, **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await client.raw.ws_connect(path, headers=headers)


async def acked(ws) -> bool:
    await ws.send_json(HEARTBEAT)
    return (await asyncio.wait_for(ws.receive_json(), 5))["type"] == "ack"


async def test_revoking_a_kiosk_closes_its_socket_at_once(client, settings):
    ws = await open_socket(client, "/ws/kiosk", await client.token("k1"))
    assert await acked(ws)
    heartbeats = count_rows(settings, EDGE_DB, "kiosks")
    await client.post("/admin/kiosks/k1/revoke")
    assert await asyncio.wait_for(closed_with(ws), 1) == POLICY
    assert count_rows(settings, EDGE_DB, "kiosks") == heartbeats


async def test_rotating_a_kiosk_token_closes_the_old_token_s_sockets(client):
    old = await open_socket(client, "/ws/kiosk", await client.token("k1"))
    new_token = (await (await client.post("/admin/kiosks/k1/enrol")).json())["token"]
    assert await asyncio.wait_for(closed_with(old), 1) == POLICY
    new = await open_socket(client, "/ws/kiosk", new_token)
    assert await acked(new)
    await new.close()


async def test_a_revoked_wallboard_stops_getting_deltas(client):
    token = await client.token("dashboard")
    ws = await open_socket(client, "/ws/dashboard", token)
    assert (await ws.receive_json())["type"] == "snapshot"
    await client.post("/admin/kiosks/k1/revoke")  # not its credential: it stays
    token_id = token.split("_")[1]
    from server.auth.enrolment import revoke_token
    from server.clock import to_iso, utc_now
    from server.web.keys import AUTH_STORE
    await revoke_token(client.app[AUTH_STORE], token_id, "test", to_iso(utc_now()))
    assert await closed_with(ws, 1) == POLICY


async def test_a_revocation_by_the_command_line_closes_sockets_within_seconds(client, settings):
    token = await client.token("dashboard")
    ws = await open_socket(client, "/ws/dashboard", token)
    kiosk = await open_socket(client, "/ws/kiosk", await client.token("k1"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "revoke-token", token.split("_")[1],
        "--data-dir", settings.data_dir, stdout=subprocess.DEVNULL,
        env={**os.environ, "CHECKOUT_DEMO_FLEET": "false"})
    assert await proc.wait() == 0
    assert await closed_with(ws) == POLICY      # the watch looks every 2 s
    assert await acked(kiosk)                   # another credential's socket carries on
    await kiosk.close()


async def sign_in(client, token: str) -> None:
    resp = await client.raw.post("/auth/session", json={"token": token})
    assert resp.status == 200


async def test_signing_out_closes_the_session_s_sockets(client):
    await sign_in(client, await client.token("k1"))
    own = str(client.raw.make_url("")).rstrip("/")
    by_cookie = await open_socket(client, "/ws/kiosk", Origin=own)
    by_token = await open_socket(client, "/ws/kiosk", await client.token("k1"))
    assert await acked(by_cookie)
    resp = await client.raw.delete("/auth/session", headers={"Origin": own})
    assert resp.status == 200 and (await resp.json()) == {"signed_out": True}
    assert await asyncio.wait_for(closed_with(by_cookie), 1) == POLICY
    assert await acked(by_token)   # the kiosk's token is still good; only the session ended
    await by_token.close()


async def test_a_session_that_runs_out_has_its_sockets_closed(client, clock, settings):
    await sign_in(client, await client.token("dashboard"))
    ws = await open_socket(client, "/ws/dashboard")
    assert (await ws.receive_json())["type"] == "snapshot"
    clock.advance(settings.session_ttl_s + 1)
    assert await closed_with(ws) == POLICY


async def test_a_wallboard_credential_holds_at_most_its_cap_of_sockets(client, settings):
    token = await client.token("dashboard")
    cap = settings.ws_max_sockets_per_credential
    sockets = [await open_socket(client, "/ws/dashboard", token) for _ in range(cap + 2)]
    assert [await closed_with(ws, 2) for ws in sockets[:2]] == [POLICY, POLICY]
    for ws in sockets[2:]:
        assert (await ws.receive_json())["type"] == "snapshot"
        assert not ws.closed
        await ws.close()
