"""Which kiosk a request acts for: a kiosk's own credential decides, never its body."""
from aiohttp import web

from server.auth.store import Principal
from server.errors import KioskMismatch

PRINCIPAL = "principal"  # request key set by the auth middleware


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
