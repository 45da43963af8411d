"""A batch as the messages that carry it on the bus: one message when it fits under the NATS
server's max_payload (1 MiB by default), else consecutive parts that each do, in seq order,
each its own signed message with its own id (its own seq range and body).

A message over max_payload is not refused politely: the server closes the connection. So
the size is worked out here as the server counts it, the body and the headers as the client
writes them (`NATS/1.0`, `Key: value` lines), before anything is published. A part's rows are
the batch's own row texts, cut at row boundaries, never re-encoded: the rows of the parts
together are the batch, byte for byte. A store's batch of 1,000 rows (~0.95 MB) is close to
the default limit, so a long backlog's batches are often split."""
import datetime
import json
import re
from dataclasses import dataclass

from server.bus.envelope import BatchMessage, batch_message
from server.bus.names import PREFIX
from server.chain.batches import batch_request_body
from server.chain.store_keys import StoreKey

_SPACE = re.compile(r"\s*")
# A part's seq range may be written with more digits than the whole batch's first seq.
ID_SLACK = 64


@dataclass(frozen=True)
class Part:
    """One message of a batch, and how many of the batch's rows it carries."""

    message: BatchMessage
    rows: int


class RowTooLarge(ValueError):
    """One row alone does not fit in a message under the server's max_payload."""


def message_size(message: BatchMessage) -> int:
    """The bytes the NATS server counts against max_payload: the headers as the client
    writes them, and the body."""
    headers = sum(len(f"{key}: {value}\r\n".encode()) for key, value in message.headers.items())
    return len(b"NATS/1.0\r\n") + headers + len(b"\r\n") + len(message.body)


def row_texts(rows: str) -> list[str]:
    """Each row of a batch's JSON array, as its own text exactly as written."""
    decoder, texts = json.JSONDecoder(), []
    at = _SPACE.match(rows, rows.index("[") + 1).end()
    while rows[at] != "]":
        _, end = decoder.raw_decode(rows, at)
        texts.append(rows[at:end])
        at = _SPACE.match(rows, end).end()
        if rows[at] == ",":
            at = _SPACE.match(rows, at + 1).end()
    return texts


def part_bounds(sizes: list[int], budget: int) -> list[tuple[int, int]]:
    """Consecutive (start, end) ranges of the rows whose texts, comma-joined, fit `budget`."""
    bounds, start, used = [], 0, -1
    for index, size in enumerate(sizes):
        if size > budget:
            raise RowTooLarge(f"a row of {size} bytes cannot go in a message of at most "
                              f"{budget} bytes of rows: raise the NATS server's max_payload")
        if used + 1 + size > budget:
            bounds.append((start, index))
            start, used = index, -1
        used += 1 + size
    bounds.append((start, len(sizes)))
    return bounds


def batch_messages(key: StoreKey, store_id: str, kiosk_id: str, rows: str,
                   seqs: tuple[int, ...], max_payload: int, prefix: str = PREFIX,
                   now: datetime.datetime | None = None) -> list[Part]:
    """The messages that carry the batch (`rows` as the edge wrote them, `seqs` theirs in
    order), each under `max_payload`: the whole batch as one when it fits, else parts."""
    whole = batch_message(key, batch_request_body(store_id, rows), store_id, kiosk_id,
                          seqs[0], seqs[-1], prefix, now, len(seqs))
    if message_size(whole) <= max_payload:
        return [Part(whole, len(seqs))]
    texts = row_texts(rows)
    if len(texts) != len(seqs):
        raise ValueError(f"a batch of {len(texts)} rows with {len(seqs)} seqs")
    framing = message_size(whole) - len(whole.body) + len(batch_request_body(store_id, "[]"))
    budget = max_payload - framing - ID_SLACK
    sizes = [len(text.encode()) for text in texts]
    parts = []
    for start, end in part_bounds(sizes, budget):
        body = batch_request_body(store_id, f"[{','.join(texts[start:end])}]")
        parts.append(Part(batch_message(key, body, store_id, kiosk_id, seqs[start],
                                        seqs[end - 1], prefix, now, end - start), end - start))
    return parts
