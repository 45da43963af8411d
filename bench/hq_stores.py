"""Simulated stores: signing HTTP clients, no edge processes. Each has its own Ed25519 key
(made as a store makes it, enrolled in head office's register), and delivers a batch as the
edge's sync does (server/central/remote_ledger.py): one POST /hq/v1/batches, signed at send
time over the exact bytes, with the edge's timeouts; a 503 is "not now", waited out with the
edge's Backoff keyed by store, as the edge's sync does: hq_busy with a Retry-After is waited
as asked (with up to half again at random), any other 503 backs off further each time. Any
other answer, or no answer, is counted as an error and the batch given up (a store would not
get it in either)."""
import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import orjson

from bench.progress import say
from server.central.remote_ledger import BUSY
from server.chain.signing import sign
from server.chain.store_keys import StoreKey, create_key
from server.clock import to_iso, utc_now
from server.config import HqSettings, Settings
from server.hq.storage import open_storage
from server.sync.backoff import Backoff

BATCHES = "/hq/v1/batches"
TIMEOUT = aiohttp.ClientTimeout(total=Settings.central_timeout_s,
                                connect=Settings.central_connect_timeout_s)


@dataclass(frozen=True)
class SimulatedStore:
    """A store as head office knows it: its id and its key."""

    store_id: str
    key: StoreKey


@dataclass
class Tally:
    """What a phase's deliveries met: each 200's time (request to answer), each batch's
    time from its first try to its 200, the answers by status, and the failures."""

    answered_ms: list = field(default_factory=list)
    delivered_ms: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)   # no answer, by exception
    refusals: list = field(default_factory=list)       # a few answers not 200 nor 503
    inserted: int = 0
    already_present: int = 0
    given_up: int = 0
    started: float = 0.0                                # when the phase began (monotonic)
    progress: list = field(default_factory=list)       # (monotonic, rows inserted) per 200

    def seconds_to(self, rows: int) -> float | None:
        """Seconds from the start until head office had taken `rows` new rows (None: never):
        beside the whole phase's time, it shows how long the last stores' backoff took."""
        return next((at - self.started for at, held in self.progress if held >= rows), None)

    @property
    def non_503_errors(self) -> int:
        """Answers other than 200 and 503, and tries with no answer at all."""
        other = sum(n for status, n in self.statuses.items() if status not in (200, 503))
        return other + sum(self.errors.values())

    def as_json(self) -> dict:
        """The counts, for the JSON's details."""
        return {"statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "errors": dict(self.errors), "refusals": self.refusals[:5],
                "inserted": self.inserted, "already_present": self.already_present,
                "given_up": self.given_up}


def make_stores(folder: Path, count: int, prefix: str = "bench-store") -> list[SimulatedStore]:
    """`count` stores, each with a new key written as a store writes it (mode 0600)."""
    return [SimulatedStore(f"{prefix}-{i:04d}", create_key(folder / f"{prefix}-{i:04d}.pem"))
            for i in range(count)]


async def enrol(dsn: str, stores: list[SimulatedStore]) -> None:
    """Enrol every store's key in head office's register, as `hq enroll-store` does (head
    office's KeyRing reads them at its first unknown key id)."""
    storage = await open_storage(HqSettings(database=dsn, hq_db_pool_size=2,
                                            hq_max_concurrent_batches=1))
    try:
        for done, store in enumerate(stores, start=1):
            now = to_iso(utc_now())
            key_id = await storage.registry.enroll(store.store_id, store.key.public_text, now)
            await storage.auth.audit(now, "bench", "enroll_store", store.store_id,
                                     {"key_id": key_id})
            if done % 250 == 0:
                say(f"hq: {done} of {len(stores)} stores enrolled")
    finally:
        await storage.close()


class Deliverer:
    """Sends batches for any store to one head office, honouring its 503s, into a Tally."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, tally: Tally,
                 give_up_s: float):
        self.http, self.url, self.tally = http, base_url + BATCHES, tally
        self.give_up_s = give_up_s
        self.backoff = Backoff(Settings.sync_backoff_initial_s, Settings.sync_backoff_max_s)

    async def deliver(self, store: SimulatedStore, body: bytes) -> bool:
        """Send one batch until head office takes it; False if it was given up."""
        first = time.monotonic()
        while time.monotonic() - first < self.give_up_s:
            status, code, retry_after = await self._post(store, body)
            if status == 200:
                self.backoff.succeeded(store.store_id)
                self.tally.delivered_ms.append((time.monotonic() - first) * 1000)
                return True
            if status not in (503, None):
                break
            if code == BUSY and retry_after:
                await asyncio.sleep(self.backoff.paced(store.store_id, retry_after))
            else:
                await asyncio.sleep(self.backoff.failed(store.store_id, retry_after))
        self.tally.given_up += 1
        return False

    async def _post(self, store: SimulatedStore,
                    body: bytes) -> tuple[int | None, str, float | None]:
        """One signed POST; (its status or None for no answer, its error code, the
        Retry-After asked)."""
        headers = sign(store.key, "POST", self.url, body)
        sent = time.monotonic()
        try:
            async with self.http.post(self.url, data=body, headers=headers,
                                      timeout=TIMEOUT) as answer:
                payload, status = await answer.read(), answer.status
                retry = answer.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.tally.errors[type(exc).__name__] += 1
            return None, "", None
        self.tally.statuses[status] += 1
        if status == 200:
            self.tally.answered_ms.append((time.monotonic() - sent) * 1000)
            delivery = orjson.loads(payload)
            self.tally.inserted += delivery["inserted"]
            self.tally.already_present += delivery["already_present"]
            self.tally.progress.append((time.monotonic(), self.tally.inserted))
        elif status != 503 and len(self.tally.refusals) < 20:
            self.tally.refusals.append({"status": status, "body": payload[:300].decode(
                errors="replace")})
        code = orjson.loads(payload).get("error", {}).get("code", "") if status != 200 else ""
        return status, code, float(retry) if retry and retry.isdigit() else None
