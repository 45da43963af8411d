"""Failures inside the service: storage trouble is a 503, a bug is a logged 500, never a trace."""
import logging

import pytest

from server.config import EDGE_DB
from server.edge_app.factory import create_app
from server.web.access import OPERATOR, allow
from tests.conftest import sale
from tests.store_files import edge_rows, open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def test_a_locked_edge_store_answers_503_and_records_nothing(client, settings):
    await client.token("k1")  # enrolled before the lock, like a kiosk in service
    blocker = open_file(settings, EDGE_DB, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the edge's write lock
    try:
        resp = await client.post("/edge/checkout", json=sale())
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "1"
        error = (await resp.json())["error"]
        assert error["code"] == "store_unavailable" and error["details"]["reason"] == "busy"
        assert "locked" not in error["message"]   # SQLite's own words stay in the log
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert edge_rows(settings) == 0
    body = sale()
    assert (await client.post("/edge/checkout", json=body)).status == 201  # recovered
    assert (await client.post("/edge/checkout", json=body)).status == 200


async def test_an_unexpected_failure_is_a_logged_500_without_a_trace(make_client, settings,
                                                                     caplog):
    app = create_app(settings)

    async def broken(request):
        raise RuntimeError("internal detail that must not leak")
    app.router.add_get("/broken", allow(OPERATOR, broken))
    client = await make_client(app)
    with caplog.at_level(logging.ERROR):
        resp = await client.get("/broken")
    assert resp.status == 500
    text = await resp.text()
    assert "internal detail" not in text and "Traceback" not in text
    error = (await resp.json())["error"]
    assert error["code"] == "internal_error"
    request_id = error["details"]["request_id"]
    assert resp.headers["X-Request-Id"] == request_id
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None
