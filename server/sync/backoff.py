"""Capped exponential backoff with jitter, per kiosk, after central fails."""
import random
import time


class Backoff:
    """Tracks, per key, consecutive failures and when the next attempt is due."""

    def __init__(self, initial_s: float, cap_s: float, clock=time.monotonic):
        self.initial_s = initial_s
        self.cap_s = cap_s
        self.clock = clock
        self.failures: dict[str, int] = {}
        self._due: dict[str, float] = {}

    def failed(self, key: str, at_least_s: float | None = None) -> float:
        """Count a failure; return the delay before the next try (half fixed, half random),
        and no less than `at_least_s` (what the other side asked, as Retry-After) with up to
        half of it again at random, so that many stores told alike do not return alike."""
        count = self.failures[key] = self.failures.get(key, 0) + 1
        delay = min(self.cap_s, self.initial_s * 2 ** (count - 1))
        delay = delay / 2 + random.uniform(0, delay / 2)
        if at_least_s:
            delay = max(delay, at_least_s * random.uniform(1.0, 1.5))
        self._due[key] = self.clock() + delay
        return delay

    def succeeded(self, key: str) -> None:
        """Forget the key's failures."""
        self.failures.pop(key, None)
        self._due.pop(key, None)

    def waiting(self, key: str) -> bool:
        """True while the key must not be tried yet."""
        return self._due.get(key, 0.0) > self.clock()

    def next_due_in(self) -> float | None:
        """Seconds until the soonest key is due again, or None if none waits."""
        if not self._due:
            return None
        return max(0.0, min(self._due.values()) - self.clock())
