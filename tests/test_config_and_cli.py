"""Settings (defaults < TOML < CHECKOUT_* env < command line) and the real command line."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
