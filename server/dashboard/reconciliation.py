"""Reconciliation: the edge's sales beside the central ledger's, per kiosk and business day.

Each row is `matches` (the same count and sum at both), `pending` (the difference is exactly
the sales still waiting to sync), `attention` (it is those and sales central refused and the
edge set aside for staff), or `differs` (anything else: a sale lost, doubled or altered on
the way), with the difference spelt out.
"""
from server.central.ledger import CentralLedger
from server.edge.figures import EdgeFigures


def _status(edge: dict, central: dict) -> str:
    if (edge["orders"], edge["total_ore"]) == (central["orders"], central["total_ore"]):
        return "matches"
    at_central = (central["orders"], central["total_ore"])
    sent = (edge["orders"] - edge["pending"], edge["total_ore"] - edge["pending_ore"])
    if sent == at_central:
        return "pending"
    if (sent[0] - edge["set_aside"], sent[1] - edge["set_aside_ore"]) == at_central:
        return "attention"
    return "differs"


async def reconcile(figures: EdgeFigures, ledger: CentralLedger) -> list[dict]:
    """One row per kiosk and business day seen at either side, oldest day first."""
    zero = {"orders": 0, "total_ore": 0, "pending": 0, "pending_ore": 0, "set_aside": 0,
            "set_aside_ore": 0}
    edge = {(r["kiosk_id"], r["business_day"]): r for r in await figures.totals_by_kiosk_day()}
    central = {(r["kiosk_id"], r["business_day"]): r
               for r in await ledger.totals_by_kiosk_day()}
    rows = []
    for kiosk_id, day in sorted(edge.keys() | central.keys(), key=lambda k: (k[1], k[0])):
        at_edge = edge.get((kiosk_id, day), zero)
        at_central = central.get((kiosk_id, day), zero)
        rows.append({
            "kiosk_id": kiosk_id,
            "business_day": day,
            "edge": {"orders": at_edge["orders"], "total_ore": at_edge["total_ore"],
                     "pending": at_edge["pending"], "set_aside": at_edge["set_aside"]},
            "central": {"orders": at_central["orders"], "total_ore": at_central["total_ore"]},
            "status": _status(at_edge, at_central),
            "difference": {"orders": at_edge["orders"] - at_central["orders"],
                           "total_ore": at_edge["total_ore"] - at_central["total_ore"]},
        })
    return rows
