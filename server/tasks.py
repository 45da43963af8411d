"""Background tasks that an owner starts and stops, as aiohttp's docs ask: kept (never
fire and forget), cancelled on stop and awaited, so that a task has let go of whatever it
holds (a store, a socket) before its owner closes that."""
import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine


class BackgroundTask:
    """One named task of an owner's, at most one running at a time."""

    def __init__(self, name: str):
        self.name = name
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        """Whether the task has been started and not stopped."""
        return self._task is not None

    def start(self, work: Coroutine) -> None:
        """Run `work` in the background."""
        self._task = asyncio.create_task(work, name=self.name)

    async def stop(self) -> None:
        """Cancel the task and wait until it has ended (nothing to do if none runs)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


async def poll_forever(poll_once: Callable[[], Awaitable[object]], every_s: float,
                       what: str, log: logging.Logger) -> None:
    """Call `poll_once` every `every_s` until cancelled. A failure is "not now" (head office
    unreachable, busy or refusing): the next call tries again; the first failure of a run is
    logged, and the first success after it, not each one."""
    answering = True
    while True:
        try:
            await poll_once()
            if not answering:
                log.info("head office answers again: %s", what)
            answering = True
        except Exception as exc:
            if answering:
                log.warning("cannot %s now (%s: %s); trying every %g s", what,
                            type(exc).__name__, exc, every_s)
            answering = False
        await asyncio.sleep(every_s)
