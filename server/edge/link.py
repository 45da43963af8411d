"""A kiosk's link to head office, as the kiosk reports it (heartbeats, over REST or the
socket) and as staff force it down for a drill. Both announce that the kiosk changed, and
that its sales may drain when its link allows."""
from datetime import datetime

from server.auth.store import AuditEvent
from server.clock import to_iso
from server.edge.events import EdgeEvents
from server.edge.store import EdgeStore


async def record_heartbeat(store: EdgeStore, events: EdgeEvents, kiosk_id: str,
                           central_link_up: bool, now: datetime) -> dict:
    """Record a kiosk's heartbeat; its ack, as both the route and the socket answer it."""
    result = await store.record_heartbeat(kiosk_id, central_link_up, to_iso(now))
    events.kiosk_changed(kiosk_id)
    if central_link_up and result.pending_count and not result.link_forced_down:
        events.drain_wanted(kiosk_id)
    return {
        "kiosk_id": kiosk_id,
        "central_link_up": central_link_up,
        "link_changed": result.previous_link_up is not None
        and result.previous_link_up != central_link_up,
        "pending_count": result.pending_count,
        "link_forced_down": result.link_forced_down,
        "received_at": to_iso(now),
    }


async def force_link_down(store: EdgeStore, events: EdgeEvents, kiosk_id: str, forced: bool,
                          now: datetime, actor: str) -> int:
    """Set (a drill) or release staff's override of a kiosk's link, audited in the same
    transaction; the kiosk's pending count."""
    at = to_iso(now)
    audit = AuditEvent(at, actor, "link_override", kiosk_id, {"forced_down": forced})
    pending = await store.force_link_down(kiosk_id, forced, at, audit)
    events.kiosk_changed(kiosk_id)
    if not forced:
        events.drain_wanted(kiosk_id)
    return pending
