"""The store follows head office's price lists (server/catalog/follower.py) when it pinned
head office's key (`hq_public_key`) and delivers to it (`central_url`); else it sells from
the built-in catalog or its `catalog_file`, as before, and says so once in the log.

Wired here: a catalog put in use is pushed to every kiosk (`catalog` message, they price
their carts anew) and to the wallboards; a refused release is counted, audited and shown.
"""
import logging

from aiohttp import web

from server.catalog.follower import CatalogFollower
from server.catalog.release import ReleaseRefused
from server.chain.store_keys import decode_public_key
from server.clock import to_iso
from server.edge_app.keys import CATALOG_FOLLOWER, CENTRAL_LEDGER, METRICS, SHELF
from server.web.keys import AUTH_STORE, CLOCK, DASHBOARD_FEED, SETTINGS, SOCKET_HUB

log = logging.getLogger(__name__)


def _announce_changes(app: web.Application) -> None:
    hub, feed = app[SOCKET_HUB], app[DASHBOARD_FEED]
    app[SHELF].on_change.extend([
        lambda catalog: hub.push_kiosks({"type": "catalog", "version": catalog.version}),
        feed.poke])


def _on_refused(app: web.Application):
    """What a refused release sets off: the count, the audit trail, the wallboard."""

    async def react(refusal: ReleaseRefused) -> None:
        app[METRICS].catalog_refusals.inc()
        app[DASHBOARD_FEED].poke()
        await app[AUTH_STORE].audit(to_iso(app[CLOCK]()), "head-office", "catalog_refused",
                                    None if refusal.seq is None else str(refusal.seq),
                                    {"reason": refusal.reason, "message": refusal.message})
    return react


async def catalog_follower_ctx(app: web.Application):
    """Load the releases kept, put the one in force in use, and follow head office."""
    settings = app[SETTINGS]
    _announce_changes(app)
    if not (settings.hq_public_key and settings.central_url):
        log.info("not following head office's price lists (hq_public_key%s unset): selling "
                 "from %s", "" if settings.central_url else " or central_url",
                 settings.catalog_file or "the built-in catalog")
        yield
        return
    try:
        key = decode_public_key(settings.hq_public_key)
    except ValueError as exc:
        raise ValueError(f"setting hq_public_key: {exc} (as `hq public-key` prints it)"
                         ) from None
    follower = CatalogFollower(app[SHELF], app[CENTRAL_LEDGER].catalogs, key,
                               settings.data_path, app[CLOCK], settings.hq_catalog_poll_s)
    follower.on_refused.append(_on_refused(app))
    app[CATALOG_FOLLOWER] = follower
    await follower.load_kept()
    follower.start()
    yield
    await follower.stop()
