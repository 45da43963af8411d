"""Heartbeats: one function for the REST route and, later, the kiosk socket."""
from datetime import datetime

from server.clock import to_iso
from server.edge.store import EdgeStore
from server.sync.worker import SyncWorker


async def record_heartbeat(store: EdgeStore, worker: SyncWorker, kiosk_id: str,
                           central_link_up: bool, now: datetime) -> dict:
    """Record a kiosk's heartbeat; wake the sync when its link is up and sales wait."""
    result = await store.record_heartbeat(kiosk_id, central_link_up, to_iso(now))
    if central_link_up and result.pending_count and not result.link_forced_down:
        worker.wake(kiosk_id)
    return {
        "kiosk_id": kiosk_id,
        "central_link_up": central_link_up,
        "link_changed": result.previous_link_up is not None
        and result.previous_link_up != central_link_up,
        "pending_count": result.pending_count,
        "link_forced_down": result.link_forced_down,
        "received_at": to_iso(now),
    }
