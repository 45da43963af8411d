"""Sync progress, pushed to the kiosk whose sales just reached the central ledger."""
from server.hub.hub import SocketHub


def push_sync_progress(hub: SocketHub):
    """A sync-worker listener that tells a kiosk each batch that went through."""

    def announce(kiosk_id: str, delivery, pending_count: int) -> None:
        hub.push(kiosk_id, {
            "type": "sync_progress", "kiosk_id": kiosk_id, "synced": delivery.inserted,
            "already_present": delivery.already_present, "pending_count": pending_count,
        })
    return announce
