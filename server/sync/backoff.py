"""Capped exponential backoff with jitter, per key: a kiosk, or the ledger as a whole."""
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

    def step_s(self, failures: int) -> float:
        """The delay after this many failures in a row, before its jitter."""
        return min(self.cap_s, self.initial_s * 2 ** (failures - 1))

    def failed(self, key: str, at_least_s: float | None = None) -> float:
        """Count a failure; return the delay before the next try (half fixed, half random),
        and no less than `at_least_s` (what the other side asked, as Retry-After) with up to
        half of it again at random, so that many stores told alike do not return alike."""
        count = self.failures[key] = self.failures.get(key, 0) + 1
        delay = self.step_s(count)
        delay = delay / 2 + random.uniform(0, delay / 2)
        if at_least_s:
            delay = max(delay, at_least_s * random.uniform(1.0, 1.5))
        self._due[key] = self.clock() + delay
        return delay

    def paced(self, key: str, seconds: float) -> float:
        """The other side is up and asked for this wait (a busy head office pacing a herd):
        wait it, with up to half of it again at random, without growing the step, which is
        for failures nobody explained (the key still counts as failing). Returns the delay."""
        self.failures.setdefault(key, 0)
        delay = seconds * random.uniform(1.0, 1.5)
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
        """Seconds until the soonest key that still waits is due, or None if none waits. A
        key already due is not counted: its try had its chance, and counting it would wake
        the caller at once, again and again (a kiosk whose link went down meanwhile)."""
        now = self.clock()
        waiting = [due for due in self._due.values() if due > now]
        return min(waiting) - now if waiting else None

    def most_attempts_within(self, seconds: float) -> int:
        """At most how many tries one key makes in `seconds` of failing, by this policy: the
        first, then one after each delay, and no delay is shorter than half its step."""
        attempts, elapsed = 1, 0.0
        while elapsed + self.step_s(attempts) / 2 <= seconds:
            elapsed += self.step_s(attempts) / 2
            attempts += 1
        return attempts
