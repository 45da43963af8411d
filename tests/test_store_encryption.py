"""The store's files encrypted at rest: what is written, and every refusal of item 3.

Real edge processes on temp data dirs; each refusal is the real command, its exit status and
its words, with the data dir left byte for byte as it was. (The edge's whole core suite also
runs encrypted: `pytest -m edge_core --encrypted-stores`, as scripts/test does.)
"""
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from reliability.edge_process import ROOT, Edge, free_port
from server.config import CENTRAL_DB, EDGE_DB, Settings
from server.encryption import KEY_FILE_SETTING, EncryptionRefused, write_key_file
from server.sqlite_open import PLAIN_HEADER
from tests.conftest import MILK

ENV = "CHECKOUT_STORE_ENCRYPTION_KEY_FILE"


def new_key(folder: Path, name: str = "store.key") -> Path:
    """A key file as an operator makes one: 64 hex digits, mode 0600."""
    return write_key_file(folder / name, secrets.token_hex(32)).source


def run_server(*args: str, key: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m server ARGS` to its end, with the key file set (or unset) in its env."""
    env = {k: v for k, v in os.environ.items() if k != ENV}
    if key is not None:
        env[ENV] = str(key)
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def start(data_dir: Path, key: Path | None) -> subprocess.CompletedProcess:
    """The service started on `data_dir` (on a free port), to its end: a refusal ends it."""
    return run_server("--port", str(free_port()), "--data-dir", str(data_dir), key=key)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder with its bytes: what "nothing changed" compares."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def sell(edge: Edge, reference: str) -> dict:
    """One sale at demo kiosk-1, paid with a terminal reference the test can look for."""
    body = {"kiosk_id": "kiosk-1", "idempotency_key": str(uuid.uuid4()),
            "items": [{"sku": MILK, "qty": 1}],
            "payment": {"method": "card", "reference": reference}}
    request = urllib.request.Request(
        f"{edge.url}/edge/checkout", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {edge.token('kiosk-1')}"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def orders(edge: Edge) -> list[dict]:
    request = urllib.request.Request(f"{edge.url}/edge/orders?limit=1000", headers={
        "Authorization": f"Bearer {edge.token('operator')}"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())["orders"]


@pytest.fixture(scope="module")
def encrypted_store(tmp_path_factory):
    """A store started once with a key, two sales made, then stopped: (data dir, key,
    the sales, what its files held while it ran)."""
    folder = tmp_path_factory.mktemp("encrypted")
    key, data_dir = new_key(folder), folder / "data"
    edge = Edge(data_dir, {ENV: str(key)})
    edge.start()
    try:
        sales = [sell(edge, f"TERM-SECRET-{i}") for i in range(2)]
        while_running = snapshot(data_dir)
    finally:
        edge.stop()
    return data_dir, key, sales, while_running


def test_the_files_are_written_encrypted_with_no_sale_in_clear(encrypted_store):
    data_dir, _, sales, while_running = encrypted_store
    assert f"{EDGE_DB}-wal" in while_running  # the WAL was caught in use, and checked too
    for name in (EDGE_DB, CENTRAL_DB):
        assert not (data_dir / name).read_bytes().startswith(PLAIN_HEADER), name
    secrets_of_the_sales = [b"TERM-SECRET-", *(s["idempotency_key"].encode() for s in sales),
                            b"kiosk-1", b"CREATE TABLE"]
    for name, content in {**while_running, **snapshot(data_dir)}.items():
        if name.split("-")[0] in (EDGE_DB, CENTRAL_DB):
            assert not any(word in content for word in secrets_of_the_sales), name


def test_plain_sqlite_cannot_read_them(encrypted_store):
    data_dir = encrypted_store[0]
    for name in (EDGE_DB, CENTRAL_DB):
        conn = sqlite3.connect(f"{(data_dir / name).as_uri()}?mode=ro", uri=True)
        with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.close()


def test_the_service_reads_them_back_after_a_restart(encrypted_store):
    data_dir, key, sales, _ = encrypted_store
    edge = Edge(data_dir, {ENV: str(key)})
    edge.start()
    try:
        held = {o["order_uuid"]: o["payment"]["reference"] for o in orders(edge)}
        assert held == {s["order_uuid"]: s["payment"]["reference"] for s in sales}
    finally:
        edge.stop()
    journal = run_server("verify-journal", "--data-dir", str(data_dir), key=key)
    assert journal.returncode == 0, journal.stdout + journal.stderr
    assert "2 chains, 4 rows hold" in journal.stdout  # the edge's and central's


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    """The command refused: exit 2, and its one line on stderr says each of `words`."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert all(word in done.stderr for word in words), done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [["--port", "PORT"], ["token", "--role", "operator"],
                                     ["verify-journal"], ["enroll-kiosk", "k9"]])
def test_without_the_key_or_with_another_nothing_opens_and_nothing_changes(
        encrypted_store, tmp_path, command):
    data_dir = encrypted_store[0]
    before = snapshot(data_dir)
    args = [str(free_port()) if arg == "PORT" else arg for arg in command]
    args += ["--data-dir", str(data_dir)]
    refused(run_server(*args), f"{data_dir / EDGE_DB} is encrypted",
            "set store_encryption_key_file")
    other = new_key(tmp_path, "other.key")
    refused(run_server(*args, key=other), f"{data_dir / EDGE_DB} cannot be opened with the key "
            f"in {other}", "wrong key")
    assert snapshot(data_dir) == before


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_may_read_refuses_the_start(tmp_path, mode):
    key = new_key(tmp_path)
    key.chmod(mode)
    done = start(tmp_path / "data", key)
    refused(done, str(key), f"mode {mode:04o}", f"chmod 600 {key}")
    assert not (tmp_path / "data").exists()  # nothing was made


@pytest.mark.parametrize("content", ["", "not a key", "ab" * 31, "ab" * 33, "g" * 64])
def test_a_key_file_without_a_raw_256_bit_key_refuses_the_start(tmp_path, content):
    key = tmp_path / "store.key"
    key.write_text(content)
    key.chmod(0o600)
    refused(start(tmp_path / "data", key),
            str(key), "64 hex digits")
    assert not (tmp_path / "data").exists()


def test_a_missing_key_file_refuses_the_start(tmp_path):
    missing = tmp_path / "no-such.key"
    refused(start(tmp_path / "data", missing),
            f"key file {missing} does not exist")
    assert not (tmp_path / "data").exists()


def test_a_plain_store_given_a_key_is_refused_until_it_is_converted(tmp_path):
    data_dir = tmp_path / "data"
    edge = Edge(data_dir)
    edge.start()
    edge.stop()
    before = snapshot(data_dir)
    key = new_key(tmp_path)
    refused(start(data_dir, key),
            f"{data_dir / EDGE_DB} is not encrypted", "encrypt-store")
    assert snapshot(data_dir) == before


def test_systemd_s_credential_of_the_setting_s_name_is_the_key(tmp_path):
    """LoadCredentialEncrypted=store_encryption_key_file:… puts the key where the unit's
    $CREDENTIALS_DIRECTORY says, mode 0400; the setting, when set, wins."""
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    key = write_key_file(credentials / KEY_FILE_SETTING, secrets.token_hex(32))
    (credentials / KEY_FILE_SETTING).chmod(0o400)
    env = {"CREDENTIALS_DIRECTORY": str(credentials)}
    assert Settings().database_key(env) == key
    assert Settings().database_key({}) is None
    chosen = new_key(tmp_path)
    assert Settings(store_encryption_key_file=str(chosen)).database_key(env).source == chosen
    (credentials / KEY_FILE_SETTING).chmod(0o444)
    with pytest.raises(EncryptionRefused, match="may be read by others"):
        Settings().database_key(env)
