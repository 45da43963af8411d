"""Live progress on stderr: a long benchmark must show it is alive, at least every 2 s."""
import asyncio
import contextlib
import math
import sys
import time

_STARTED = time.monotonic()


def say(text: str) -> None:
    """One progress line on stderr, stamped with the time since the benchmark started."""
    print(f"[{time.monotonic() - _STARTED:6.1f}s] {text}", file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def ticking(describe, every_s: float = 2.0):
    """While the body runs, print `describe()` every `every_s` seconds (the body may be a
    long await with nothing else to say)."""

    async def tick():
        while True:
            await asyncio.sleep(every_s)
            say(describe())

    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def percentile(samples: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of raw samples; None when there are none."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


PLOT_PERCENTILES = (50, 75, 90, 95, 99, 99.9, 99.99)


def percentile_series(samples: list[float]) -> list[list[float]]:
    """[percentile, value] pairs for the plot and the JSON, from raw samples."""
    return [[p, round(percentile(samples, p), 3)] for p in PLOT_PERCENTILES] if samples else []


def rounded(value: float | None, digits: int = 3) -> float | None:
    """round(), passing None (a figure not measured) through."""
    return None if value is None else round(value, digits)
