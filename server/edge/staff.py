"""Staff at the kiosk: their PIN (from the config) unlocks drills and approvals (age checks,
scale labels). Each wrong PIN counts against a per-credential limit, so a four-digit PIN
cannot be guessed by trying them all; a right one never counts (staff approving five sales in
a minute must not lock themselves out). Every attempt is in the audit trail."""
import hmac

from server.auth.rate_limit import RateLimiter
from server.auth.store import AuthStore, Principal
from server.clock import to_iso
from server.errors import TooManyRequests, WrongStaffPin


class StaffPin:
    """The staff PIN check: its limit per credential, its audit, a constant-time compare."""

    def __init__(self, pin: str, limiter: RateLimiter, audit: AuthStore, clock):
        self._pin, self.limiter, self.audit, self.clock = pin.encode(), limiter, audit, clock

    async def check(self, principal: Principal, pin: str, purpose: str) -> None:
        """Accept the configured PIN or refuse (403); audit either way; throttle guessing."""
        wait = self.limiter.waiting(principal.token_id)
        if wait is not None:
            raise TooManyRequests.after(wait, "too many staff PIN attempts; wait before "
                                              "trying again")
        ok = hmac.compare_digest(pin.encode(), self._pin)
        await self.audit.audit(to_iso(self.clock()), principal.actor,
                               "staff_pin_ok" if ok else "staff_pin_failed", purpose)
        if not ok:
            self.limiter.retry_after(principal.token_id)  # a failure takes from the allowance
            raise WrongStaffPin("that staff PIN is not right")
