"""A store whose batches go by the bus follows head office's refusals of its sales after
their sync (server/sync/refusal_follower.py): each is set aside for staff, then counted on
the wallboard (its feed looks again) and written to the audit trail, as a refused release
is. A store on HTTP hears of a refusal in its batch's answer and needs none of this."""
from aiohttp import web

from server.clock import to_iso
from server.edge_app.keys import CENTRAL_LEDGER, EDGE_STORE
from server.sync.refusal_follower import RefusalFollower
from server.web.keys import AUTH_STORE, CLOCK, DASHBOARD_FEED, SETTINGS


def _on_set_aside(app: web.Application):
    """What sales set aside after their sync set off: the wallboard, the audit trail."""

    async def react(set_aside: dict[str, str]) -> None:
        app[DASHBOARD_FEED].poke()
        for uuid, why in set_aside.items():
            await app[AUTH_STORE].audit(to_iso(app[CLOCK]()), "head-office", "sale_set_aside",
                                        uuid, {"reason": why, "after_sync": True})
    return react


async def refusal_follower_ctx(app: web.Application):
    """Follow head office's refusals while the store's batches go by the bus."""
    settings = app[SETTINGS]
    if settings.central_transport != "nats":
        yield
        return
    follower = RefusalFollower(app[CENTRAL_LEDGER].refused_rows, app[EDGE_STORE], app[CLOCK],
                               settings.nats_refusals_poll_s)
    follower.on_set_aside.append(_on_set_aside(app))
    follower.start()
    yield
    await follower.stop()
