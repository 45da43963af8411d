"""The wallboard's fleet: every enrolled kiosk is on it, heard from or not; a revoked or
retired kiosk leaves it (REST, snapshot, and a delta naming it null); one rule for the link
that the cards show and the "central link down" tile counts."""
import asyncio
import sys
from pathlib import Path

import pytest

from server.hub.messages import validator
from tests.conftest import eventually, heartbeat, sale
from tests.store_files import central_rows, store_env
from tests.test_dashboard_socket import connect, merge, next_delta, rest_view, wait_for
from tests.test_staff import PIN, audit_actions

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

ROOT = Path(__file__).resolve().parent.parent


def board(state: dict) -> dict:
    """A wallboard's merged state as the REST routes answer it."""
    return {part: state[part] for part in ("overview", "kiosks")}


async def test_enrolled_kiosks_that_never_heartbeated_are_on_the_board(client):
    for kiosk in ("k1", "k2", "k3"):
        await client.token(kiosk)  # enrolled: the edge has heard nothing from k2 and k3
    await heartbeat(client, "k1", link_up=True)
    view = await rest_view(client)
    overview = view["overview"]
    assert (overview["kiosks_total"], overview["kiosks_online"]) == (3, 1)
    assert sorted(view["kiosks"]) == ["k1", "k2", "k3"]
    never = view["kiosks"]["k2"]
    assert (never["online"], never["last_heartbeat_at"], never["link"],
            never["orders_count"]) == (False, None, "unknown", 0)

    ws = await connect(client)
    state = await ws.receive_json()
    await wait_for(ws, state, lambda s: len(s["kiosks"]) == 3)
    assert board(state) == await rest_view(client)
    await ws.close()


async def test_a_revoked_kiosk_leaves_the_board_by_a_delta_naming_it_null(client):
    await heartbeat(client, "k1", link_up=True)
    await heartbeat(client, "k2", link_up=False)  # its sale stays at the store
    assert (await client.post("/edge/checkout", json=sale("k2"))).status == 201
    ws = await connect(client)
    state = await ws.receive_json()
    await wait_for(ws, state, lambda s: s["overview"]["orders_total"] == 1)
    assert sorted(state["kiosks"]) == ["k1", "k2"]

    assert (await (await client.post("/admin/kiosks/k2/revoke")).json()) == {"revoked": 1}
    removal = None
    while removal is None:
        delta = await next_delta(ws, state["seq"])
        if "k2" in delta["kiosks"]:
            removal = delta
        merge(state, delta)
        state["seq"] = delta["seq"]
    assert removal["kiosks"]["k2"] is None  # not a row of fields: the kiosk is gone
    assert not list(validator("dashboard_delta").iter_errors(removal))
    assert sorted(state["kiosks"]) == ["k1"]
    assert board(state) == await rest_view(client)
    # Its sale is still the store's: counted, and waiting for central.
    assert (state["overview"]["kiosks_total"], state["overview"]["orders_total"],
            state["overview"]["pending_count"]) == (1, 1, 1)
    await ws.close()


async def test_retiring_a_kiosk_in_a_drill_takes_it_off_and_its_sales_still_drain(
        client, settings):
    k2 = {"Authorization": f"Bearer {await client.token('k2')}"}
    await heartbeat(client, "k1", link_up=True)
    await heartbeat(client, "k2", link_up=True)
    drill = await client.post("/edge/link-override", json={"pin": PIN, "forced_down": True},
                              headers=k2)
    assert (await drill.json())["link_forced_down"] is True
    for _ in range(2):
        assert (await client.post("/edge/checkout", json=sale("k2"))).status == 201
    assert central_rows(settings) == 0  # the drill holds them

    resp = await client.post("/admin/kiosks/k2/retire")
    assert resp.status == 200
    assert await resp.json() == {"kiosk_id": "k2", "revoked": 1, "drill_released": True,
                                 "pending_count": 2}
    kiosks = (await (await client.get("/dashboard/kiosks")).json())["kiosks"]
    assert [k["kiosk_id"] for k in kiosks] == ["k1"]
    assert await eventually(lambda: central_rows(settings) == 2)
    beat = await client.post("/edge/heartbeat", json={"central_link_up": True}, headers=k2)
    assert beat.status == 401  # retired: it sells no more
    assert ("retire_kiosk", "k2") in await audit_actions(client)

    again = await client.post("/admin/kiosks/k2/retire")  # nothing of it left to retire
    assert again.status == 404 and (await again.json())["error"]["code"] == "unknown_kiosk"


async def retire_by_command(settings, kiosk_id: str) -> tuple[int, str]:
    """`python -m server retire-kiosk` on the running app's data dir, as an operator would."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "retire-kiosk", kiosk_id,
        "--data-dir", str(settings.data_path), cwd=ROOT, env=store_env(settings),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, output.decode()


async def test_the_retire_command_beside_a_running_edge_empties_its_place(client, settings):
    await heartbeat(client, "k1", link_up=True)
    await heartbeat(client, "k7", link_up=True)
    ws = await connect(client)
    state = await ws.receive_json()
    await wait_for(ws, state, lambda s: sorted(s["kiosks"]) == ["k1", "k7"])

    code, output = await retire_by_command(settings, "k7")
    assert code == 0, output
    assert "retired k7: revoked 1 active credential(s)" in output
    # Another process wrote the file: the feed's next look (dashboard_tick_s) sees it.
    await wait_for(ws, state, lambda s: sorted(s["kiosks"]) == ["k1"], timeout=10)
    assert state["overview"]["kiosks_total"] == 1
    await ws.close()
    assert (await retire_by_command(settings, "k7"))[0] == 1


async def test_the_link_down_tile_counts_exactly_the_cards_that_say_so(client, clock, settings):
    await heartbeat(client, "k3", link_up=False)
    clock.advance(settings.heartbeat_timeout_s + 1)  # k3 went silent: its "down" is old news
    await heartbeat(client, "k1", link_up=False)
    await heartbeat(client, "k2", link_up=True)
    k2 = {"Authorization": f"Bearer {await client.token('k2')}"}
    drill = await client.post("/edge/link-override", json={"pin": PIN, "forced_down": True},
                              headers=k2)  # k2 still sees central, but its sales stay here
    assert drill.status == 200
    await client.token("k4")  # enrolled, never heard from

    view = await rest_view(client)
    links = {kiosk_id: row["link"] for kiosk_id, row in view["kiosks"].items()}
    assert links == {"k1": "down", "k2": "forced", "k3": "unknown", "k4": "unknown"}
    assert view["overview"]["kiosks_link_down"] == 2
    assert view["overview"]["kiosks_online"] == 2
