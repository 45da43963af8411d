"""The bus's names: the stream, each store's subject, its dead letters, and a batch's message
id.

- The stream `SALES` holds every subject under `sales.>`, one subject per store:
  `sales.<store_id>`. Another system at head office subscribes to `sales.>` (all stores) or
  to one store's subject.
- Dead letters (a message that can never be ingested) go to `sales_dead.<store_id>`: outside
  `sales.>`, so a refused message never reaches the ingest consumer again, nor another
  system that reads `sales.>` as sales. The prefix is one name, so another chain on the same
  server may use its own (`acme.sales` gives `acme.sales.<store>` and
  `acme.sales_dead.<store>`).
- A store id becomes one token of a subject, so it may hold no '.', '*', '>' or whitespace.
  server.orders.ID_PATTERN lets a store id hold a '.': such a store cannot use the bus, and
  `store_subject` refuses it rather than spread it over two tokens (where `sales.*` would
  miss it).
"""
import hashlib
import re

from server.orders import ID_PATTERN

STREAM = "SALES"
PREFIX = "sales"
DEAD_SUFFIX = "_dead"
_ID = re.compile(ID_PATTERN)
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")  # a subject's token without wildcards or separators
_STREAM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
UNKNOWN_STORE = "unknown-subject"  # a subject with no store token of its own


class BadBusName(ValueError):
    """A name that cannot go on the bus as it is."""


def checked_prefix(prefix: str) -> str:
    """The prefix, if it is one or more plain tokens joined by '.'."""
    if not all(_TOKEN.fullmatch(token) for token in prefix.split(".")):
        raise BadBusName(f"a subject prefix is plain tokens (letters, digits, '_', '-') "
                         f"joined by '.': not {prefix!r}")
    return prefix


def checked_stream_name(name: str) -> str:
    """The stream's name, if JetStream takes it (no '.', '*', '>' or whitespace)."""
    if not _STREAM_NAME.fullmatch(name):
        raise BadBusName(f"a stream name is 1-64 letters, digits, '_' or '-': not {name!r}")
    return name


def store_token(store_id: str) -> str:
    """The store id as one token of a subject; BadBusName if it cannot be one."""
    if not _ID.fullmatch(store_id) or not _TOKEN.fullmatch(store_id):
        raise BadBusName(f"store id {store_id!r} cannot name a subject on the bus: it may "
                         "hold only letters, digits, '_' and '-' (no '.')")
    return store_id


def store_subject(store_id: str, prefix: str = PREFIX) -> str:
    """The subject a store's batches are published to."""
    return f"{checked_prefix(prefix)}.{store_token(store_id)}"


def subject_store(subject: str, prefix: str = PREFIX) -> str:
    """The store a subject names (`<prefix>.<store>`), or UNKNOWN_STORE."""
    rest = subject[len(prefix) + 1:] if subject.startswith(prefix + ".") else ""
    try:
        return store_token(rest)
    except BadBusName:
        return UNKNOWN_STORE


def all_stores_subject(prefix: str = PREFIX) -> str:
    """The subject every store's batches fall under: the stream's, and a reader's of all."""
    return f"{checked_prefix(prefix)}.>"


def dead_letter_subject(store_id: str, prefix: str = PREFIX) -> str:
    """Where a store's message that can never be ingested goes, outside the stream's
    subjects."""
    return f"{checked_prefix(prefix)}{DEAD_SUFFIX}.{store_token(store_id)}"


def message_id(store_id: str, kiosk_id: str, first_seq: int, last_seq: int,
               body: bytes) -> str:
    """The Nats-Msg-Id of a batch: "<store>/<kiosk>/<first seq>-<last seq>/<body's digest>".

    It is unique in the whole chain: kiosk ids are unique within a store and seqs within a
    store's file, no id holds a '/', so batches of two stores, kiosks or ranges never read
    alike. That matters because JetStream drops a message whose id it saw within its
    duplicate window, silently: an id shared by two stores would lose a sale. The body's
    digest (96 bits of SHA-256) keeps it so when a store's seqs start again (a new edge file,
    a test chain run twice within the window), while the same batch sent again keeps its id.
    A batch formed again after a crash (other rows, another range) gets another id: that is
    fine, for the bus's window only spares work; the ledger's key makes each sale count
    once."""
    for name, value in (("store", store_id), ("kiosk", kiosk_id)):
        if not _ID.fullmatch(value):
            raise BadBusName(f"{name} id {value!r} is not an id (server.orders.ID_PATTERN)")
    if not 0 < first_seq <= last_seq:
        raise BadBusName(f"a batch's seqs run from 1 up: not {first_seq}-{last_seq}")
    digest = hashlib.sha256(body).hexdigest()[:24]
    return f"{store_id}/{kiosk_id}/{first_seq}-{last_seq}/{digest}"


_MESSAGE_ID = re.compile(r"([^/]+)/([^/]+)/(\d+)-(\d+)/[0-9a-f]+")


def message_range(msg_id: str | None) -> tuple[str, int, int] | None:
    """The kiosk and seq range a batch's message id names (`message_id`), or None for an id
    of another shape (a message published by hand, under an id of one's own)."""
    found = _MESSAGE_ID.fullmatch(msg_id or "")
    return (found[2], int(found[3]), int(found[4])) if found else None
