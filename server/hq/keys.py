"""Typed keys of what only head office's app keeps (the shared ones are in
server/web/keys.py). Types are named, not imported."""
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from server.central.ledger import HeadOfficeLedger
    from server.chain.registry import KeyRing
    from server.faults import Faults
    from server.hq.board import HeldAtReport
    from server.hq.gate import IngestGate
    from server.hq.metrics import HqMetrics
    from server.hq.storage import HqStorage
    from server.hq.transit_watch import TransitWatch

STORAGE: web.AppKey["HqStorage"] = web.AppKey("hq_storage")
LEDGER: web.AppKey["HeadOfficeLedger"] = web.AppKey("hq_ledger")
KEY_RING: web.AppKey["KeyRing"] = web.AppKey("key_ring")
INGEST_GATE: web.AppKey["IngestGate"] = web.AppKey("ingest_gate")
HQ_METRICS: web.AppKey["HqMetrics"] = web.AppKey("hq_metrics")
HQ_FAULTS: web.AppKey["Faults"] = web.AppKey("hq_faults")
# Head office's public key for price lists (its private half stays in its database).
HQ_PUBLIC_KEY: web.AppKey[str] = web.AppKey("hq_public_key")
HELD_AT_REPORT: web.AppKey["HeldAtReport"] = web.AppKey("held_at_report")
# The watch on the sales stream for sales in transit; None for a chain on HTTP alone.
TRANSIT_WATCH: web.AppKey["TransitWatch | None"] = web.AppKey("transit_watch")
