"""The sync coroutine: per kiosk, pending rows go to central in seq order, in batches.

Per batch: central commits (duplicates absorbed), then the edge marks the rows synced. A crash
between the two commits only replays the batch, which central's dedup absorbs.
Which kiosks may drain: none whose link the staff forced down (a drill); an online kiosk by
its own `central_link_up` flag; a kiosk whose
heartbeats stopped by the edge's own view of central, i.e. its last delivery result, which
the backoff holds, so its sales are never stranded behind a flag nobody will flip.

A failure that is about the ledger as a whole (head office unreachable, busy, or refusing
the store: the error says `whole_ledger`) backs off the ledger, not the kiosk: while it
waits no kiosk tries, and when it is due one kiosk probes with one batch; every kiosk
follows, side by side, only once the probe got through. So a store with ten kiosks knocks
on a head office that is down as one store, not ten, and its kiosks drain at once when it
is back. A head office that answers busy (hq_busy, Retry-After) is up and pacing the chain:
the store waits what it asked, with jitter, and does not back off further, so a herd drains
at head office's pace rather than at the pace of its unluckiest stores' growing delays.
"""
import asyncio
import logging
import time
from dataclasses import asdict, dataclass

from server.central.ledger import BatchOrigin, CentralLedger
from server.clock import to_iso
from server.config import Settings
from server.edge.liveness import is_online
from server.edge.store import EdgeStore
from server.events import Listeners
from server.faults import Faults
from server.sync.backoff import Backoff
from server.tasks import BackgroundTask

log = logging.getLogger(__name__)
LEDGER = "*ledger*"  # the backoff's key for the ledger as a whole (no kiosk id holds a '*')


@dataclass
class DrainReport:
    """What one drain of one kiosk did, and why it stopped."""

    kiosk_id: str
    synced: int = 0
    already_present: int = 0
    set_aside: int = 0
    batches: int = 0
    outcome: str = "drained"  # drained | link_down | central_error
    error: str | None = None

    def as_json(self) -> dict:
        """The report as the sync API answers it."""
        return asdict(self)


class SyncWorker:
    """Owns the background drain task, its wake-ups, and the backoff (per kiosk, and of the
    ledger as a whole)."""

    def __init__(self, store: EdgeStore, ledger: CentralLedger, settings: Settings, clock,
                 faults: Faults | None = None):
        self.store, self.ledger, self.settings, self.clock = store, ledger, settings, clock
        self.faults = faults or Faults()
        self.backoff = Backoff(settings.sync_backoff_initial_s, settings.sync_backoff_max_s)
        self._wanted: set[str] = set()
        self._wake = asyncio.Event()
        self._locks: dict[str, asyncio.Lock] = {}
        self._task = BackgroundTask("sync-worker")
        # Told after each batch (kiosk_id, delivery, rows still pending), and after a failed
        # delivery (kiosk_id, error).
        self.on_batch = Listeners()
        self.on_failure = Listeners()

    def wake(self, kiosk_id: str) -> None:
        """Ask for a drain of this kiosk soon; cheap and safe to call on every sale."""
        self._wanted.add(kiosk_id)
        self._wake.set()

    def start(self) -> None:
        """Start the background task (it also sweeps pending rows left from before a restart)."""
        self._task.start(self._run())

    async def stop(self) -> None:
        """Cancel the task and wait until it has let go of both stores."""
        await self._task.stop()

    async def _run(self) -> None:
        full, last_full = True, 0.0  # the first sweep takes in rows left from a restart
        while True:
            if full:
                last_full = time.monotonic()
            try:
                await self._sweep(full)
            except Exception:
                log.exception("sync sweep failed; retrying at the next wake-up")
            timeout = self.settings.sync_sweep_interval_s
            due = self.backoff.next_due_in()
            if due is not None:
                timeout = min(timeout, due)
            try:
                # Not wait_for: on 3.11 it loses a cancel that lands as the event fires.
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
                full = time.monotonic() - last_full >= self.settings.sync_sweep_interval_s
                # Every sale wakes its kiosk: the sales of the next moment join this sweep,
                # instead of each costing its own look at the kiosk's link.
                await asyncio.sleep(self.settings.sync_wake_coalesce_s)
            except TimeoutError:
                full = True
            self._wake.clear()

    async def _sweep(self, full: bool = True) -> None:
        """Drain the kiosks asked for and, in a full sweep, every kiosk with pending rows,
        if its link allows; up to `sync_parallel_kiosks` at once, so their batches share
        commits. A wake-up sweeps only its kiosks: every sale wakes one, and looking through
        the whole store's backlog each time would cost more as the backlog grows."""
        if self.backoff.waiting(LEDGER):
            return  # no kiosk tries meanwhile; those that asked stay asked
        wanted, self._wanted = self._wanted, set()
        if full:
            wanted |= set(await self.store.kiosks_with_pending())
        if not wanted:
            return
        # One read for all their links first: while the links are down (an outage, a drill)
        # every sale wakes the sync, and a read per kiosk per sweep costs the event loop a
        # trip to a reader thread each, for nothing. Those that may drain look again below.
        rows = await self.store.get_kiosks(sorted(wanted))
        kiosks = [kiosk_id for kiosk_id, row in sorted(rows.items()) if self.link_allows(row)]
        gate = asyncio.Semaphore(self.settings.sync_parallel_kiosks)

        async def drain_if_allowed(kiosk_id: str, max_batches: int | None = None) -> None:
            async with gate:
                if not self.backoff.waiting(kiosk_id) and await self.link_up(kiosk_id):
                    await self.drain_kiosk(kiosk_id, max_batches)

        if kiosks and LEDGER in self.backoff.failures:
            # One batch of one kiosk (not waiting on its own) probes; all follow if it went.
            probe = [k for k in kiosks if not self.backoff.waiting(k)][:1]
            await self._drain_all(lambda kiosk_id: drain_if_allowed(kiosk_id, 1), probe)
            if LEDGER in self.backoff.failures:  # still failing: the rest wait their turn
                self._wanted |= set(kiosks)
                return
        await self._drain_all(drain_if_allowed, kiosks)

    @staticmethod
    async def _drain_all(drain, kiosks: list[str]) -> None:
        outcomes = await asyncio.gather(*map(drain, kiosks), return_exceptions=True)
        for kiosk_id, outcome in zip(kiosks, outcomes, strict=True):
            if isinstance(outcome, Exception):
                log.error("sync of %s failed", kiosk_id, exc_info=outcome)

    async def link_up(self, kiosk_id: str) -> bool:
        """May this kiosk's rows go to central now? (See the module docstring.)"""
        return self.link_allows(await self.store.get_kiosk(kiosk_id))

    def link_allows(self, kiosk) -> bool:
        """May the rows of the kiosk with this row (None: unknown) go to central now?"""
        if kiosk is None or kiosk["link_forced_down"]:
            return False
        timeout = self.settings.heartbeat_timeout_s
        if is_online(kiosk["last_heartbeat_at"], self.clock(), timeout):
            return bool(kiosk["central_link_up"])
        return True

    async def drain_kiosk(self, kiosk_id: str, max_batches: int | None = None) -> DrainReport:
        """Push the kiosk's pending rows until none are left, the link drops, central fails
        or (if given) `max_batches` went."""
        report = DrainReport(kiosk_id)
        async with self._locks.setdefault(kiosk_id, asyncio.Lock()):
            while max_batches is None or report.batches < max_batches:
                batch = await self.store.pending_batch(kiosk_id, self.settings.sync_batch_size)
                if not batch.count:
                    break
                try:
                    delivery = await self.ledger.deliver(batch.text,
                                                         BatchOrigin(kiosk_id, batch.seqs))
                    self.faults.maybe_crash("crash_after_central_commit")
                    pending = await self.store.mark_synced(kiosk_id, batch.last_seq,
                                                           to_iso(self.clock()), delivery.refused)
                except Exception as exc:
                    await self._record_failure(report, exc)
                    break
                self.backoff.succeeded(kiosk_id)
                self.backoff.succeeded(LEDGER)
                self.on_batch(kiosk_id, delivery, pending)
                report.batches += 1
                report.synced += delivery.inserted
                report.already_present += delivery.already_present
                report.set_aside += len(delivery.refused)
                for order_uuid, why in delivery.refused.items():
                    log.error("central refused %s for good (%s): set aside for staff",
                              order_uuid, why)
                if not pending:
                    break
                if not await self.link_up(kiosk_id):
                    report.outcome = "link_down"
                    break
        return report

    async def _record_failure(self, report: DrainReport, exc: Exception) -> None:
        """Keep the rows pending, remember the error for the dashboard, and back off."""
        report.outcome = "central_error"
        report.error = f"{type(exc).__name__}: {exc}"[:500]
        retry_after = getattr(exc, "retry_after_s", None)
        if not getattr(exc, "whole_ledger", False):
            delay = self.backoff.failed(report.kiosk_id, retry_after)
        elif self.backoff.waiting(LEDGER):  # kiosks in flight together fail as one
            delay = self.backoff.next_due_in() or 0.0
        elif getattr(exc, "paced", False):
            delay = self.backoff.paced(LEDGER, retry_after)
        else:
            delay = self.backoff.failed(LEDGER, retry_after)
        self.on_failure(report.kiosk_id, report.error)
        log.warning("sync of %s failed (%s); next try in %.1fs",
                    report.kiosk_id, report.error, delay)
        try:
            await self.store.record_sync_error(report.kiosk_id, report.error, to_iso(self.clock()))
        except Exception:
            log.exception("could not record the sync error of %s", report.kiosk_id)
