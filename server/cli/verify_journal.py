"""`python -m server verify-journal [--data-dir DIR] [--config FILE]`: check the sales journal.

Recomputes every kiosk's hash chain at the edge and at central, names the first broken row
of each broken chain (altered, deleted or inserted; see server/journal/verify.py), checks that
edge and central agree on every order both hold, and records the run for the dashboard.
Exit status: 0 when everything holds, 1 when anything is broken, 2 when it cannot check.
"""
import argparse
import sys

from server.cli.serve import add_data_dir_arguments
from server.clock import to_iso, utc_now
from server.config import load_settings
from server.journal.store import JournalUnavailable
from server.journal.verify import POSITION, ChainResult, JournalReport, verify_and_record


def chain_line(chain: ChainResult) -> str:
    """One report line: kiosk, side, rows checked, then ok or the first broken row and why."""
    head = f"  {chain.kiosk_id:<16} {chain.side:<8} {chain.rows_checked:>6} rows checked"
    old = f" ({chain.before_journal} before the journal)" if chain.before_journal else ""
    if chain.broken is None:
        return f"{head}{old}  ok"
    broken = chain.broken
    return (f"{head}{old}  BROKEN at {POSITION[chain.side]} {broken.position}"
            f" (order {broken.order_uuid}): {broken.reason}: {broken.detail}")


def _short(digest: str | None) -> str:
    return "none" if digest is None else f"{digest[:16]}..."


def format_report(report: JournalReport, data_dir: str) -> str:
    """The whole report as people read it."""
    lines = [f"Sales journal in {data_dir}:"]
    lines += [chain_line(chain) for chain in report.chains] or ["  no sales yet"]
    if report.disagreements:
        lines.append("Edge and central disagree:")
        lines += [f"  order {d['order_uuid']} (edge seq {d['edge_seq']}, central id"
                  f" {d['central_id']}): entry_hash {_short(d['edge_hash'])} at the edge,"
                  f" {_short(d['central_hash'])} at central" for d in report.disagreements]
    else:
        lines.append("Edge and central agree on every order both hold.")
    held_at = {"central": "edge seq", "edge": "central id"}  # where the missing order is
    lines += [f"  order {m['order_uuid']} ({m['kiosk_id']}, {held_at[m['missing_at']]}"
              f" {m['position']}) is missing at {m['missing_at']}" for m in report.missing]
    lines.append(f"Result: {report.summary()}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Verify the journal of one data dir; 0 if it holds, 1 if broken, 2 if it cannot check."""
    parser = argparse.ArgumentParser(prog="checkout-server verify-journal", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_dir_arguments(parser)
    args = parser.parse_args(argv)
    settings = load_settings(args.config, data_dir=args.data_dir)
    try:
        central = None if settings.central_url else settings.central_db_path
        report = verify_and_record(settings.edge_db_path, central,
                                   settings.sqlite_busy_timeout_ms, to_iso(utc_now()),
                                   settings.database_key())
    except JournalUnavailable as exc:
        print(f"verify-journal: cannot check: {exc}", file=sys.stderr)
        return 2
    print(format_report(report, str(settings.data_path)))
    return 0 if report.ok else 1
