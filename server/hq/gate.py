"""Head office protects itself: at most `limit` batches are taken in at once, and at most
`max_bytes` of their bodies (as each says by its Content-Length; one that does not say counts
as the largest body allowed). Bytes are what a batch costs the database; a batch alone always
goes in, whatever its size. So the busiest hour's one-sale batches, which cost a commit each
and share the database's commits when many go at once, are let in many at a time, and a
herd's 1,000-row batches a few at a time (about the database's cores plus one: beyond that,
large batches only queue inside the database).

One beyond either bound is not queued (a queue of batches would hold their connections and
memory while stores retry anyway): it is answered 503 hq_busy with Retry-After, which the
store waits out, with jitter, so that a chain reconnecting at once spreads itself out.

The gate stands at the door, before the body is read and the signature checked: a refused
batch costs head office a request head, so that a herd of stores costs what the gate lets
in and no more.
"""
import contextlib

from aiohttp import web

from server.errors import HqBusy
from server.hq.keys import HQ_METRICS, INGEST_GATE

BATCHES_PATH = "/hq/v1/batches"


class IngestGate:
    """The batches in progress and their bytes, and the refusal of one too many."""

    def __init__(self, limit: int, max_bytes: int, unknown_size: int, retry_after_s: int):
        self.limit, self.max_bytes, self.unknown_size = limit, max_bytes, unknown_size
        self.retry_after_s = retry_after_s
        self.in_progress = self.bytes_in_progress = 0

    def admits(self, size: int) -> bool:
        """Whether a batch of `size` bytes may go in now."""
        return self.in_progress == 0 or (
            self.in_progress < self.limit and self.bytes_in_progress + size <= self.max_bytes)

    @contextlib.contextmanager
    def enter(self, size: int | None):
        """Hold a place (and `size` bytes, None: unknown) while a batch is taken in, or
        raise HqBusy at once."""
        size = self.unknown_size if size is None else size
        if not self.admits(size):
            raise HqBusy("head office is taking in other batches; send this one again soon",
                         {"retry_after_s": self.retry_after_s},
                         {"Retry-After": str(self.retry_after_s)})
        self.in_progress, self.bytes_in_progress = self.in_progress + 1, \
            self.bytes_in_progress + size
        try:
            yield
        finally:
            self.in_progress, self.bytes_in_progress = self.in_progress - 1, \
                self.bytes_in_progress - size


@web.middleware
async def ingest_gate_middleware(request: web.Request, handler):
    """A store's batch holds a place in the gate from its head to its answer."""
    if request.method != "POST" or request.path != BATCHES_PATH:
        return await handler(request)
    try:
        with request.app[INGEST_GATE].enter(request.content_length):
            return await handler(request)
    except HqBusy as busy:
        request.app[HQ_METRICS].refused(busy.code)
        raise
