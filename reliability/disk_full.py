"""Disk full at the edge: its data dir on a tiny tmpfs that a ballast file fills up.

While the disk is full a checkout answers 503 `store_unavailable`, never a 2xx, and nothing is
half written (`PRAGMA integrity_check`, and the checker: every acknowledged sale is stored and
no refused one is). When the ballast goes, the edge takes sales again by itself, with no
restart. Mounting needs root; where that is refused the scenario raises `CannotRun`.
"""
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from reliability.checker import check
from reliability.edge_process import Edge
from reliability.history import HistoryWriter
from reliability.torture import CENTRAL_DB, EDGE_DB, Outcome, integrity_check, say

TMPFS_SIZE = "6m"
MILK = "7318001010007"
MAX_TRIES_WHILE_FULL = 2000


class CannotRun(RuntimeError):
    """This machine does not let us mount a tiny filesystem."""


def _call(edge: Edge, token: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{edge.url}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _sale(edge: Edge, token: str, history: HistoryWriter) -> int:
    """One checkout, recorded: ok on 2xx, fail on a JSON error (a definite no)."""
    key = str(uuid.uuid4())
    history.record("invoke", "kiosk-1", key)
    status, body = _call(edge, token, "/edge/checkout", {
        "idempotency_key": key, "items": [{"sku": MILK, "qty": 1}],
        "payment": {"method": "card", "reference": "T-FULL"}})
    if status in (200, 201):
        history.record("ok", "kiosk-1", key, status=status, total_ore=body["total_ore"])
    elif status == 503:
        history.record("fail", "kiosk-1", key, status=status, error=body["error"]["code"])
    else:
        history.record("unknown", "kiosk-1", key, status=status)
        raise AssertionError(f"a full disk gave {status}: {body}")
    return status


def _fill(path: Path) -> None:
    """Write the ballast until the filesystem refuses another byte."""
    chunk = b"\0" * 65536
    with open(path, "wb") as ballast:
        try:
            while True:
                ballast.write(chunk)
                ballast.flush()
        except OSError:
            pass


def _mount(mountpoint: Path) -> None:
    mountpoint.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs",
                           str(mountpoint)], capture_output=True, text=True)
    if done.returncode != 0:
        raise CannotRun(f"cannot mount a tmpfs: {done.stderr.strip()}")


def disk_full(workdir: Path) -> Outcome:
    """Sales, a full disk (503s, nothing written), space back (sales again), then check."""
    outcome = Outcome("disk_full", None)
    mountpoint = workdir / "tiny"
    _mount(mountpoint)
    try:
        edge = Edge(mountpoint / "data", {"CHECKOUT_RATE_LIMITS": "off"})
        edge.log_path = workdir / "edge.log"  # the edge's own output must not need the disk
        edge.start()
        token = edge.token("kiosk-1")
        history_path = workdir / "history.jsonl"
        with HistoryWriter(history_path) as history:
            _call(edge, token, "/edge/heartbeat", {"central_link_up": False})
            assert all(_sale(edge, token, history) == 201 for _ in range(20))
            _fill(mountpoint / "ballast")
            statuses: list[int] = []  # until five refusals in a row show it is really full
            while len(statuses) < MAX_TRIES_WHILE_FULL and statuses[-5:] != [503] * 5:
                statuses.append(_sale(edge, token, history))
            refused = statuses.count(503)
            say(f"[disk_full] disk full: {refused} refused with 503, "
                f"{len(statuses) - refused} still fitted in space the files already had")
            assert refused, "the disk never filled up"
            (mountpoint / "ballast").unlink()
            outcome.drain_s = _until_accepted(edge, token, history)
            say(f"[disk_full] space back: sales accepted again after {outcome.drain_s} s")
        edge.stop()
        integrity_check(edge.data_dir)
        outcome.integrity_checks = 1
        report = check(history_path, edge.data_dir / EDGE_DB, edge.data_dir / CENTRAL_DB,
                       expect_drained=False)
        outcome.check = report.as_json()
        say(report.text())
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True)
    return outcome


def _until_accepted(edge: Edge, token: str, history: HistoryWriter, bound_s: float = 10) -> float:
    """Seconds until a checkout is accepted again, trying every 0.1 s up to `bound_s`."""
    started = time.monotonic()
    while _sale(edge, token, history) != 201:
        assert time.monotonic() - started < bound_s, "the edge did not recover by itself"
        time.sleep(0.1)
    return round(time.monotonic() - started, 2)
