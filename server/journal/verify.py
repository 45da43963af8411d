"""Verify the sales journal: recompute each kiosk's chain at the edge and at central, compare.

The rules, for one kiosk's rows in chain order (seq at the edge, arrival id at central):

- Before the journal: each file records where its journal began (journal_origin, schema
  edge 0008, central 0003). A kiosk's leading run of rows without hashes that were stored
  before then is counted, not checked, and the chain starts at GENESIS after them. A row
  without hashes stored after the journal began is a break, wherever it stands.
- Every later row must hold: its prev_hash is the previous row's entry_hash (GENESIS for the
  first), and its entry_hash is chain.entry_hash(prev_hash, its content). The first row that
  does not is named with one reason, and the chain is read no further:
  - inserted: it has no hash; or its prev_hash is the entry of an earlier row that another row
    already follows (a fork); or the chain goes around it (the next row links to the row
    before it), whatever its own hashes say.
  - deleted: its prev_hash is no entry of the chain, and the chain does not go around it: rows
    are missing right before it. The row after the gap is the one named.
  - altered: it links to the previous row, but its content no longer matches its entry_hash.
- Cross-checks: an order held at both the edge and central must carry the same entry_hash,
  so a chain rewritten and rehashed on one side only still shows; a sale the edge holds as
  synced must be at central, and every order at central must still be at the edge, so a
  sale deleted on one side only shows.

What a keyless chain cannot show, because whoever can write the file can compute every hash:
- a sale central does not hold yet, edited together with every later row of its kiosk's
  chain rehashed: the edge alone holds them, with nothing to compare with (once they are
  delivered, central holds the edited rows, consistently hashed);
- rows appended at a chain's end with correctly computed hashes, or a chain's last rows
  deleted at the edge before they reached central;
- any change made the same way to both files, and the recorded origin itself (its triggers
  can be dropped).
The witnesses outside the store's files are the shopper's receipt, the payment terminal's
settlement with the acquirer, and head office's copy once a batch has reached it.
"""
from dataclasses import dataclass, field
from pathlib import Path

from server.encryption import DatabaseKey
from server.journal.chain import GENESIS, entry_hash
from server.journal.store import (
    hash_disagreements,
    kiosk_chains,
    missing_orders,
    open_snapshot,
    record_check,
)

POSITION = {"edge": "seq", "central": "id"}


@dataclass(frozen=True)
class Break:
    """The first row of a chain that does not hold, and why."""

    position: int       # seq at the edge, id at central
    order_uuid: str
    reason: str         # altered | deleted | inserted
    detail: str


@dataclass(frozen=True)
class ChainResult:
    """One kiosk's chain on one side: rows checked, rows before the journal, first break."""

    side: str
    kiosk_id: str
    rows_checked: int
    before_journal: int
    broken: Break | None = None


@dataclass(frozen=True)
class JournalReport:
    """Every chain's result, every order whose hash differs between edge and central, and
    every order one side should hold and does not ({order_uuid, kiosk_id, position,
    missing_at})."""

    chains: list[ChainResult]
    disagreements: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every chain holds and edge and central agree."""
        return (not self.disagreements and not self.missing
                and all(c.broken is None for c in self.chains))

    def summary(self) -> str:
        """One line for journal_checks and the dashboard."""
        if self.ok:
            rows = sum(c.rows_checked for c in self.chains)
            chains = len(self.chains)
            return (f"ok: {chains} chain{'s' * (chains != 1)}, {rows} rows hold;"
                    " edge and central agree")
        parts = [f"{c.side} {c.kiosk_id} {POSITION[c.side]} {c.broken.position}"
                 f" {c.broken.reason} ({c.broken.order_uuid})"
                 for c in self.chains if c.broken is not None]
        if self.disagreements:
            parts.append(f"{len(self.disagreements)} order(s) with a different entry_hash"
                         " at the edge and central")
        for side in POSITION:
            if count := sum(m["missing_at"] == side for m in self.missing):
                parts.append(f"{count} order(s) missing at {side}")
        return ("broken: " + "; ".join(parts))[:500]


def _hash_holds(row) -> bool:
    try:
        return entry_hash(row["prev_hash"], row) == row["entry_hash"]
    except (TypeError, ValueError):  # content that is not even JSON any more
        return False


def _judge(row, next_row, expected: str, followed_by: dict[str, tuple[str, str]]):
    """The reason `row` breaks the chain whose head is `expected`, or None if it holds."""
    goes_around = next_row is not None and next_row["prev_hash"] == expected
    if row["entry_hash"] is None or row["prev_hash"] is None:
        return "inserted", ("it has no hash, though the journal began before it (put in out"
                            " of band, or its hash removed)")
    if row["prev_hash"] != expected:
        if row["prev_hash"] in followed_by:
            entry, follower = followed_by[row["prev_hash"]]
            return "inserted", f"its prev_hash is {entry}, which {follower} already follows"
        if goes_around:
            return "inserted", "the chain goes around it: the next row links to the one before"
        return "deleted", "its prev_hash is no earlier entry: rows are missing right before it"
    if not _hash_holds(row):
        if goes_around:
            return "inserted", "its hash is forged and the next row links to the one before"
        return "altered", "its content no longer matches its entry_hash"
    return None


def check_chain(side: str, kiosk_id: str, rows: list) -> ChainResult:
    """Walk one kiosk's rows in chain order and name the first that breaks it (module rules)."""
    start = 0
    while start < len(rows) and rows[start]["entry_hash"] is None \
            and rows[start]["before_journal"]:
        start += 1
    label = POSITION[side]
    # Each entry already followed: its hash -> (which entry it is, which row follows it).
    expected, expected_name, followed_by = GENESIS, "GENESIS", {}
    for index in range(start, len(rows)):
        row = rows[index]
        next_row = rows[index + 1] if index + 1 < len(rows) else None
        verdict = _judge(row, next_row, expected, followed_by)
        if verdict is not None:
            broken = Break(row["position"], row["order_uuid"], *verdict)
            return ChainResult(side, kiosk_id, index - start + 1, start, broken)
        here = f"{label} {row['position']}"
        followed_by[expected] = (expected_name, here)
        expected, expected_name = row["entry_hash"], f"the entry of {here}"
    return ChainResult(side, kiosk_id, len(rows) - start, start)


def verify_journal(edge_path: Path, central_path: Path | None, busy_timeout_ms: int,
                   key: DatabaseKey | None = None) -> JournalReport:
    """Check every chain on both files and cross-check their hashes (read-only). A store in
    a chain keeps no central file (None): its edge's chains are checked, and head office's
    `hq verify-ledger` checks the rest where it is."""
    conn = open_snapshot(edge_path, central_path, busy_timeout_ms, key)
    sides = POSITION if central_path is not None else ("edge",)
    try:
        chains = [check_chain(side, kiosk_id, rows)
                  for side in sides for kiosk_id, rows in kiosk_chains(conn, side)]
        both = central_path is not None
        disagreements = [dict(row) for row in hash_disagreements(conn)] if both else []
        missing = [{**dict(row), "missing_at": side}
                   for side in POSITION for row in missing_orders(conn, side)] if both else []
    finally:
        conn.close()
    chains.sort(key=lambda c: (c.kiosk_id, c.side != "edge"))
    return JournalReport(chains, disagreements, missing)


def verify_and_record(edge_path: Path, central_path: Path | None, busy_timeout_ms: int,
                      checked_at: str, key: DatabaseKey | None = None) -> JournalReport:
    """Verify, then record the run (ok and its summary) in the edge file's journal_checks."""
    report = verify_journal(edge_path, central_path, busy_timeout_ms, key)
    record_check(edge_path, checked_at, report.ok, report.summary(), busy_timeout_ms, key)
    return report
