"""Proof after the fact, at head office: every row came in a batch whose signature verifies
against the key recorded for it, holds exactly what that batch's body said, and each
kiosk's hash chain holds at head office.

For each store, batch by batch: the key the batch names must be the store's and must not
have been revoked before the batch came; the signature is verified again over the kept
headers and body (RFC 9421 and its Content-Digest); every row naming the batch must equal
the body's row of its order_uuid. Then: no row may name a batch head office does not hold,
and every kiosk's chain, in arrival order, must hold by the journal's rules
(server/journal/verify.py). The first break of each kind and store is named.
"""
import datetime
from dataclasses import dataclass, field, replace

from multidict import CIMultiDict

from server.chain.batches import parse_batch
from server.chain.signing import Message, verify
from server.errors import DomainError
from server.journal.verify import check_chain
from server.orders import BATCH_COLUMNS

PAGE = 200  # batches read at a time
AGES = 100 * 365 * 86400.0  # a kept signature is judged by what it says, not by its age


@dataclass(frozen=True)
class LedgerBreak:
    """What does not hold: a batch, a row or a chain, and why."""

    store_id: str
    what: str       # "batch <id>", "row <order_uuid>", "chain <kiosk_id>"
    reason: str


@dataclass
class LedgerReport:
    """What was checked, and every break found."""

    batches: int = 0
    rows: int = 0
    chains: int = 0
    breaks: list[LedgerBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def batch_break(batch: dict, keys: dict) -> str | None:
    """Why a batch's proof (as head office keeps it) does not hold against the keys (by
    key id), or None."""
    key = keys.get(batch["key_id"])
    if key is None or key.store_id != batch["store_id"]:
        return f"signed by key {batch['key_id']}, which the store was never given"
    received = _moment(batch["received_at"])
    if key.revoked_at is not None and _moment(key.revoked_at) <= received:
        return f"received after its key {key.key_id} was revoked"
    headers = CIMultiDict({"Content-Type": "application/json",
                           "Content-Digest": batch["content_digest"],
                           "Signature-Input": batch["signature_input"],
                           "Signature": batch["signature"]})
    message = Message("POST", "http://head-office/hq/v1/batches", headers)
    try:  # judged as it stood when it came: a kept signature does not go stale
        verify(message, bytes(batch["body"]), replace(key, revoked_at=None), received,
               AGES)
    except DomainError as exc:
        return f"its signature no longer verifies: {exc.message}"
    return None


def _moment(value) -> datetime.datetime:
    moment = value if isinstance(value, datetime.datetime) else \
        datetime.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _row_breaks(held: list[dict], body: bytes) -> list[tuple[str, str]]:
    """(order_uuid, why) of each held row that is not what its batch's body said."""
    _, rows = parse_batch(body, max_rows=10**9)
    sent = {row[0]: dict(zip(BATCH_COLUMNS, row, strict=True)) for row in rows}
    breaks = []
    for row in held:
        original = sent.get(row["order_uuid"])
        if original is None:
            breaks.append((row["order_uuid"], "names a batch whose body does not hold it"))
        elif any(row[name] != original[name] for name in BATCH_COLUMNS):
            changed = [name for name in BATCH_COLUMNS if row[name] != original[name]]
            breaks.append((row["order_uuid"], f"differs from its batch in {', '.join(changed)}"))
    return breaks


async def _check_store(ledger, store_id: str, keys: dict, report: LedgerReport) -> None:
    after = 0
    while batches := await ledger.store_batches(store_id, after, PAGE):
        for batch in batches:
            after = batch["batch_id"]
            report.batches += 1
            held = await ledger.batch_rows(store_id, batch["batch_id"])
            report.rows += len(held)
            why = batch_break(batch, keys)
            if why is None:
                for uuid, row_why in _row_breaks(held, bytes(batch["body"])):
                    report.breaks.append(LedgerBreak(store_id, f"row {uuid}", row_why))
            else:
                report.breaks.append(LedgerBreak(store_id, f"batch {batch['batch_id']}", why))
    async for kiosk_id, rows in ledger.kiosk_chains(store_id):
        report.chains += 1
        chain = [{**row, "position": row["id"], "before_journal": False} for row in rows]
        broken = check_chain("central", kiosk_id, chain).broken
        if broken is not None:
            report.breaks.append(LedgerBreak(
                store_id, f"chain {kiosk_id}", f"id {broken.position} (order "
                f"{broken.order_uuid}): {broken.reason}: {broken.detail}"))


async def verify_ledger(storage) -> LedgerReport:
    """Check head office's whole ledger (read only)."""
    keys = {key.key_id: key for key in await storage.registry.all_keys()}
    report = LedgerReport()
    for row in await storage.ledger.rows_without_batch():
        report.breaks.append(LedgerBreak(row["store_id"], f"row {row['order_uuid']}",
                                         f"names batch {row['batch_id']}, which is not held"))
    for store_id in await storage.ledger.ledger_stores():
        await _check_store(storage.ledger, store_id, keys, report)
    return report


def format_report(report: LedgerReport) -> str:
    """The report as people read it."""
    lines = [f"Ledger: {report.batches} batches, {report.rows} rows, {report.chains} chains "
             "checked."]
    lines += [f"  BROKEN {b.store_id} {b.what}: {b.reason}" for b in report.breaks]
    lines.append("Result: " + ("ok: every row came in a batch that verifies, and every chain "
                               "holds" if report.ok else f"broken: {len(report.breaks)} break(s)"))
    return "\n".join(lines)
