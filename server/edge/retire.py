"""Retiring a kiosk that left the store (returned, replaced, a simulator's): its credentials
end, so it can sell no more and leaves the wallboard (server.edge.figures), while the sales it
made stay and still drain to central. One code path for the operator's route and the CLI."""
from dataclasses import dataclass
from datetime import datetime

from server.auth.store import AuditEvent, AuthStore
from server.clock import to_iso
from server.edge.events import EdgeEvents
from server.edge.store import EdgeStore
from server.errors import UnknownKiosk


@dataclass(frozen=True)
class Retired:
    """What retiring a kiosk did."""

    kiosk_id: str
    revoked: int           # its credentials that were active
    drill_released: bool   # a drill held its sales at the store: released, so they drain
    pending_count: int     # its sales still waiting for central (they go on syncing)


async def retire_kiosk(auth: AuthStore, store: EdgeStore, events: EdgeEvents, kiosk_id: str,
                       actor: str, now: datetime) -> Retired:
    """End a kiosk's credentials and release a drill on its link, both audited; wake the sync
    for the sales it left behind. UnknownKiosk when there was nothing of it to retire."""
    at = to_iso(now)
    revoked = await auth.revoke(at, kiosk_id=kiosk_id)
    row = await store.get_kiosk(kiosk_id)
    drill = bool(row is not None and row["link_forced_down"])
    if drill:
        # Nobody will be at this kiosk to end the drill: its sales would wait for ever.
        release = AuditEvent(at, actor, "link_override", kiosk_id, {"forced_down": False})
        pending = await store.force_link_down(kiosk_id, False, at, release)
    else:
        pending = await store.pending_count(kiosk_id)
    if not (revoked or drill or pending):
        raise UnknownKiosk(f"no kiosk {kiosk_id} to retire: no active credential, no drill, "
                           "no sales waiting", {"kiosk_id": kiosk_id})
    await auth.audit(at, actor, "retire_kiosk", kiosk_id,
                     {"revoked": revoked, "drill_released": drill, "pending_count": pending})
    events.kiosk_changed(kiosk_id)
    if pending:
        events.drain_wanted(kiosk_id)
    return Retired(kiosk_id, revoked, drill, pending)
