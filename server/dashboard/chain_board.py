"""The chain wallboard: every store at a glance, from what each store last reported of
itself, what head office's ledger holds, and what head office refused, at one instant.
Plain data in, plain data out; server/hq reads the sources and serves the result.

A store is "reporting" while its last report is younger than `silent_after_s`, "silent"
after (it may well be selling offline: that is what stores do), "never reported" before its
first. Its `status` is the one word the board shows for it, the most pressing first:
differs, set aside, catalog refused, silent, never reported, waiting, in transit (on the
bus: published, not yet in the ledger), reporting.

A store's report is compared with head office's totals as they stood when the report came,
not as they stand at the look: a busy store sells and delivers between two reports, and
head office, ahead of the report, would otherwise hold "a sale the store does not".

Rows carry times, not ages, so that a store's row changes only when something about it does
(and the board's deltas stay small at 1,300 stores); the page counts the ages itself.
"""
from datetime import datetime, timedelta

from server.clock import business_day, to_iso
from server.dashboard.chain_alerts import (
    BoardRules,
    Refusals,
    catalog_refusal,
    chain_alerts,
    store_alerts,
)
from server.dashboard.chain_reconciliation import on_the_way, reconcile, store_verdict

STATUSES = ("differs", "set_aside", "catalog_refused", "silent", "never_reported", "waiting",
            "in_transit", "reporting")
CALM = frozenset({"waiting", "in_transit", "reporting"})
NOTHING_IN_TRANSIT = {"sales": 0, "oldest_at": None, "kiosks": {}}


def board_days(now: datetime, rules: BoardRules, reports: list[dict]) -> list[str]:
    """The business days the board reads head office's totals of: today at head office,
    and every day the latest reports name."""
    days = {business_day(now, rules.timezone).isoformat()}
    for report in reports:
        days.update(t["business_day"] for t in report["status"].get("totals", ()))
    return sorted(days)


def _status(row: dict, catalog_refused: bool) -> str:
    if row["reconciliation"] == "differs":
        return "differs"
    if row["set_aside"]:
        return "set_aside"
    if catalog_refused:
        return "catalog_refused"
    if row["state"] != "reporting":
        return row["state"]
    if row["pending"]:
        return "waiting"
    return "in_transit" if row["in_transit"] else "reporting"


def _state(report: dict | None, rules: BoardRules, now: datetime) -> str:
    if report is None:
        return "never_reported"
    silent = now - datetime.fromisoformat(report["received_at"])
    return "silent" if silent > timedelta(seconds=rules.silent_after_s) else "reporting"


def store_row(store_id: str, report: dict | None, held: list[dict], today: str,
              rules: BoardRules, now: datetime, compared: list[dict] | None = None,
              transit: dict | None = None) -> tuple[dict, list[dict]]:
    """One store's row on the board, and its reconciliation (kiosk-days): its report beside
    `compared`, head office's totals as they stood when the report came (else `held`,
    head office's totals now), and its sales in transit on the bus (`transit`)."""
    on_bus, transit = transit, transit or NOTHING_IN_TRANSIT
    status = (report or {}).get("status") or {}
    pending = status.get("pending") or {}
    kiosks = status.get("kiosks") or []
    state = _state(report, rules, now)
    # A silent store's report is old news: head office may hold sales it made since.
    then = held if compared is None else compared
    moving = on_the_way(on_bus, held, then, report and report["received_at"])
    rows = reconcile(status.get("totals") or [], then, moving) if state == "reporting" else []
    sold = [h for h in held if h["business_day"] == today]
    row = {"store_id": store_id, "state": state,
           "last_report_at": report and report["received_at"],
           "sent_at": report and report["sent_at"],
           "software_version": status.get("software_version"),
           "pending": pending.get("count", 0), "oldest_pending_at": pending.get("oldest_at"),
           "set_aside": status.get("set_aside", 0), "last_sale_at": status.get("last_sale_at"),
           "kiosks": len(kiosks), "kiosks_online": sum(1 for k in kiosks if k.get("online")),
           "catalog_version": (status.get("catalog") or {}).get("version"),
           "orders_today": sum(int(h["orders"]) for h in sold),
           "revenue_today_ore": sum(int(h["total_ore"]) for h in sold),
           "in_transit": transit["sales"], "oldest_in_transit_at": transit["oldest_at"],
           "reconciliation": store_verdict(rows)}
    row["status"] = _status(row, catalog_refusal(status) is not None)
    return row, rows


def _oldest(rows: list[dict], name: str) -> str | None:
    return min((row[name] for row in rows if row[name]), default=None)


def _overview(rows: list[dict], alerts: dict, refusals: Refusals, today: str,
              now: datetime, bus: dict | None) -> dict:
    states = [row["state"] for row in rows]
    return {
        "stores_total": len(rows), "stores_reporting": states.count("reporting"),
        "stores_silent": states.count("silent"),
        "stores_never_reported": states.count("never_reported"),
        "stores_attention": sum(1 for row in rows if row["attention"]),
        "orders_today": sum(row["orders_today"] for row in rows),
        "revenue_today_ore": sum(row["revenue_today_ore"] for row in rows),
        "pending_count": sum(row["pending"] for row in rows),
        "oldest_pending_at": _oldest(rows, "oldest_pending_at"),
        "in_transit": sum(row["in_transit"] for row in rows),
        "oldest_in_transit_at": _oldest(rows, "oldest_in_transit_at"),
        "bus": bus and {k: bus["chain"][k] for k in ("looked_at", "problem", "complete")},
        "bus_dead_letters": sum(count for count, _ in refusals.dead_letters_by_store.values()),
        "set_aside_count": sum(row["set_aside"] for row in rows),
        "rows_refused": sum(count for count, _ in refusals.rows_by_store.values()),
        "signature_refusals_last_hour": refusals.signatures_last_hour,
        "alerts": len(alerts), "business_day": today, "generated_at": to_iso(now)}


def judged_row(store_id: str, report: dict | None, held: list[dict], refusals: Refusals,
               today: str, rules: BoardRules, now: datetime, compared: list[dict] | None = None,
               transit: dict | None = None) -> tuple[dict, list[dict]]:
    """A store's row with its `attention`, and its alerts."""
    row, _ = store_row(store_id, report, held, today, rules, now, compared, transit)
    found = store_alerts(row, report, refusals, rules, now)
    if store_id in refusals.rows_by_store and row["status"] in CALM:
        row["status"] = "set_aside"  # head office refused rows of it: staff must look
    row["attention"] = bool(found) or row["status"] not in CALM
    return row, found


def compute_board(store_ids: list[str], reports: list[dict], held: list[dict],
                  refusals: Refusals, rules: BoardRules, now: datetime,
                  compared: dict[str, list[dict]] | None = None,
                  bus: dict | None = None) -> dict:
    """The whole board: {"overview", "stores": {id: row}, "alerts": {id: alert}}.
    `held`: head office's totals per store, kiosk and day (on `board_days`); `compared`:
    by store, its totals as they stood when its latest report came, where known; `bus`,
    when head office watches one: the sales in transit, the chain's and by store
    ({"chain", "stores"})."""
    in_transit = (bus or {}).get("stores") or {}
    today = business_day(now, rules.timezone).isoformat()
    by_store = {report["store_id"]: report for report in reports}
    held_by_store: dict[str, list[dict]] = {}
    for total in held:
        held_by_store.setdefault(total["store_id"], []).append(total)
    stores, alerts = {}, {}
    for store_id in sorted(set(store_ids) | by_store.keys()):
        row, found = judged_row(store_id, by_store.get(store_id),
                                held_by_store.get(store_id, []), refusals, today, rules, now,
                                (compared or {}).get(store_id), in_transit.get(store_id))
        alerts.update((alert["id"], alert) for alert in found)
        stores[store_id] = row
    alerts.update((alert["id"], alert) for alert in chain_alerts(
        refusals, rules, bus and bus["chain"]))
    return {"overview": _overview(list(stores.values()), alerts, refusals, today, now, bus),
            "stores": stores, "alerts": alerts}
