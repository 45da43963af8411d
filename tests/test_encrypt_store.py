"""`encrypt-store` and `rekey`, as an operator runs them: real commands on a store the real
edge made and sold in, then the edge started on what they left. Every refusal leaves the
folder byte for byte as it was; a second run after a crash cleans up and finishes."""
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest

from reliability.edge_process import ROOT, Edge
from server.config import CENTRAL_DB, EDGE_DB
from server.encryption import DatabaseKey, EncryptionRefused, write_key_file
from server.sqlite_export import table_rows
from server.sqlite_open import PLAIN_HEADER, open_connection
from server.store_conversion import encrypt_store
from tests.chain.helpers import MILK, call

STORE_FILES = (EDGE_DB, CENTRAL_DB)
KEY_SETTING = "CHECKOUT_STORE_ENCRYPTION_KEY_FILE"
SALES = 3


def edge_orders(edge: Edge) -> list[dict]:
    """Every order the edge serves (fewer than a page's worth here)."""
    status, page = call(f"{edge.url}/edge/orders?limit=100", token=edge.token("operator"))
    assert status == 200 and page["next"] is None, page
    return page["orders"]


def sell_and_sync(edge: Edge, sales: int = SALES) -> None:
    """Sales at a kiosk, then wait until the embedded ledger holds them too."""
    token = edge.token("kiosk-1")
    assert call(f"{edge.url}/edge/heartbeat", "POST", token, {"central_link_up": True})[0] == 200
    for _ in range(sales):
        status, order = call(f"{edge.url}/edge/checkout", "POST", token, {
            "idempotency_key": str(uuid.uuid4()), "items": [{"sku": MILK, "qty": 1}],
            "payment": {"method": "card", "reference": "TERM-1"}})
        assert status == 201, order
    deadline = time.monotonic() + 15
    while {order["sync_state"] for order in edge_orders(edge)} != {"synced"}:
        assert time.monotonic() < deadline, "the sales never reached the ledger"
        time.sleep(0.1)


class PlainStore(NamedTuple):
    """A stopped store's folder, the orders its edge served, and the rows of each file."""

    data: Path
    orders: list[str]
    rows: dict[str, dict[str, int]]


@pytest.fixture(scope="module")
def plain_store(tmp_path_factory) -> PlainStore:
    """A store made by the real edge, with sales in both files, then stopped."""
    data = tmp_path_factory.mktemp("plain") / "data"
    edge = Edge(data)
    edge.start()
    try:
        sell_and_sync(edge)
        orders = sorted(order["order_uuid"] for order in edge_orders(edge))
    finally:
        edge.stop()
    return PlainStore(data, orders, {name: plain_rows(data / name) for name in STORE_FILES})


@pytest.fixture
def store(plain_store, tmp_path) -> Path:
    """This test's own copy of the plain store (modes kept)."""
    return shutil.copytree(plain_store.data, tmp_path / "data")


def plain_rows(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return table_rows(conn, path)
    finally:
        conn.close()


def keyed_rows(path: Path, key: DatabaseKey) -> dict[str, int]:
    conn = open_connection(path, key)
    try:
        return table_rows(conn, path)
    finally:
        conn.close()


def new_key(tmp_path: Path, name: str = "store.key") -> DatabaseKey:
    return write_key_file(tmp_path / name, secrets.token_hex(32))


def server(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m server ARGS...` to its end, whatever its exit status."""
    return subprocess.run([sys.executable, "-m", "server", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def encrypt_command(data: Path, key_file: Path) -> subprocess.CompletedProcess:
    return server("encrypt-store", "--data-dir", data, "--key-file", key_file)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder and its bytes (no connection of this process is open)."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def quietly(_: str) -> None:
    pass


def assert_no_plaintext_left(folder: Path) -> None:
    for path in folder.iterdir():
        assert not path.read_bytes().startswith(PLAIN_HEADER), f"{path.name} is plain SQLite"
        assert not path.name.endswith((".kept-aside", ".converting")), path.name


def test_encrypt_store_encrypts_every_file_and_the_service_serves_every_sale(
        plain_store, store, tmp_path):
    key = new_key(tmp_path)
    names = set(snapshot(store))
    done = encrypt_command(store, key.source)
    assert done.returncode == 0, done.stderr
    for name in STORE_FILES:
        assert not (store / name).read_bytes().startswith(PLAIN_HEADER)
        with pytest.raises(sqlite3.DatabaseError):
            plain_rows(store / name)
        assert f"kept aside at {store / name}.kept-aside" in done.stdout
    assert_no_plaintext_left(store)
    assert set(snapshot(store)) == names
    edge = Edge(store, {KEY_SETTING: str(key.source)})
    edge.start()
    try:
        assert sorted(order["order_uuid"] for order in edge_orders(edge)) == plain_store.orders
    finally:
        edge.stop()
    verified = server("verify-journal", "--data-dir", store, env={KEY_SETTING: str(key.source)})
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{SALES} rows checked  ok" in verified.stdout


def test_a_store_whose_service_was_killed_converts_with_the_sales_in_its_wal(
        plain_store, store, tmp_path):
    edge = Edge(store)
    edge.start()
    try:
        sell_and_sync(edge, sales=1)
        orders = sorted(order["order_uuid"] for order in edge_orders(edge))
    finally:
        edge.kill()  # as a power cut would: the last sales are in the -wal files only
    assert (store / f"{EDGE_DB}-wal").exists()
    key = new_key(tmp_path)
    done = encrypt_command(store, key.source)
    assert done.returncode == 0, done.stderr
    # Folded in before the copy: no old -wal is left to be applied to the new file.
    assert not [path.name for path in store.iterdir() if path.name.endswith(("-wal", "-shm"))]
    assert_no_plaintext_left(store)
    edge = Edge(store, {KEY_SETTING: str(key.source)})
    edge.start()
    try:
        assert sorted(order["order_uuid"] for order in edge_orders(edge)) == orders
        assert len(orders) == len(plain_store.orders) + 1
    finally:
        edge.stop()


def test_a_store_in_use_is_refused_with_nothing_changed(store, tmp_path):
    key = new_key(tmp_path)
    edge = Edge(store)
    edge.start()
    try:
        before = snapshot(store)
        done = encrypt_command(store, key.source)
        after = snapshot(store)
    finally:
        edge.stop()
    assert done.returncode == 2
    assert f"{store / EDGE_DB} is in use: stop the service first" in done.stderr
    assert after == before


def loose_key(tmp_path: Path) -> Path:
    path = new_key(tmp_path).source
    os.chmod(path, 0o644)
    return path


def short_key(tmp_path: Path) -> Path:
    path = tmp_path / "short.key"
    path.write_text(secrets.token_hex(16))
    os.chmod(path, 0o600)
    return path


@pytest.mark.parametrize("make_key_file, why", [
    (loose_key, "may be read by others (mode 0644)"),
    (short_key, "must hold a raw 256-bit key: 64 hex digits"),
    (lambda tmp_path: tmp_path / "absent.key", "does not exist"),
], ids=["mode-0644", "not-64-hex-digits", "missing"])
def test_a_bad_key_file_is_refused_with_nothing_changed(store, tmp_path, make_key_file, why):
    key_file = make_key_file(tmp_path)
    before = snapshot(store)
    done = encrypt_command(store, key_file)
    assert done.returncode == 2
    assert f"refused: the store's key file {key_file} {why}" in done.stderr
    assert snapshot(store) == before


def test_files_encrypted_with_another_key_are_refused_with_nothing_changed(store, tmp_path):
    encrypt_store(store, new_key(tmp_path, "first.key"), quietly)
    other = new_key(tmp_path, "other.key")
    before = snapshot(store)
    done = encrypt_command(store, other.source)
    assert done.returncode == 2
    assert f"{store / EDGE_DB} cannot be opened with the key in {other.source}" in done.stderr
    assert snapshot(store) == before


def test_rekey_with_a_wrong_old_key_is_refused_with_nothing_changed(store, tmp_path):
    encrypt_store(store, new_key(tmp_path, "in-use.key"), quietly)
    wrong, new = new_key(tmp_path, "wrong.key"), new_key(tmp_path, "new.key")
    before = snapshot(store)
    done = server("rekey", "--data-dir", store, "--key-file", wrong.source,
                  "--new-key-file", new.source)
    assert done.returncode == 2
    assert f"{store / EDGE_DB} cannot be opened with the key in {wrong.source}" in done.stderr
    assert snapshot(store) == before


def test_rekey_moves_every_file_to_the_new_key(plain_store, store, tmp_path):
    old, new = new_key(tmp_path, "old.key"), new_key(tmp_path, "new.key")
    encrypt_store(store, old, quietly)
    done = server("rekey", "--data-dir", store, "--key-file", old.source,
                  "--new-key-file", new.source)
    assert done.returncode == 0, done.stderr
    assert f"point store_encryption_key_file at {new.source.resolve()}" in done.stdout
    for name in STORE_FILES:
        with pytest.raises(EncryptionRefused, match="wrong key"):
            open_connection(store / name, old)
        assert keyed_rows(store / name, new) == plain_store.rows[name]
        assert f"kept aside at {store / name}.kept-aside" in done.stdout
    assert_no_plaintext_left(store)


def test_a_second_run_after_a_crash_cleans_up_and_finishes(plain_store, store, tmp_path):
    key = new_key(tmp_path)
    # The edge's file crashed after its swap: encrypted in place, the plaintext still aside.
    scratch = shutil.copytree(store, tmp_path / "scratch")
    encrypt_store(scratch, key, quietly)
    edge_aside = store / f"{EDGE_DB}.kept-aside"
    os.link(store / EDGE_DB, edge_aside)
    os.replace(scratch / EDGE_DB, store / EDGE_DB)
    # The ledger's crashed while its new file was half written.
    half_copy = store / f"{CENTRAL_DB}.converting"
    half_copy.write_bytes(os.urandom(4096))
    done = encrypt_command(store, key.source)
    assert done.returncode == 0, done.stderr
    assert f"removed {edge_aside}, left by an interrupted run" in done.stdout
    assert f"{EDGE_DB}: encrypted with this key already: skipped" in done.stdout
    assert f"removed {half_copy}, left by an interrupted run" in done.stdout
    assert_no_plaintext_left(store)
    for name in STORE_FILES:
        assert keyed_rows(store / name, key) == plain_store.rows[name]
