"""Failed credentials in the audit trail, at a rate no attacker can turn into a full disk.

Each failure (a bad bearer token, a bad sign-in, a malformed session cookie) is counted; a
row is written for at most `audit_failures_per_address_per_min` of them per client address
and `audit_failures_per_min` in all, and the next row written for an address says how many
of its failures went without one. A row holds the token's public id if what was sent began
like a token, never any of the rest: 1,000 tokens with 8,000-character ids wrote 9.7 MB of
audit rows, and a full disk turns every checkout into a 503.
"""
import time

from server.auth.rate_limit import RateLimiter
from server.auth.store import AuthStore
from server.auth.tokens import token_id_of
from server.events import Listeners

MAX_TARGET = 200  # characters of the path kept with a failure
MAX_ADDRESSES = 10_000


class FailureAudit:
    """Decides, per failure, between an audit row and a count; listeners hear of every one."""

    def __init__(self, store: AuthStore, per_address_per_min: float, per_min: float,
                 clock=time.monotonic):
        self.store = store
        self._per_address = RateLimiter(per_address_per_min / 60,
                                        max(1, int(per_address_per_min)), clock, MAX_ADDRESSES)
        self._overall = RateLimiter(per_min / 60, max(1, int(per_min)), clock)
        self._unaudited: dict[str, int] = {}
        self.on_failure = Listeners()  # told (audited: bool) of every failure

    async def record(self, at: str, action: str, target: str | None, remote: str | None,
                     sent: str | None) -> None:
        """One failed credential: its audit row, or one more counted against its address."""
        address = remote or "unknown"
        audited = (self._per_address.retry_after(address) is None
                   and self._overall.retry_after("*") is None)
        self.on_failure(audited)
        if not audited:
            if len(self._unaudited) >= MAX_ADDRESSES and address not in self._unaudited:
                self._unaudited.pop(next(iter(self._unaudited)))
            self._unaudited[address] = self._unaudited.get(address, 0) + 1
            return
        details = {"token_id": token_id_of(sent) if sent else None, "remote": address}
        if sent and details["token_id"] is None:
            details["malformed"] = True
        if skipped := self._unaudited.pop(address, 0):
            details["unaudited_before"] = skipped
        await self.store.audit(at, "anonymous", action, target and target[:MAX_TARGET], details)
