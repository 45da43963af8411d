"""Bad credentials from outside: refused with 401, audited without letting an attacker grow
the audit trail (and the disk) without bound, and never a 500, whatever bytes they hold."""
import asyncio
import re
import sqlite3

import pytest

from server.auth.failures import FailureAudit
from server.auth.store import AuthStore
from server.config import EDGE_DB
from server.edge.store import EdgeStore
from tests.conftest import SettableClock, raw_exchange, sale
from tests.store_files import count_rows, open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


def audit_rows(settings, action: str) -> list[sqlite3.Row]:
    with open_file(settings, EDGE_DB, named_rows=True) as conn:
        return conn.execute("SELECT * FROM audit_events WHERE action = ? ORDER BY id",
                            (action,)).fetchall()


def store_bytes(settings) -> int:
    """The edge store on disk, with its write-ahead log."""
    return sum(path.stat().st_size for path in settings.data_path.glob(f"{EDGE_DB}*"))


def metric(text: str, name: str) -> float:
    return float(re.search(rf"^{name} (\S+)$", text, re.MULTILINE).group(1))


async def test_a_thousand_long_bad_tokens_write_a_few_short_rows(client, settings):
    await client.post("/edge/checkout", json=sale("k1"))     # a store in use
    before = store_bytes(settings)
    bad = {"Authorization": "Bearer aoc_" + "f" * 8000 + "_secret"}
    statuses = await asyncio.gather(*[client.raw.get("/edge/orders", headers=bad)
                                      for _ in range(1000)])
    assert {resp.status for resp in statuses} == {401}
    rows = audit_rows(settings, "auth_failed")
    assert len(rows) <= settings.audit_failures_per_address_per_min
    assert all(len(row["details_json"]) < 200 and len(row["target"]) < 200 for row in rows)
    assert '"malformed": true' in rows[0]["details_json"]
    # Was 9.7 MB for the same attack; now a few rows (and pages the WAL already had).
    assert store_bytes(settings) - before < 200_000
    metrics = await (await client.get("/metrics")).text()
    assert metric(metrics, "auth_failures_total") == 1000
    assert metric(metrics, "auth_failures_unaudited_total") == 1000 - len(rows)


async def test_a_well_formed_unknown_token_is_audited_by_its_public_id_only(client, settings):
    token = "aoc_0123456789abcdef_" + "S" * 32
    resp = await client.raw.get("/edge/orders", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401
    details = audit_rows(settings, "auth_failed")[-1]["details_json"]
    assert '"token_id": "0123456789abcdef"' in details and "SSSS" not in details


async def test_failures_past_the_rate_are_counted_in_the_next_row(tmp_path):
    store = await EdgeStore(tmp_path / EDGE_DB).open()
    try:
        clock = SettableClock()
        failures = FailureAudit(AuthStore(store.db), per_address_per_min=2, per_min=100,
                                clock=lambda: clock.now.timestamp())
        for _ in range(7):
            await failures.record("t", "auth_failed", "/x", "10.0.0.9", "aoc_nope")
        await failures.record("t", "auth_failed", "/x", "10.0.0.8", "aoc_nope")  # its own budget
        clock.advance(30)   # room for one more row from 10.0.0.9
        await failures.record("t", "auth_failed", "/x", "10.0.0.9", "aoc_nope")
        rows = await store.db.fetchall("SELECT details_json FROM audit_events ORDER BY id")
    finally:
        await store.close()
    details = [row[0] for row in rows]
    assert len(details) == 4
    assert '"remote": "10.0.0.8"' in details[2]
    assert '"unaudited_before": 5' in details[3]


async def raw_request(client, head: bytes) -> tuple[int, bytes]:
    """Send a request head as bytes (no client library would send these): status and body."""
    answer = await raw_exchange(client, head)
    return int(answer.split(b" ", 2)[1]), answer.partition(b"\r\n\r\n")[2]


async def test_credentials_that_are_not_utf8_are_a_401_and_audited(client, settings,
                                                                   no_errors_logged):
    token_id = (await client.token("k1")).split("_")[1]
    for header in (b"Cookie: aoc_session=\xff\xfe", b"Authorization: Bearer aoc_" +
                   token_id.encode() + b"_\xff", b"Authorization: Bearer \xff\xfe"):
        status, body = await raw_request(client, b"GET /edge/orders HTTP/1.1\r\nHost: x\r\n"
                                         + header + b"\r\nConnection: close\r\n\r\n")
        assert status == 401, body
        assert b'"code":"unauthorized"' in body
    assert len(audit_rows(settings, "auth_failed")) == 3
    status, _ = await raw_request(client, b"DELETE /auth/session HTTP/1.1\r\nHost: x\r\n"
                                  b"Cookie: aoc_session=\xff\r\nConnection: close\r\n\r\n")
    assert status == 401
    assert count_rows(settings, EDGE_DB, "sessions") == 0


async def test_a_token_sent_without_bearer_is_told_what_to_type(client):
    """The token pasted alone (as /docs' field invites) is a 401 that says what is missing."""
    token = await client.token("operator")
    resp = await client.raw.get("/edge/orders", headers={"Authorization": token})
    assert resp.status == 401
    assert "Bearer" in (await resp.json())["error"]["message"]
    resp = await client.raw.get("/edge/orders", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200
