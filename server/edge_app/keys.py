"""Typed keys of what only the store's app keeps: its stores, its ledger, its sync and its
metrics (the shared ones are in server/web/keys.py). Types are named, not imported: a view
that reads a key pulls in no class at run time."""
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from server.catalog.follower import CatalogFollower
    from server.catalog.shelf import Shelf
    from server.central.ledger import CentralLedger
    from server.dashboard.prometheus import CheckoutMetrics
    from server.edge.events import EdgeEvents
    from server.edge.figures import EdgeFigures
    from server.edge.staff import StaffPin
    from server.edge.store import EdgeStore
    from server.faults import Faults
    from server.sync.worker import SyncWorker

SHELF: web.AppKey["Shelf"] = web.AppKey("shelf")  # the catalog in use, swapped at run time
CATALOG_FOLLOWER: web.AppKey["CatalogFollower"] = web.AppKey("catalog_follower")
EDGE_STORE: web.AppKey["EdgeStore"] = web.AppKey("edge_store")
EDGE_FIGURES: web.AppKey["EdgeFigures"] = web.AppKey("edge_figures")
EDGE_EVENTS: web.AppKey["EdgeEvents"] = web.AppKey("edge_events")
STAFF_PIN: web.AppKey["StaffPin"] = web.AppKey("staff_pin")
CENTRAL_LEDGER: web.AppKey["CentralLedger"] = web.AppKey("central_ledger")
SYNC_WORKER: web.AppKey["SyncWorker"] = web.AppKey("sync_worker")
METRICS: web.AppKey["CheckoutMetrics"] = web.AppKey("metrics")
FAULTS: web.AppKey["Faults"] = web.AppKey("faults")
