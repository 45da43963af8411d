"""The history of a fleet run: one JSON object per line, one line per event of a sale.

Each sale is one operation: an `invoke` when the kiosk first sends it, then one completion:
`ok` (the edge answered 200/201: `total_ore`, `status`, `replayed`), `fail` (a definite
refusal: `status`, `error`) or `unknown` (no answer before the run's deadline). Every line
carries `time` (wall-clock seconds), `kiosk_id`, `type`, `order_uuid` (= kiosk_id + ':' +
idempotency_key) and `idempotency_key`; in a chain's run also `store_id` (kiosk ids repeat
from store to store). Lines are flushed one by one, so a history survives the simulator
being killed; a sale with an invoke and nothing after it is then `unknown`.
"""
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

EVENT_TYPES = ("invoke", "ok", "fail", "unknown")
# How sure each completion is: a later word replaces an earlier one only if it is at least as
# sure, so an ok beats unknown, and a definite fail stays final.
CERTAINTY = {"invoke": 0, "unknown": 1, "ok": 2, "fail": 3}


def order_uuid_of(kiosk_id: str, idempotency_key: str) -> str:
    """The sale's global identity, built exactly as the edge builds it."""
    return f"{kiosk_id}:{idempotency_key}"


class HistoryWriter:
    """Appends events to a history file, one flushed line each."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = self.path.open("a", encoding="utf-8")

    def record(self, event_type: str, kiosk_id: str, idempotency_key: str, **fields) -> dict:
        """Append one event of a sale; flushed at once, so a killed run keeps it."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"history event type must be one of {EVENT_TYPES}")
        event = {"time": round(time.time(), 6), "kiosk_id": kiosk_id, "type": event_type,
                 "order_uuid": order_uuid_of(kiosk_id, idempotency_key),
                 "idempotency_key": idempotency_key, **fields}
        self._file.write(json.dumps(event, separators=(",", ":")) + "\n")
        self._file.flush()
        return event

    def close(self) -> None:
        """Close the file (every line is already flushed)."""
        self._file.close()

    def __enter__(self) -> "HistoryWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def read_history(path: str | Path) -> Iterator[dict]:
    """The events of a history file; a torn last line (the writer was killed) is skipped."""
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                if line.endswith("\n"):  # a torn line can only be the last, unterminated one
                    raise ValueError(f"{path}:{number}: not a JSON line") from None
                continue
            if event.get("type") not in EVENT_TYPES or "order_uuid" not in event:
                raise ValueError(f"{path}:{number}: not a history event")
            yield event


@dataclass
class OrderOutcome:
    """The last word on one sale: ok, fail or unknown, with what the kiosk was told."""

    order_uuid: str
    kiosk_id: str
    idempotency_key: str
    outcome: str = "unknown"  # ok | fail | unknown
    total_ore: int | None = None
    status: int | None = None
    error: str | None = None
    invoked: bool = False
    _certainty: int = 0

    def apply(self, event: dict) -> None:
        """Fold one more event into the outcome (see CERTAINTY for who wins)."""
        kind = event["type"]
        if kind == "invoke":
            self.invoked = True
            return
        if CERTAINTY[kind] < self._certainty:
            return
        self._certainty = CERTAINTY[kind]
        self.outcome = kind
        self.status = event.get("status", self.status)
        if kind == "ok":
            self.total_ore = event.get("total_ore")
        elif kind == "fail":
            self.error = event.get("error")


def fold_outcomes(events: Iterable[dict], store_id: str | None = None) -> dict[str, OrderOutcome]:
    """Per order_uuid, the outcome of the sale after every event about it (in a chain's
    history, of one store's sales)."""
    outcomes: dict[str, OrderOutcome] = {}
    for event in events:
        if event.get("store_id") != store_id:
            continue
        outcome = outcomes.get(event["order_uuid"])
        if outcome is None:
            outcome = outcomes[event["order_uuid"]] = OrderOutcome(
                event["order_uuid"], event["kiosk_id"], event["idempotency_key"])
        outcome.apply(event)
    return outcomes
