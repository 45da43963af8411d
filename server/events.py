"""Announcements from the domain to whoever listens, wired by an app's factory.

The domain says what happened (a sale recorded, a kiosk changed, a batch delivered, a
credential revoked) and knows nothing of who listens: the metrics, the wallboard's feed, the
sockets, the sync. A listener is a plain function called at once, after the commit that
made the news; it must not block (it may schedule work of its own).
"""
import logging

log = logging.getLogger(__name__)


class Listeners(list):
    """The functions told of one kind of news; calling it tells each of them in turn."""

    def __call__(self, *news) -> None:
        """Tell every listener; one that fails is logged and the others are still told."""
        for listener in self:
            try:
                listener(*news)
            except Exception:
                log.exception("a listener of %r failed", news[:1])
