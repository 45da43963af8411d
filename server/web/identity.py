"""Who a request comes from, and in whose name it acts: the caller's credential decides
(a kiosk acts for its own kiosk only, never for one its body names), and its audit entries
name that caller."""
from aiohttp import web

from server.auth.store import Principal
from server.clock import to_iso
from server.errors import KioskMismatch
from server.web.keys import AUTH_STORE, CLOCK

PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("principal")  # set when authenticated


def principal_of(request: web.Request) -> Principal:
    """The authenticated caller of this request."""
    return request[PRINCIPAL]


def own_kiosk(request: web.Request, claimed: str | None) -> str | None:
    """For a kiosk: its own id, refusing a body or query that names another. Others: as named."""
    principal = principal_of(request)
    if principal.role != "kiosk":
        return claimed
    if claimed is not None and claimed != principal.kiosk_id:
        raise KioskMismatch(
            "this credential belongs to another kiosk",
            {"credential_kiosk_id": principal.kiosk_id, "claimed_kiosk_id": claimed},
        )
    return principal.kiosk_id


async def audit(request: web.Request, action: str, target: str | None = None,
                details: dict | None = None) -> None:
    """Append to the audit trail what the request's caller did, now."""
    await request.app[AUTH_STORE].audit(to_iso(request.app[CLOCK]()),
                                        principal_of(request).actor, action, target, details)
