"""Settings (defaults < TOML < CHECKOUT_* env < command line) and the real command line."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from server.auth.demo import FIRST_START_FILE
from server.auth.store import CREDENTIAL_CACHE_S
from server.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_toml_env_and_command_line_stack_in_that_order(tmp_path):
    config = tmp_path / "store.toml"
    config.write_text('sync_batch_size = 50\nstore_timezone = "Europe/Helsinki"\nport = 9000\n')
    env = {"CHECKOUT_SYNC_BATCH_SIZE": "75", "CHECKOUT_HEARTBEAT_TIMEOUT_S": "20.5"}
    settings = load_settings(str(config), env=env, port=9100)
    assert settings.store_timezone == "Europe/Helsinki"     # from the file
    assert settings.sync_batch_size == 75                   # env beats the file
    assert settings.heartbeat_timeout_s == 20.5
    assert settings.port == 9100                            # the command line beats both
    assert settings.max_body_bytes == Settings().max_body_bytes  # untouched default


@pytest.mark.parametrize("toml, message", [
    ("sync_batchsize = 5", "unknown setting"),
    ('port = "eighty"', "cannot read"),
    ("max_line_qty = 2.5", "cannot read"),
    ("sync_batch_size = 0", "must be positive"),
    ('store_timezone = "Mars/Olympus"', "Mars/Olympus"),
])
def test_bad_settings_stop_the_start_with_a_clear_message(tmp_path, toml, message):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    with pytest.raises(Exception, match=message):
        load_settings(str(config), env={})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(url: str, proc: subprocess.Popen, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                return {"status": resp.status, "body": resp.read()}
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server never answered /health")


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "server"],
    [str(Path(sys.executable).with_name("checkout-server"))],
])
def test_the_command_line_starts_the_service_on_its_data_dir(tmp_path, command):
    port = _free_port()
    config = tmp_path / "store.toml"
    config.write_text('log_level = "WARNING"\n')
    data_dir = tmp_path / "store-data"
    with subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir),
         "--config", str(config)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "CHECKOUT_SYNC_BATCH_SIZE": "25"},
    ) as proc:
        try:
            answer = _wait_for_health(f"http://127.0.0.1:{port}/health", proc)
            assert answer["status"] == 200
            assert (data_dir / "edge_store.db").exists() and (data_dir / "central_hq.db").exists()
        finally:
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0, output


def _run(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server", *args, "--data-dir", str(data_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def _call(port: int, path: str, token: str, body: dict) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_first_start_enrols_a_demo_fleet_and_the_commands_manage_credentials(tmp_path):
    port, data_dir = _free_port(), tmp_path / "store"
    with subprocess.Popen(
        [sys.executable, "-m", "server", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as proc:
        try:
            _wait_for_health(f"http://127.0.0.1:{port}/health", proc)
            # The command works on the data dir beside the running service.
            enrolled = _run("enroll-kiosk", "kiosk-7", data_dir=data_dir)
            assert enrolled.returncode == 0, enrolled.stderr
            lines = enrolled.stdout.strip().splitlines()
            token = lines[-1]
            assert token.startswith("aoc_") and " " not in token
            # The link is where the service runs, whatever port the command's settings say.
            assert lines[-3].strip() == \
                f"http://127.0.0.1:{port}/signin#token={token}&next=/kiosk/kiosk-7"
            beat = {"central_link_up": True}
            assert _call(port, "/edge/heartbeat", token, beat) == 200
            assert _run("revoke-kiosk", "kiosk-7", data_dir=data_dir).returncode == 0
            # The running edge trusts a token it checked for CREDENTIAL_CACHE_S, then asks
            # the file again and finds it revoked by the command (a deadline, not a bound).
            deadline = time.monotonic() + 10 * CREDENTIAL_CACHE_S
            while _call(port, "/edge/heartbeat", token, beat) == 200:
                assert time.monotonic() < deadline, "the revocation never took effect"
                time.sleep(0.1)
            assert _call(port, "/edge/heartbeat", token, beat) == 401
            assert _run("revoke-kiosk", "kiosk-7", data_dir=data_dir).returncode == 1
            operator = _run("token", "--role", "operator", data_dir=data_dir).stdout
            assert operator.startswith("Issued an operator credential")
            assert _call(port, "/edge/sync", operator.strip().splitlines()[-1], {}) == 200
        finally:
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=10)
    # Not on a terminal: the live tokens go to a file only the service's user may read, and
    # the log (a service manager keeps it) says where, never what.
    handed_over = data_dir / FIRST_START_FILE
    assert f"its sign-in links and tokens are in {handed_over}" in output
    assert not re.search(r"aoc_[0-9a-f]{16}_", output)
    assert handed_over.stat().st_mode & 0o777 == 0o600
    first_start = handed_over.read_text()
    assert "First start: enrolled a demo fleet" in first_start
    for who in ("kiosk-1", "kiosk-2", "kiosk-3", "dashboard", "operator"):
        assert re.search(rf"{who} +http://127\.0\.0\.1:{port}/signin#token=aoc_", first_start)
    # The databases keep only hashes: no token handed over is in any of their files.
    tokens = re.findall(r"aoc_[0-9a-f]{16}_[\w-]+", first_start)
    assert len(set(tokens)) == 5
    stored = b"".join(p.read_bytes() for p in data_dir.glob("*.db*"))
    assert not any(t.encode() in stored for t in tokens)


def test_a_command_on_a_data_dir_with_no_store_refuses_and_makes_nothing(tmp_path):
    """A mistyped --data-dir (or the wrong working directory) would make a new store whose
    tokens the running service refuses: the command says so instead, unless --create."""
    missing = tmp_path / "no-such-store"
    for command in (["token", "--role", "operator"], ["enroll-kiosk", "kiosk-9"]):
        done = _run(*command, data_dir=missing)
        assert done.returncode != 0 and "no store in" in done.stderr and "--create" in done.stderr
        assert not missing.exists()
    made = _run("token", "--role", "dashboard", "--create", data_dir=missing)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Issued a dashboard credential")
    assert "http://127.0.0.1:8080/signin#token=" in made.stdout  # no service started yet
