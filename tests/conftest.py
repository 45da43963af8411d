"""Fixtures: the real app, on real SQLite files in a temp dir, served on 127.0.0.1; and, for
head office, a real PostgreSQL database made for each test and dropped after.

PostgreSQL is found at CHECKOUT_TEST_POSTGRES (an admin DSN; scripts/test starts one when
none answers on 127.0.0.1:5432). A test that cannot reach it fails: it is never skipped.

With `--encrypted-stores` every store file a test makes through `settings` or `database_key`
is encrypted (SQLCipher, a new key per test), and a test whose files end up plain fails:
scripts/test runs the edge's core suite (`-m edge_core`) once more so. A test reads the
store's files straight through tests/store_files.py, keyed as the store is."""
import asyncio
import inspect
import json
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from reliability.databases import admin_dsn, create_database, drop_database
from reliability.hq_process import HeadOffice
from server.auth.enrolment import enrol_kiosk, issue_person_token
from server.clock import to_iso
from server.config import CENTRAL_DB, EDGE_DB, Settings
from server.edge_app.factory import create_app
from server.edge_app.routes import ROUTES
from server.encryption import write_key_file
from server.orders import BATCH_COLUMNS, JSON_COLUMNS
from server.sqlite_open import file_kind
from server.web.access import KIOSK
from server.web.fields import KIOSK_ID
from server.web.keys import AUTH_STORE, SETTINGS
from server.web.serving import server_options

MILK = "7318001010007"        # Mellanmjölk, 16.95 kr, VAT 12 %
DETERGENT = "7318406180435"   # Tvättmedel, 79.95 kr, VAT 25 %
NEWSPAPER = "7318802130485"   # Dagstidning, 35.00 kr, VAT 6 %


@pytest.fixture
async def postgres():
    """A new, empty database for this test (its DSN); dropped, sessions and all, after."""
    admin = admin_dsn()
    try:
        database = await create_database(admin, "test")
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"no PostgreSQL answers at {admin} ({exc}); scripts/test starts one")
    try:
        yield database
    finally:
        await drop_database(admin, database)


@pytest.fixture
async def head_office(tmp_path, postgres):
    """Head office as a process on this test's database."""
    hq = HeadOffice(tmp_path, postgres)
    await asyncio.to_thread(hq.start)
    yield hq
    if hq.running:
        await asyncio.to_thread(hq.stop)


class SettableClock:
    """A clock tests can move forward; everything else about the app stays real."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def pytest_addoption(parser):
    parser.addoption("--encrypted-stores", action="store_true", default=False,
                     help="encrypt the store's SQLite files (SQLCipher, a key per test); "
                          "scripts/test runs `-m edge_core --encrypted-stores`")


@pytest.fixture
def database_key(request, tmp_path):
    """This test's key for the store's files: None (plain), or with --encrypted-stores a
    new one, in a key file of mode 0600."""
    if not request.config.getoption("--encrypted-stores"):
        return None
    return write_key_file(tmp_path / "store.key", secrets.token_hex(32))


@pytest.fixture
def settings(tmp_path, database_key):
    """Fast sweeps and short backoff so sync tests finish in well under a second. With
    --encrypted-stores, the files it left must be encrypted, or the test fails."""
    settings = Settings(
        store_encryption_key_file=str(database_key.source) if database_key else "",
        data_dir=str(tmp_path / "data"),
        sync_sweep_interval_s=0.05,
        sync_backoff_initial_s=0.05,
        sync_backoff_max_s=0.2,
        sqlite_busy_timeout_ms=50,
        sync_batch_size=10,
        demo_fleet=False,
        rate_limits="off",  # tests send bursts; test_security turns the limits on
    )
    yield settings
    if database_key:
        kinds = {name: file_kind(settings.data_path / name) for name in (EDGE_DB, CENTRAL_DB)}
        assert "plain" not in kinds.values(), f"a store file was written plain: {kinds}"


@pytest.fixture
def no_errors_logged(caplog):
    """Refusing input is not a failure of ours: nothing at ERROR, no RecursionError."""
    caplog.set_level(logging.WARNING)
    yield
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or "Recursion" in r.getMessage()
           or (r.exc_info and isinstance(r.exc_info[1], RecursionError))]
    assert not bad, [r.getMessage() for r in bad]


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


# Routes only a kiosk may call, from the route table itself.
KIOSK_ROUTES = {path for _, path, _, roles, _ in ROUTES if roles == KIOSK}


class Caller:
    """A client of the real app that signs each request as an honest caller would: a kiosk
    route with the token of the kiosk its body names (k1 if it names none it could hold),
    any other route with an operator's token. Access-control tests use `.raw` instead."""

    def __init__(self, raw):
        self.raw, self.app = raw, raw.app
        self._tokens: dict[str, str] = {}
        self._issuing = asyncio.Lock()  # enrolling a kiosk twice would rotate its first token

    async def token(self, who: str) -> str:
        """A bearer token for "operator", "dashboard" or a kiosk id, issued on first use."""
        async with self._issuing:
            if who not in self._tokens:
                store, now = self.app[AUTH_STORE], to_iso(datetime.now(UTC))
                if who in ("operator", "dashboard"):
                    issued = await issue_person_token(store, who, f"test {who}", "test", now)
                else:
                    issued = await enrol_kiosk(store, who, "test", now)
                self._tokens[who] = issued.token
        return self._tokens[who]

    def _caller_of(self, path: str, kwargs: dict) -> str:
        if path.split("?")[0] not in KIOSK_ROUTES:
            return "operator"
        body = kwargs.get("json")
        if body is None and isinstance(kwargs.get("data"), bytes | str):
            try:
                body = json.loads(kwargs["data"])
            except (ValueError, RecursionError):
                body = None
        named = body.get("kiosk_id") if isinstance(body, dict) else None
        return named if isinstance(named, str) and KIOSK_ID.regex.fullmatch(named) else "k1"

    async def request(self, method: str, path: str, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if "Authorization" not in headers:
            who = self._caller_of(path, kwargs)
            headers["Authorization"] = f"Bearer {await self.token(who)}"
        return await self.raw.request(method, path, headers=headers, **kwargs)

    async def get(self, path, **kwargs):
        return await self.request("GET", path, **kwargs)

    async def post(self, path, **kwargs):
        return await self.request("POST", path, **kwargs)

    async def close(self):
        await self.raw.close()


@pytest.fixture
def make_client(aiohttp_client):
    """Serve an app on a real socket, run as the command line runs it, and return a Caller."""
    async def make(app):
        server = TestServer(app)  # (a TestServer takes the runner's options at its start)
        await server.start_server(**server_options(app[SETTINGS]))
        return Caller(await aiohttp_client(server))
    return make


@pytest.fixture
async def client(make_client, settings, clock):
    """A client of the real app, served on a real socket."""
    return await make_client(create_app(settings, clock=clock))


def sale(kiosk_id="k1", key=None, items=None, **extra) -> dict:
    """A valid checkout body."""
    return {
        "kiosk_id": kiosk_id,
        "idempotency_key": key or str(uuid.uuid4()),
        "items": items or [{"sku": MILK, "qty": 2}],
        "payment": {"method": "card", "reference": "TERM-0001"},
        **extra,
    }


async def all_orders(client, path, **params):
    """Every order of a list route, following the cursor."""
    orders, after = [], None
    while True:
        query = {**params, "limit": 7, **({"after": after} if after else {})}
        page = await (await client.get(path, params=query)).json()
        orders += page["orders"]
        if page["next"] is None:
            return orders
        after = page["next"]


async def heartbeat(client, kiosk_id="k1", link_up=True):
    resp = await client.post("/edge/heartbeat",
                             json={"kiosk_id": kiosk_id, "central_link_up": link_up})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def raw_exchange(client, data: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes to the app's port (of our client, or aiohttp's test client); everything
    it answers until it closes (or times out)."""
    port = client.raw.port if hasattr(client, "raw") else client.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    answer = b""
    try:
        async with asyncio.timeout(timeout):
            while chunk := await reader.read(4096):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.endswith(b"}}}"):
                    break
    finally:
        writer.close()
    return answer


async def closed_with(ws, timeout: float = 10.0) -> int | None:
    """Read what the edge sends on a socket until it closes it; the close code (None if it
    never did within `timeout`)."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await ws.receive()
                if message.type == aiohttp.WSMsgType.CLOSE:
                    return message.data
                if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    return ws.close_code
    except TimeoutError:
        return None


async def eventually(predicate, timeout=5.0, interval=0.02):
    """Wait until a predicate (async or not) holds, polling (background work: the sync, the
    sockets), or fail once `timeout` has passed; its value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value or asyncio.get_running_loop().time() > deadline:
            assert value, "condition never became true"
            return value
        await asyncio.sleep(interval)


def batch_of(orders) -> str:
    """A batch for CentralLedger.deliver (BATCH_COLUMNS) made from orders as the API shows
    them; a caller from before the journal may give no hashes."""
    return json.dumps([
        [json.dumps(order[JSON_COLUMNS[name]]) if name in JSON_COLUMNS else order.get(name)
         for name in BATCH_COLUMNS]
        for order in orders])
