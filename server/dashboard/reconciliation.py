"""Reconciliation: the edge's sales beside the central ledger's, per kiosk and business day.

Each row is `matches` (the same count and sum at both), `pending` (the difference is exactly
the sales still waiting to sync), `in_transit` (it is those and sales synced over the bus,
which the stream holds and head office's ingest has not yet taken: server.bus.transit),
`attention` (it is those and sales central refused and the edge set aside for staff), or
`differs` (anything else: a sale lost, doubled or altered on the way, or synced over the bus
and no longer in the stream), with the difference spelt out.
"""
from server.central.ledger import CentralLedger
from server.edge.figures import EdgeFigures


def _status(edge: dict, central: dict, moving: dict) -> str:
    if (edge["orders"], edge["total_ore"]) == (central["orders"], central["total_ore"]):
        return "matches"
    at_central = (central["orders"], central["total_ore"])
    sent = (edge["orders"] - edge["pending"], edge["total_ore"] - edge["pending_ore"])
    if sent == at_central:
        return "pending"
    arrived = (sent[0] - moving["orders"], sent[1] - moving["total_ore"])
    if moving["orders"] and arrived == at_central:
        return "in_transit"
    if (arrived[0] - edge["set_aside"], arrived[1] - edge["set_aside_ore"]) == at_central:
        return "attention"
    return "differs"


async def in_transit(figures: EdgeFigures, ledger: CentralLedger) -> dict[tuple, dict]:
    """The store's synced sales head office sees in transit on the bus, by (kiosk, day)."""
    transit = await ledger.in_transit()
    seqs = {kiosk: held["seqs"] for kiosk, held in ((transit or {}).get("kiosks") or {}).items()}
    return {(r["kiosk_id"], r["business_day"]): r
            for r in await figures.in_transit_by_kiosk_day(seqs)}


async def reconcile(figures: EdgeFigures, ledger: CentralLedger) -> list[dict]:
    """One row per kiosk and business day seen at either side, oldest day first."""
    zero = {"orders": 0, "total_ore": 0, "pending": 0, "pending_ore": 0, "set_aside": 0,
            "set_aside_ore": 0}
    edge = {(r["kiosk_id"], r["business_day"]): r for r in await figures.totals_by_kiosk_day()}
    central = {(r["kiosk_id"], r["business_day"]): r
               for r in await ledger.totals_by_kiosk_day()}
    moving = await in_transit(figures, ledger)
    rows = []
    for kiosk_id, day in sorted(edge.keys() | central.keys(), key=lambda k: (k[1], k[0])):
        at_edge = edge.get((kiosk_id, day), zero)
        at_central = central.get((kiosk_id, day), zero)
        on_bus = moving.get((kiosk_id, day), zero)
        rows.append({
            "kiosk_id": kiosk_id,
            "business_day": day,
            "edge": {"orders": at_edge["orders"], "total_ore": at_edge["total_ore"],
                     "pending": at_edge["pending"], "set_aside": at_edge["set_aside"],
                     "in_transit": on_bus["orders"]},
            "central": {"orders": at_central["orders"], "total_ore": at_central["total_ore"]},
            "status": _status(at_edge, at_central, on_bus),
            "difference": {"orders": at_edge["orders"] - at_central["orders"],
                           "total_ore": at_edge["total_ore"] - at_central["total_ore"]},
        })
    return rows
