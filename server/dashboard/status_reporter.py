"""The store reports in: its status (server/dashboard/store_status.py) goes to head office
every `interval_s`, and at once when something changes much (the glance's mark), at most one
report per MIN_GAP_S. The coroutine glances every CHECK_S: kiosks go offline by time passing,
with no news to wake anything, and a glance costs two queries over the running totals.

A report that cannot be sent is dropped, not queued or retried: reports are state, not
events, and the next one (at the next interval) says the newer truth, so a store back from
an outage sends one report, not the backlog of every report it missed. A change that failed
to go out is not tried again every MIN_GAP_S either: a head office that is down or busy
hears from the store at its interval. An outage is logged once when it starts and once when
it ends (with how many reports were dropped), not every interval."""
import asyncio
import logging
import time

from server.errors import CentralUnavailable
from server.events import Listeners
from server.tasks import BackgroundTask

log = logging.getLogger(__name__)
MIN_GAP_S = 2.0    # least time between two reports made at once for a change
CHECK_S = 1.0      # a change is seen within this (and reported within MIN_GAP_S)


class StatusReporter:
    """Owns the reporting task; `send` is the ledger's signed POST of a report."""

    def __init__(self, status, send, interval_s: float, clock=time.monotonic):
        self.status, self.send, self.interval_s, self.clock = status, send, interval_s, clock
        self.check_s = min(CHECK_S, interval_s)
        self.dropped = 0   # reports dropped in the outage going on (0: none going on)
        self.on_sent = Listeners()     # (): a report reached head office
        self.on_failed = Listeners()   # (error): a report was dropped
        self._task = BackgroundTask("status-reporter")

    def start(self) -> None:
        """Report from now on, the first report at once."""
        self._task.start(self._run())

    async def stop(self) -> None:
        """Stop reporting (a report in flight is abandoned: the next start sends anew)."""
        await self._task.stop()

    async def _run(self) -> None:
        last_at: float | None = None
        last_mark = None
        while True:
            try:
                glance = await self.status.glance()
                now = self.clock()
                since = None if last_at is None else now - last_at
                if since is None or since >= self.interval_s or (
                        glance.mark != last_mark and since >= MIN_GAP_S):
                    last_at, last_mark = now, glance.mark
                    await self._send(glance)
            except Exception as exc:  # the figures could not be read: as a dropped report
                self._failed(f"the status could not be made: {exc!r}", exc_info=True)
            await asyncio.sleep(self.check_s)

    async def _send(self, glance) -> None:
        try:
            await self.send(await self.status.report(glance))
        except CentralUnavailable as exc:   # head office down, busy or refusing: its words
            self._failed(exc.message)
            return
        if self.dropped:
            log.info("status reports reach head office again (%d dropped meanwhile)",
                     self.dropped)
        self.dropped = 0
        self.on_sent()

    def _failed(self, error: str, exc_info: bool = False) -> None:
        if not self.dropped:
            log.warning("a status report to head office was dropped (the next one will say "
                        "the newer state; logged once until one gets through): %s", error,
                        exc_info=exc_info)
        self.dropped += 1
        self.on_failed(error)
