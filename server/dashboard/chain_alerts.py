"""The chain wallboard's alerts, in words: each with an id (stable while the condition holds,
so that the board's deltas carry only alerts that come or go), its kind, its store (or none:
the chain's), since when, and a sentence. Times are not written into the sentence: the page
writes `since` in head office's clock, and the sentence stays the same from one look to the
next."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server.clock import to_iso


@dataclass(frozen=True)
class BoardRules:
    """The board's thresholds (head office's settings)."""

    silent_after_s: float
    alert_silent_s: float
    alert_backlog_s: float
    signature_refusals_per_hour: int
    timezone: str


# A store's dead letters stay an alert this long after the last one: an operator's day to
# look at the dead-letter stream; the count stays on the store's page after.
DEAD_LETTER_ALERT = timedelta(hours=24)


@dataclass(frozen=True)
class Refusals:
    """What head office itself refused: rows per store since the start (count, last at),
    the signature refusals of the last hour (their count, the first one's time), and per
    store the bus's messages it could never ingest (count, last at)."""

    rows_by_store: dict[str, tuple[int, datetime]]
    signatures_last_hour: int
    first_signature_at: datetime | None
    dead_letters_by_store: dict[str, tuple[int, datetime]] = field(default_factory=dict)


def _alert(kind: str, store_id: str | None, since: str | None, message: str) -> dict:
    return {"id": f"{kind}:{store_id or 'chain'}", "kind": kind, "store_id": store_id,
            "since": since, "message": message}


def catalog_refusal(status: dict) -> dict | None:
    """The store's last catalog refusal while it still holds: the store keeps its last
    refusal after a later price list went in, which then has the higher seq."""
    catalog = status.get("catalog") or {}
    refused = catalog.get("refused")
    if not refused:
        return None
    in_use, seq = catalog.get("seq"), refused.get("seq")
    return refused if in_use is None or seq is None or seq > in_use else None


def _age_s(iso: str | None, now: datetime) -> float | None:
    return None if iso is None else (now - datetime.fromisoformat(iso)).total_seconds()


def store_alerts(row: dict, report: dict | None, refusals: Refusals,
                 rules: BoardRules, now: datetime) -> list[dict]:
    """The alerts of one store, from its board row, its latest report and what head office
    refused of it."""
    store_id, found = row["store_id"], []
    refused_rows = refusals.rows_by_store.get(store_id)
    silent_for = _age_s(row["last_report_at"], now)
    if row["state"] == "silent" and silent_for > rules.alert_silent_s:
        found.append(_alert("silent", store_id, row["last_report_at"],
                            "no report for a long while: it may be selling offline, its sales "
                            "safe at the store"))
    backlog_age = _age_s(row["oldest_pending_at"], now)
    if backlog_age is not None and backlog_age > rules.alert_backlog_s:
        found.append(_alert("backlog", store_id, row["oldest_pending_at"],
                            f"{row['pending']} sale(s) waiting at the store, the oldest for "
                            "a long while"))
    transit_age = _age_s(row["oldest_in_transit_at"], now)
    if transit_age is not None and transit_age > rules.alert_backlog_s:
        found.append(_alert("in_transit", store_id, row["oldest_in_transit_at"],
                            f"{row['in_transit']} sale(s) on the bus not yet in the ledger, the "
                            "oldest for a long while: is hq ingest running?"))
    if row["reconciliation"] == "differs":
        found.append(_alert("differs", store_id, row["last_report_at"],
                            "its totals differ from head office's"))
    if row["set_aside"]:
        found.append(_alert("set_aside", store_id, row["last_report_at"],
                            f"{row['set_aside']} sale(s) set aside at the store for staff"))
    if refused_rows is not None:
        count, at = refused_rows
        found.append(_alert("rows_refused", store_id, to_iso(at),
                            f"head office refused {count} row(s) of its batches (held with "
                            "other content)"))
    dead = refusals.dead_letters_by_store.get(store_id)
    if dead is not None and now - dead[1] < DEAD_LETTER_ALERT:
        found.append(_alert("dead_letters", store_id, to_iso(dead[1]),
                            f"{dead[0]} message(s) of its batches could never be ingested: "
                            "kept on the dead-letter stream, with the reason"))
    refused = catalog_refusal((report or {}).get("status") or {})
    if refused:
        found.append(_alert("catalog_refused", store_id, refused.get("at"),
                            f"it refused catalog {refused.get('seq')}: {refused.get('reason')}"))
    return found


def chain_alerts(refusals: Refusals, rules: BoardRules, bus: dict | None = None) -> list[dict]:
    """The chain's own alerts: a burst of signature refusals; the bus not answering head
    office's look for sales in transit (`bus`: the chain's figures, when it watches one)."""
    found = []
    if refusals.signatures_last_hour > rules.signature_refusals_per_hour:
        found.append(_alert("signature_refusals", None, to_iso(refusals.first_signature_at),
                            f"over {rules.signature_refusals_per_hour} signatures refused in "
                            "the last hour: a store's clock or key, or someone else"))
    if bus is not None and bus["problem"]:
        found.append(_alert("bus_unwatched", None, bus["looked_at"],
                            f"{bus['problem']}: the sales in transit are as of the last look"))
    return found
