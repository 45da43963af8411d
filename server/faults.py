"""Faults injected on purpose, for the torture runs only (the `fault_injection` setting).

Empty, as it is by default, nothing here does anything. The torture runs (reliability/) name
points to prove two things: that the real edge survives a crash at its worst moment, and that
their checker catches an edge built wrong. A spec is comma-separated `point` or
`point:probability` items:

- `crash_after_central_commit:P`: after central committed a batch and before the edge marks
  it synced, the process SIGKILLs itself with probability P (the replay that dedup absorbs);
- `ack_before_commit`: a deliberately broken edge that answers a checkout before its
  transaction commits (the commit follows `ACK_BEFORE_COMMIT_DELAY_S` later); a crash in
  between loses an acknowledged sale, which the torture checker must report;
- `hq_ack_before_commit`: a deliberately broken head office that answers a store's batch as
  taken in before its transaction commits (the same delay later); killed in between, it
  loses sales the store has marked synced, which the chain's checker must report.
"""
import asyncio
import logging
import os
import random
import signal

log = logging.getLogger(__name__)
POINTS = {"crash_after_central_commit", "ack_before_commit", "hq_ack_before_commit"}
ACK_BEFORE_COMMIT_DELAY_S = 0.2


def parse_faults(spec: str) -> dict[str, float]:
    """{point: probability} from a spec; raises ValueError on an unknown point or a bad number."""
    points = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, probability = item.partition(":")
        if name not in POINTS:
            raise ValueError(f"unknown fault point {name!r} (known: {', '.join(sorted(POINTS))})")
        points[name] = float(probability) if probability else 1.0
        if not 0.0 <= points[name] <= 1.0:
            raise ValueError(f"fault {name}: a probability is between 0 and 1")
    return points


class Faults:
    """The fault points switched on for this process, and the writes they hold back."""

    def __init__(self, spec: str = ""):
        self.points = parse_faults(spec)
        self._deferred: set[asyncio.Task] = set()
        if self.points:
            log.warning("FAULT INJECTION ON (%s): this service misbehaves on purpose", spec)

    def active(self, point: str) -> bool:
        """Is this point switched on (and does its dice say so this time)?"""
        return point in self.points and random.random() < self.points[point]

    def maybe_crash(self, point: str) -> None:
        """Die here at once, with no cleanup, if the point says so."""
        if self.active(point):
            log.critical("fault %s: killing this process now", point)
            os.kill(os.getpid(), signal.SIGKILL)

    def defer(self, write) -> None:
        """Run the coroutine `write` a little later, holding its task (the broken services)."""

        async def later():
            await asyncio.sleep(ACK_BEFORE_COMMIT_DELAY_S)
            await write

        task = asyncio.create_task(later())
        self._deferred.add(task)
        task.add_done_callback(self._deferred.discard)
