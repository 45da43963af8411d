"""Head office protects itself: at most `limit` batches are ingested at once. One beyond it
is not queued (a queue of batches would hold their connections and memory while stores
retry anyway): it is answered 503 hq_busy with Retry-After, which the store honours, with
jitter, so that a chain reconnecting at once spreads itself out."""
import contextlib

from server.errors import HqBusy


class IngestGate:
    """A count of batches in progress, and the refusal of one too many."""

    def __init__(self, limit: int, retry_after_s: int):
        self.limit, self.retry_after_s = limit, retry_after_s
        self.in_progress = 0

    @contextlib.contextmanager
    def enter(self):
        """Hold a place while a batch is ingested, or raise HqBusy at once."""
        if self.in_progress >= self.limit:
            raise HqBusy("head office is taking in other batches; send this one again soon",
                         {"retry_after_s": self.retry_after_s},
                         {"Retry-After": str(self.retry_after_s)})
        self.in_progress += 1
        try:
            yield
        finally:
            self.in_progress -= 1
