"""What an outsider may learn of the edge: its data files are its user's alone, and what a
client or a log sees holds no secret and no internals (Python's and SQLite's own words,
versions, query strings)."""
import logging
import os
import subprocess
import sys
from pathlib import Path

from server.config import CENTRAL_DB, EDGE_DB
from server.edge_app.factory import create_app
from server.web.serving import SERVER_NAME
from tests.conftest import heartbeat, raw_exchange, sale

ROOT = Path(__file__).resolve().parent.parent


def modes(folder: Path) -> dict[str, int]:
    """The permission bits of a folder and of every file in it."""
    found = {".": folder.stat().st_mode & 0o777}
    found.update({p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()})
    return found


async def test_the_data_dir_and_its_files_are_the_service_user_s_only(client, settings):
    await client.post("/edge/checkout", json=sale())  # every file and its -wal exists
    found = modes(settings.data_path)
    assert {EDGE_DB, f"{EDGE_DB}-wal", CENTRAL_DB, f"{CENTRAL_DB}-wal"} <= found.keys()
    assert found == {name: 0o700 if name == "." else 0o600 for name in found}


async def test_an_open_data_dir_is_closed_at_start(make_client, settings, clock):
    first = await make_client(create_app(settings, clock=clock))
    await first.post("/edge/checkout", json=sale())
    await first.close()
    data = settings.data_path
    os.chmod(data, 0o755)
    for path in data.iterdir():
        os.chmod(path, 0o644)
    await make_client(create_app(settings, clock=clock))
    found = modes(data)
    assert found == {name: 0o700 if name == "." else 0o600 for name in found}


def test_a_command_on_a_new_data_dir_makes_it_private(tmp_path):
    data = tmp_path / "store"
    done = subprocess.run([sys.executable, "-m", "server", "token", "--role", "operator",
                           "--data-dir", str(data), "--create"], cwd=ROOT, capture_output=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    found = modes(data)
    assert found == {name: 0o700 if name == "." else 0o600 for name in found}


async def test_no_answer_names_python_or_aiohttp_versions(client):
    for resp in (await client.raw.get("/health"), await client.raw.get("/nope"),
                 await client.raw.get("/static/kiosk/app.js"), await client.get("/catalog")):
        assert resp.headers["Server"] == SERVER_NAME
    # aiohttp's parser answers bytes that are not HTTP itself, before the app is reached.
    answer = await raw_exchange(client, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n")
    head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
    assert f"server: {SERVER_NAME}" in head and "python" not in head and "aiohttp" not in head


async def test_the_access_log_keeps_no_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        resp = await client.get("/edge/orders", params={"after": "12345", "limit": "7"})
        assert resp.status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any('"GET /edge/orders"' in line for line in lines), lines
    assert not any("after=" in line or "12345" in line for line in lines)


async def test_a_5000_digit_number_gets_our_words_not_python_s(client):
    raw = ('{"items": [{"sku": "7318001010007", "qty": ' + "9" * 5000 + "}]}").encode()
    resp = await client.post("/edge/quote", data=raw,
                             headers={"Content-Type": "application/json"})
    assert resp.status == 400
    text = await resp.text()
    assert "4300" not in text and "sys.set_int_max_str_digits" not in text
    assert (await resp.json())["error"]["details"] == {
        "reason": "a number in it is too long to read"}


async def test_routine_probes_stay_out_of_the_info_log(client, caplog):
    """A kiosk's health probes and heartbeats, answered well, are DEBUG lines; a failing
    probe and every other request stay INFO."""
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        assert (await client.get("/health")).status == 200
        await heartbeat(client)
        assert (await client.get("/edge/orders")).status == 200
        assert (await client.raw.post("/edge/heartbeat", json={})).status == 401
    info = [r.getMessage() for r in caplog.records
            if r.name == "aiohttp.access" and r.levelno == logging.INFO]
    assert not any('"GET /health"' in line for line in info), info
    assert [line for line in info if "/edge/heartbeat" in line] == \
        [line for line in info if '"POST /edge/heartbeat" 401' in line] != []
    assert any('"GET /edge/orders" 200' in line for line in info)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="aiohttp.access"):
        assert (await client.get("/health")).status == 200
    assert any('"GET /health" 200' in r.getMessage() for r in caplog.records)


async def test_the_browser_s_favicon_request_gets_the_icon(client):
    resp = await client.raw.get("/favicon.ico")
    assert resp.status == 200 and resp.content_type == "image/svg+xml"
    assert (await resp.read()).startswith(b"<svg")
