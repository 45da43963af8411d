"""The chain's checker: does each store's history agree with its edge and with head office?

Per store (every event of a chain's history names its store), the store's own checker
(reliability/checker.py) judges the store's edge rows and head office's rows of that store:
`lost` (acknowledged, and missing at the edge or, after healing, at head office),
`never_attempted` and `failed_but_stored` (at head office or the edge, never acknowledged),
`duplicates_edge` and `duplicates_central` (at head office), `central_differs` (head
office's row is not the edge's), `ok_total_differs`, and `still_pending` after healing.
Then what only a chain has, `unvouched`: a row at head office that no verifying batch
vouches for: its batch is not held, its signature does not verify against the key it names
(or that key is another store's, or was revoked before the batch came), or the batch's
signed body does not hold the row as head office holds it.
"""
import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from reliability.checker import (
    EDGE_QUERY,
    Report,
    StoredOrder,
    canonical,
    find_problems,
    finding_line,
    read_sqlite_orders,
)
from reliability.history import fold_outcomes, read_history
from reliability.hq_holdings import Holdings, read_api, read_postgres
from reliability.tool_help import ToolHelp
from server.chain.batches import parse_batch
from server.encryption import EncryptionRefused
from server.errors import DomainError
from server.journal.ledger_verify import batch_break
from server.orders import BATCH_COLUMNS, order_view
from server.sqlite_open import Error as SQLiteError

EDGE_DB = "edge_store.db"
CONTENT = ("kiosk_id", "idempotency_key", "items", "total_ore", "vat", "payment",
           "catalog_version", "created_at", "business_day", "prev_hash", "entry_hash")


@dataclass
class ChainReport:
    """Each store's report (its findings, `unvouched` among them)."""

    stores: dict[str, Report]

    @property
    def clean(self) -> bool:
        return all(report.clean for report in self.stores.values())

    def as_json(self) -> dict:
        return {"clean": self.clean,
                "stores": {store: report.as_json() for store, report in self.stores.items()}}

    def text(self, show: int = 5) -> str:
        """A line per store, each finding it has under it, then the verdict."""
        lines = []
        for store, report in self.stores.items():
            c = report.counts
            lines.append(f"{store}: {c['history_orders']} sales (ok {c['ok']}, fail "
                         f"{c['fail']}, unknown {c['unknown']}); edge {c['edge_orders']} "
                         f"({c['edge_pending']} pending, {len(report.set_aside)} set aside); "
                         f"head office {c['central_orders']}")
            lines += [finding_line(kind, uuids, show)
                      for kind, uuids in report.findings.items() if uuids]
        fatal = sum(len(uuids) for report in self.stores.values()
                    for uuids in report.findings.values())
        kinds = ", ".join(self.stores[next(iter(self.stores))].findings) if self.stores else ""
        lines.append(f"CLEAN (none of: {kinds})" if self.clean
                     else f"FAILED: {fatal} fatal findings")
        return "\n".join(lines)


def unvouched(holdings: Holdings) -> dict[str, list[str]]:
    """Per store, the order_uuids at head office that no verifying batch vouches for."""
    judged: dict[tuple[str, int], tuple[str | None, dict]] = {}  # batch -> (why, its rows)
    found: dict[str, list[str]] = {}
    for order in holdings.orders:
        where = (order["store_id"], order["batch_id"])
        if where not in judged:
            judged[where] = _judge_batch(holdings.batches.get(where), holdings)
        why, sent = judged[where]
        original = sent.get(order["order_uuid"])
        if why is not None or original is None or any(
                original[name] != order[name] for name in CONTENT):
            found.setdefault(order["store_id"], []).append(order["order_uuid"])
    return found


def _judge_batch(batch: dict | None, holdings: Holdings) -> tuple[str | None, dict]:
    """Why a batch vouches for nothing (None if it holds), and its body's rows as views."""
    if batch is None:
        return "not held", {}
    why = batch_break(batch, holdings.keys)
    try:
        store_id, rows = parse_batch(batch["body"], max_rows=10**9)
    except DomainError as exc:
        return f"its body does not read: {exc.message}", {}
    if store_id != batch["store_id"]:
        return f"its body is store {store_id}'s", {}
    views = (order_view(dict(zip(BATCH_COLUMNS, row, strict=True)), "synced", None)
             for row in rows)
    return why, {view["order_uuid"]: view for view in views}


def check_chain(history_path: str | Path, stores_dir: str | Path, holdings: Holdings,
                expect_drained: bool) -> ChainReport:
    """Check a chain's history against every store's edge file and head office's holdings."""
    events = list(read_history(history_path))
    stores = sorted({event["store_id"] for event in events if event.get("store_id")}
                    | {order["store_id"] for order in holdings.orders})
    bad = unvouched(holdings)
    reports = {}
    for store in stores:
        at_hq = [StoredOrder(o["order_uuid"], o["kiosk_id"], o["idempotency_key"],
                             o["total_ore"], canonical(o["items"]), o["entry_hash"], "synced")
                 for o in holdings.orders if o["store_id"] == store]
        edge = read_sqlite_orders(Path(stores_dir) / store / EDGE_DB, EDGE_QUERY)
        report = find_problems(fold_outcomes(events, store), edge, at_hq, expect_drained)
        report.findings["unvouched"] = bad.get(store, [])
        reports[store] = report
    return ChainReport(reports)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of `scripts/check_history HISTORY --stores-dir DIR ...`."""
    parser = argparse.ArgumentParser(prog="check_history --stores-dir DIR",
                                     description=__doc__.splitlines()[0],
                                     formatter_class=ToolHelp)
    add = parser.add_argument
    add("history", help="the JSONL history a chain's run wrote")
    add("--stores-dir", required=True, help="each store's data dir in it, named by store id")
    add("--hq-database", metavar="DSN", help="read head office's PostgreSQL directly")
    add("--hq-url", metavar="URL", help="or its API (this machine only) ...")
    add("--token", help="... with an hq-operator token")
    add("--expect-drained", action="store_true",
        help="after healing: every acknowledged sale at head office, none pending")
    add("--json", metavar="FILE", help="also write the report as JSON")
    add("--show", type=int, default=5, help="how many order_uuids to show per finding")
    args = parser.parse_args(argv)
    if not args.hq_database and not (args.hq_url and args.token):
        parser.error("give --hq-database DSN, or --hq-url URL and --token")
    return args


async def read_holdings(args: argparse.Namespace) -> Holdings:
    """Head office's holdings, from where the command line says."""
    if args.hq_database:
        return await read_postgres(args.hq_database)
    return await read_api(args.hq_url, args.token)


def main(argv: list[str] | None = None) -> int:
    """0 clean, 1 a fatal finding, 2 could not check."""
    args = parse_args(argv)
    try:
        holdings = asyncio.run(read_holdings(args))
        report = check_chain(args.history, args.stores_dir, holdings, args.expect_drained)
    except (OSError, ValueError, KeyError, EncryptionRefused, *SQLiteError,
            asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        print(f"check_history: cannot check: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(report.text(args.show))
    if args.json:
        Path(args.json).write_text(json.dumps(report.as_json(), indent=2) + "\n")
    return 0 if report.clean else 1
