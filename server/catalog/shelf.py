"""The catalog a store sells from, swappable while it runs: aiohttp's app keys are fixed once
the app starts, so the app holds this shelf and the shelf holds the catalog in use.

Without head office's releases it holds the built-in catalog (or the `catalog_file`). With
them it holds every good release not yet superseded and puts in use, at each `apply(now)`,
the one in force: of those effective by `now`, the latest effective (the higher seq on a
tie). It announces a change to its listeners (the kiosks' sockets, the wallboard).
"""
import logging
from collections.abc import Callable
from datetime import datetime

from server.catalog.catalog import Catalog
from server.catalog.release import Release

log = logging.getLogger(__name__)


class Shelf:
    """The catalog in use, the releases waiting for their time, and the last refusal."""

    def __init__(self, fallback: Catalog):
        self.fallback = fallback
        self.releases: dict[int, Release] = {}
        self.current: Release | None = None
        self.refused: dict | None = None  # {"seq", "reason", "at"} of the last refusal
        self.refusals = 0
        self.on_change: list[Callable[[Catalog], None]] = []

    @property
    def catalog(self) -> Catalog:
        """The catalog to price with now."""
        return self.current.catalog if self.current is not None else self.fallback

    @property
    def seq(self) -> int | None:
        """The seq of the release in use; None for the built-in catalog or the file's."""
        return self.current.seq if self.current is not None else None

    @property
    def highest_seq(self) -> int:
        """The highest seq this shelf has heard of, taken or refused (0: none)."""
        refused = self.refused["seq"] if self.refused and self.refused["seq"] else 0
        return max([*self.releases, refused, self.seq or 0])

    def offer(self, release: Release) -> bool:
        """Keep a good release until its time (or for good); whether it was new."""
        if release.seq in self.releases or (self.seq or 0) >= release.seq:
            return False
        self.releases[release.seq] = release
        return True

    def refuse(self, seq: int | None, reason: str, at: str) -> None:
        """Remember a refused release (the wallboard shows the last one)."""
        self.refused = {"seq": seq, "reason": reason, "at": at}
        self.refusals += 1

    def apply(self, now: datetime) -> bool:
        """Put the release in force at `now` in use; whether the catalog changed."""
        due = [r for r in self.releases.values() if r.effective_at <= now]
        if not due:
            return False
        newest = max(due, key=_in_force_order)
        for release in due:  # in force now, or superseded: never waiting again
            del self.releases[release.seq]
        if self.current is not None and _in_force_order(self.current) >= _in_force_order(
                newest):
            return False
        changed = newest.version != self.catalog.version
        self.current = newest
        log.info("catalog version %s (seq %d) is in use from %s", newest.version, newest.seq,
                 newest.effective_at.isoformat())
        if changed:
            for listener in self.on_change:
                listener(newest.catalog)
        return changed

    def kept(self) -> list[Release]:
        """The releases worth keeping on disk: the one in use and those waiting, by seq."""
        held = [*self.releases.values(), *([self.current] if self.current else [])]
        return sorted(held, key=lambda r: r.seq)

    def status(self) -> dict:
        """What the store's status report tells head office: version, seq, last refusal."""
        return {"version": self.catalog.version, "seq": self.seq, "refused": self.refused}


def _in_force_order(release: Release) -> tuple:
    """Of two releases both effective, the one in force sorts last."""
    return (release.effective_at, release.seq)
