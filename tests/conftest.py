"""Fixtures: the real app, on real SQLite files in a temp dir, served on 127.0.0.1."""
import asyncio
import sqlite3
import uuid
from datetime import datetime, timedelta, UTC

import pytest

from server.app import CENTRAL_DB, EDGE_DB, create_app
from server.config import Settings

MILK = "7318001010007"        # Mellanmjölk, 16.95 kr, VAT 12 %
DETERGENT = "7318406180435"   # Tvättmedel, 79.95 kr, VAT 25 %
NEWSPAPER = "7318802130485"   # Dagstidning, 35.00 kr, VAT 6 %


class SettableClock:
    """A clock tests can move forward; everything else about the app stays real."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Fast sweeps and short backoff so sync tests finish in well under a second."""
    return Settings(
        data_dir=str(tmp_path / "data"),
        sync_sweep_interval_s=0.05,
        sync_backoff_initial_s=0.05,
        sync_backoff_max_s=0.2,
        sqlite_busy_timeout_ms=50,
        sync_batch_size=10,
    )


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def client(aiohttp_client, settings, clock):
    """A client of the real app, served on a real socket."""
    return await aiohttp_client(create_app(settings, clock=clock))


def sale(kiosk_id="k1", key=None, items=None, **extra) -> dict:
    """A valid checkout body."""
    return {
        "kiosk_id": kiosk_id,
        "idempotency_key": key or str(uuid.uuid4()),
        "items": items or [{"sku": MILK, "qty": 2}],
        "payment": {"method": "card", "reference": "TERM-0001"},
        **extra,
    }


async def heartbeat(client, kiosk_id="k1", link_up=True):
    resp = await client.post("/edge/heartbeat",
                             json={"kiosk_id": kiosk_id, "central_link_up": link_up})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def count_rows(settings: Settings, db: str, table: str) -> int:
    """Count rows straight from the file, as an auditor would."""
    with sqlite3.connect(settings.data_path / db) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def edge_rows(settings):
    return count_rows(settings, EDGE_DB, "edge_orders")


def central_rows(settings):
    return count_rows(settings, CENTRAL_DB, "central_orders")


async def eventually(predicate, timeout=5.0, interval=0.02):
    """Wait until an async predicate holds (background sync), or fail with its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value or asyncio.get_running_loop().time() > deadline:
            assert value, "condition never became true"
            return value
        await asyncio.sleep(interval)
