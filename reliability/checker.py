"""The checker: does what the stores hold agree with what the kiosks were told?

Given a history (reliability/history.py) and the edge and central orders (the SQLite files,
read-only, or the operator API), it lists every sale that breaks the promise: acknowledged
but lost, stored but never attempted, refused but stored, held twice, different at central,
stored with another total than the kiosk was told, or (after healing) still pending. Rows set
aside for staff (sync_state 'attention') are counted apart: they need people, not lost.
"""
import argparse
import json
import sys
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from reliability.history import OrderOutcome, fold_outcomes, read_history
from reliability.tool_help import ToolHelp
from server.encryption import DatabaseKey, EncryptionRefused, read_key_file
from server.sqlite_open import Error as SQLiteError
from server.sqlite_open import open_connection

FATAL = ("lost", "never_attempted", "failed_but_stored", "duplicates_edge",
         "duplicates_central", "central_differs", "ok_total_differs", "still_pending")
SET_ASIDE_STATE = "attention"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
EDGE_QUERY = ("SELECT order_uuid, kiosk_id, idempotency_key, total_ore, items_json, entry_hash,"
              " sync_state FROM edge_orders_now ORDER BY seq")
CENTRAL_QUERY = ("SELECT order_uuid, kiosk_id, idempotency_key, total_ore, items_json,"
                 " entry_hash, 'synced' FROM central_orders ORDER BY id")


@dataclass(frozen=True)
class StoredOrder:
    """What the checker compares of a stored order; `items` as canonical JSON text."""

    order_uuid: str
    kiosk_id: str
    idempotency_key: str
    total_ore: int
    items: str
    entry_hash: str | None
    sync_state: str

    def content(self) -> tuple:
        """What must be the same at the edge and at central."""
        return self.total_ore, self.items, self.entry_hash


def canonical(items) -> str:
    """Items as JSON text that compares equal whenever the items do."""
    return json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_sqlite_orders(db_path: str | Path, query: str,
                       key: DatabaseKey | None = None) -> list[StoredOrder]:
    """Every order in one SQLite file, opened read-only (a running edge is not disturbed),
    keyed first when the store's files are encrypted."""
    path = Path(db_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    with closing(open_connection(path, key, read_only=True)) as conn:
        rows = conn.execute(query).fetchall()
    return [StoredOrder(uuid, kiosk, key, total, canonical(json.loads(items)), entry, state)
            for uuid, kiosk, key, total, items, entry, state in rows]


def read_api_orders(base_url: str, token: str, path: str) -> list[StoredOrder]:
    """Every order of a list route (`/edge/orders`, `/central/orders`), page by page."""
    if urllib.parse.urlsplit(base_url).hostname not in LOCAL_HOSTS:
        raise ValueError(f"the checker reads only from this machine, not {base_url!r}")
    orders, after = [], None
    while True:
        query = urllib.parse.urlencode({"limit": 1000, **({"after": after} if after else {})})
        request = urllib.request.Request(f"{base_url.rstrip('/')}{path}?{query}",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            page = json.load(response)
        orders += [StoredOrder(o["order_uuid"], o["kiosk_id"], o["idempotency_key"],
                               o["total_ore"], canonical(o["items"]), o.get("entry_hash"),
                               o["sync_state"]) for o in page["orders"]]
        after = page["next"]
        if after is None:
            return orders


@dataclass
class Report:
    """The findings (order_uuids per kind), the set-aside rows and the counts behind them."""

    findings: dict[str, list[str]]
    set_aside: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    expect_drained: bool = False

    @property
    def clean(self) -> bool:
        """True when no fatal finding holds a single order."""
        return not any(self.findings.values())

    def as_json(self) -> dict:
        """The report as `--json` writes it."""
        return {"clean": self.clean, "expect_drained": self.expect_drained,
                "counts": self.counts, "findings": self.findings, "set_aside": self.set_aside}

    def text(self, show: int = 5, central: str = "central") -> str:
        """A summary for people: the counts, then each finding with its first few orders
        (`central`: what the far side is called; in a chain, head office)."""
        c = self.counts
        lines = [
            f"history: {c['history_orders']} sales over {c['history_kiosks']} kiosks: "
            f"ok {c['ok']}, fail {c['fail']}, unknown {c['unknown']} "
            f"({c['unknown_stored']} stored, {c['unknown_absent']} not)",
            f"edge: {c['edge_orders']} orders ({c['edge_pending']} pending, "
            f"{c['edge_synced']} synced, {len(self.set_aside)} set aside); "
            f"{central}: {c['central_orders']} orders",
        ]
        for kind in self.findings:
            lines.append(finding_line(kind, self.findings[kind], show))
        if self.set_aside:
            lines.append(finding_line("set_aside (not fatal: staff attention)", self.set_aside,
                                       show))
        fatal = sum(len(uuids) for uuids in self.findings.values())
        lines.append("CLEAN" if self.clean else f"FAILED: {fatal} fatal findings")
        return "\n".join(lines)


def finding_line(kind: str, uuids: list[str], show: int) -> str:
    if not uuids:
        return f"  {kind}: 0"
    more = f" … and {len(uuids) - show} more" if len(uuids) > show else ""
    return f"  {kind}: {len(uuids)}: {', '.join(uuids[:show])}{more}"


def duplicated(rows: list[StoredOrder]) -> list[str]:
    """order_uuids held more than once, by order_uuid or by (kiosk_id, idempotency_key)."""
    by_uuid = Counter(row.order_uuid for row in rows)
    by_key = Counter((row.kiosk_id, row.idempotency_key) for row in rows)
    return sorted({row.order_uuid for row in rows if by_uuid[row.order_uuid] > 1
                   or by_key[(row.kiosk_id, row.idempotency_key)] > 1})


def _outcome_findings(outcomes: dict[str, OrderOutcome], edge: dict[str, StoredOrder],
                      central: dict[str, StoredOrder], expect_drained: bool) -> dict:
    """What each sale's outcome in the history says must (or must not) be stored."""
    found = {"lost": [], "failed_but_stored": [], "ok_total_differs": []}
    for uuid, outcome in outcomes.items():
        stored = edge.get(uuid) or central.get(uuid)
        if outcome.outcome == "ok":
            at_edge = edge.get(uuid)
            set_aside = at_edge is not None and at_edge.sync_state == SET_ASIDE_STATE
            if at_edge is None or (expect_drained and uuid not in central and not set_aside):
                found["lost"].append(uuid)
            if stored is not None and stored.total_ore != outcome.total_ore:
                found["ok_total_differs"].append(uuid)
        elif outcome.outcome == "fail" and stored is not None:
            found["failed_but_stored"].append(uuid)
    return found


def find_problems(outcomes: dict[str, OrderOutcome], edge_rows: list[StoredOrder],
                  central_rows: list[StoredOrder], expect_drained: bool) -> Report:
    """Compare the history's outcomes with the stored orders; every kind of broken promise."""
    edge = {row.order_uuid: row for row in reversed(edge_rows)}  # the first row wins
    central = {row.order_uuid: row for row in reversed(central_rows)}
    covered = {outcome.kiosk_id for outcome in outcomes.values()}
    invoked = {uuid for uuid, outcome in outcomes.items() if outcome.invoked}
    findings = {kind: [] for kind in FATAL}
    findings.update(_outcome_findings(outcomes, edge, central, expect_drained))
    findings["never_attempted"] = sorted(
        uuid for uuid, row in {**central, **edge}.items()
        if row.kiosk_id in covered and uuid not in invoked)
    findings["duplicates_edge"] = duplicated(edge_rows)
    findings["duplicates_central"] = duplicated(central_rows)
    # Central holding an order the edge does not is as wrong as holding it differently.
    findings["central_differs"] = sorted(
        uuid for uuid, row in central.items()
        if uuid not in edge or edge[uuid].content() != row.content())
    if expect_drained:
        findings["still_pending"] = [row.order_uuid for row in edge_rows
                                     if row.sync_state == "pending"]
    set_aside = [row.order_uuid for row in edge_rows if row.sync_state == SET_ASIDE_STATE]
    return Report(findings, set_aside, _counts(outcomes, edge_rows, central_rows, edge),
                  expect_drained)


def _counts(outcomes: dict[str, OrderOutcome], edge_rows: list[StoredOrder],
            central_rows: list[StoredOrder], edge: dict[str, StoredOrder]) -> dict[str, int]:
    by_outcome = Counter(outcome.outcome for outcome in outcomes.values())
    unknown = [uuid for uuid, outcome in outcomes.items() if outcome.outcome == "unknown"]
    states = Counter(row.sync_state for row in edge_rows)
    return {
        "history_orders": len(outcomes),
        "history_kiosks": len({outcome.kiosk_id for outcome in outcomes.values()}),
        "ok": by_outcome["ok"], "fail": by_outcome["fail"], "unknown": len(unknown),
        "unknown_stored": sum(uuid in edge for uuid in unknown),
        "unknown_absent": sum(uuid not in edge for uuid in unknown),
        "edge_orders": len(edge_rows), "edge_pending": states["pending"],
        "edge_synced": states["synced"], "central_orders": len(central_rows),
    }


def check(history_path: str | Path, edge_db: str | Path, central_db: str | Path,
          expect_drained: bool, key: DatabaseKey | None = None) -> Report:
    """Check a history against the two SQLite files, read-only (`key`: they are encrypted)."""
    outcomes = fold_outcomes(read_history(history_path))
    # Central first: beside a live edge, a sale synced between the two reads is then merely
    # not yet at central, never at central but not at the edge.
    central_rows = read_sqlite_orders(central_db, CENTRAL_QUERY, key)
    return find_problems(outcomes, read_sqlite_orders(edge_db, EDGE_QUERY, key), central_rows,
                         expect_drained)


def check_api(history_path: str | Path, base_url: str, token: str,
              expect_drained: bool) -> Report:
    """Check a history against a running edge's operator API instead of its files."""
    outcomes = fold_outcomes(read_history(history_path))
    central_rows = read_api_orders(base_url, token, "/central/orders")  # first: see check()
    return find_problems(outcomes, read_api_orders(base_url, token, "/edge/orders"),
                         central_rows, expect_drained)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of scripts/check_history."""
    parser = argparse.ArgumentParser(prog="check_history", description=__doc__.splitlines()[0],
                                     formatter_class=ToolHelp)
    add = parser.add_argument
    add("history", help="the JSONL history a simulator run wrote")
    add("--data-dir", help="the edge's data dir (edge_store.db and central_hq.db in it)")
    add("--edge-db", help="edge_store.db (instead of --data-dir)")
    add("--central-db", help="central_hq.db (instead of --data-dir)")
    add("--key-file", help="the store's key file (64 hex digits, mode 0600), when its files "
                           "are encrypted (store_encryption_key_file)")
    add("--url", help="read a running edge's API instead (this machine only)")
    add("--token", help="an operator token, with --url")
    add("--expect-drained", action="store_true",
        help="after healing: every acknowledged sale must be at central, none pending")
    add("--json", metavar="FILE", help="also write the report as JSON")
    add("--show", type=int, default=5, help="how many order_uuids to show per finding")
    args = parser.parse_args(argv)
    if args.data_dir:
        args.edge_db = args.edge_db or str(Path(args.data_dir) / "edge_store.db")
        args.central_db = args.central_db or str(Path(args.data_dir) / "central_hq.db")
    if not (args.url and args.token) and not (args.edge_db and args.central_db):
        parser.error("give --data-dir, or --edge-db and --central-db, or --url and --token")
    return args


def main(argv: list[str] | None = None) -> int:
    """Check from the command line: 0 clean, 1 a fatal finding, 2 could not check."""
    args = parse_args(argv)
    try:
        if args.url:
            report = check_api(args.history, args.url, args.token, args.expect_drained)
        else:
            key = read_key_file(Path(args.key_file)) if args.key_file else None
            report = check(args.history, args.edge_db, args.central_db, args.expect_drained,
                           key)
    except EncryptionRefused as exc:  # its words name the service's setting, not our option
        print(f"check_history: cannot check: {exc} (check_history takes the key file with "
              "--key-file)", file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError, *SQLiteError) as exc:
        print(f"check_history: cannot check: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(report.text(args.show))
    if args.json:
        Path(args.json).write_text(json.dumps(report.as_json(), indent=2) + "\n")
    return 0 if report.clean else 1
