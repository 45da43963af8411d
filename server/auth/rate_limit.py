"""Token buckets per key (a credential, a client address): a steady rate with a burst."""
import time


class RateLimiter:
    """Allows `rate_per_s` actions a second per key, with bursts up to `burst`. At most
    `max_keys` keys are remembered (the longest unseen goes first), so keys an attacker makes
    up cannot grow it without bound."""

    def __init__(self, rate_per_s: float, burst: int, clock=time.monotonic,
                 max_keys: int = 100_000):
        self.rate_per_s, self.burst, self.clock = rate_per_s, burst, clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def retry_after(self, key: str) -> float | None:
        """Take one action for `key`; None if allowed, else seconds until it would be."""
        now = self.clock()
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_s)
        if len(self._buckets) >= self.max_keys:
            self._buckets.pop(next(iter(self._buckets)))
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return None
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate_per_s

    def waiting(self, key: str) -> float | None:
        """Seconds until `key` may act again, taking nothing; None if it may now. For limits
        that count failures only: look first, take when the action failed."""
        if key not in self._buckets:
            return None
        tokens, last = self._buckets[key]
        tokens = min(float(self.burst), tokens + (self.clock() - last) * self.rate_per_s)
        return None if tokens >= 1.0 else (1.0 - tokens) / self.rate_per_s


class RateLimits:
    """A service's limits by name ("checkout", "socket_messages", "staff_pin"), each taken
    per credential; a name with no limiter (the load limits, switched off) never waits."""

    def __init__(self, limiters: dict[str, RateLimiter]):
        self._limiters = limiters

    def wait(self, name: str | None, key: str) -> float | None:
        """Take one action of `name` for `key`: None if allowed, else seconds to wait."""
        limiter = self._limiters.get(name) if name else None
        return None if limiter is None else limiter.retry_after(key)
