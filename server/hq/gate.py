"""Head office protects itself: at most `limit` batches are taken in at once. One beyond it
is not queued (a queue of batches would hold their connections and memory while stores
retry anyway): it is answered 503 hq_busy with Retry-After, which the store honours, with
jitter, so that a chain reconnecting at once spreads itself out.

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
    """A count of batches in progress, and the refusal of one too many."""

    def __init__(self, limit: int, retry_after_s: int):
        self.limit, self.retry_after_s = limit, retry_after_s
        self.in_progress = 0

    @contextlib.contextmanager
    def enter(self):
        """Hold a place while a batch is taken in, or raise HqBusy at once."""
        if self.in_progress >= self.limit:
            raise HqBusy("head office is taking in other batches; send this one again soon",
                         {"retry_after_s": self.retry_after_s},
                         {"Retry-After": str(self.retry_after_s)})
        self.in_progress += 1
        try:
            yield
        finally:
            self.in_progress -= 1


@web.middleware
async def ingest_gate_middleware(request: web.Request, handler):
    """A store's batch holds a place in the gate from its head to its answer."""
    if request.method != "POST" or request.path != BATCHES_PATH:
        return await handler(request)
    try:
        with request.app[INGEST_GATE].enter():
            return await handler(request)
    except HqBusy as busy:
        request.app[HQ_METRICS].refused(busy.code)
        raise
