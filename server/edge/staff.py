"""Staff at the kiosk: their PIN (from the config) unlocks drills and age approvals.

Each attempt counts against a per-credential limit, so a four-digit PIN cannot be guessed
by trying them all; every attempt is in the audit trail.
"""
import hmac

from aiohttp import web

from server.clock import to_iso
from server.edge_app.keys import AUTH_STORE, CLOCK, RATE_LIMITERS, SETTINGS
from server.errors import TooManyRequests, WrongStaffPin
from server.web.identity import principal_of


async def check_staff_pin(request: web.Request, pin: str, purpose: str) -> None:
    """Accept the configured staff PIN or refuse (403); audit either way; throttle guessing."""
    app, principal = request.app, principal_of(request)
    limiter = app[RATE_LIMITERS].get("staff_pin")
    wait = limiter.retry_after(principal.token_id) if limiter else None
    if wait is not None:
        raise TooManyRequests.after(wait, "too many staff PIN attempts; wait before trying again")
    ok = hmac.compare_digest(pin.encode(), app[SETTINGS].staff_pin.encode())
    await app[AUTH_STORE].audit(to_iso(app[CLOCK]()), principal.actor,
                                "staff_pin_ok" if ok else "staff_pin_failed", purpose)
    if not ok:
        raise WrongStaffPin("that staff PIN is not right")
