"""What happens at the edge that others react to. The edge's domain announces; the store's
factory wires the listeners (metrics, the wallboard's feed, the sync, the sockets)."""
from server.events import Listeners


class EdgeEvents:
    """The edge's announcements, each a list of listeners (server/events.py)."""

    def __init__(self):
        self.sale_recorded = Listeners()   # (kiosk_id, order): a new sale, committed
        self.sale_replayed = Listeners()   # (kiosk_id, order): a retry answered from the store
        self.kiosk_changed = Listeners()   # (kiosk_id): a heartbeat, a link drill
        self.drain_wanted = Listeners()    # (kiosk_id): its sales wait and its link allows them
