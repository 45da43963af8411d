"""A store follows head office's price lists: it asks for new releases every `poll_s` while
head office answers, opens each against the key it pinned (a bad one is refused, logged and
announced, and the store sells on), keeps the good ones in its data dir, and puts each in
use at its effective time (looked at every TICK_S, so a store whose link is up runs a
release within a minute of its time, as promised, and in fact within seconds).

A restart while head office is unreachable sells on from what was kept, opened again.
Nothing here knows HTTP: `fetch(after)` is given, head office's answer as a dict.
"""
import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server.catalog.release import ReleaseRefused, open_release
from server.catalog.shelf import Shelf
from server.clock import to_iso
from server.sqlite import replace_private
from server.tasks import BackgroundTask, poll_forever

log = logging.getLogger(__name__)
KEEP_FILE = "hq_catalogs.json"  # in the data dir: the release in use and those waiting
TICK_S = 1.0


class CatalogFollower:
    """Fills a Shelf from head office, and keeps what it took on disk."""

    def __init__(self, shelf: Shelf, fetch: Callable[[int], Awaitable[dict]],
                 key: Ed25519PublicKey, data_dir: Path, clock, poll_s: float):
        self.shelf, self.fetch, self.key, self.clock = shelf, fetch, key, clock
        self.path, self.poll_s = data_dir / KEEP_FILE, poll_s
        self.on_refused: list[Callable[[ReleaseRefused], object]] = []
        self.task = BackgroundTask("catalog-follower")

    async def load_kept(self) -> None:
        """Take back what was kept (each opened again), and put the one in force in use."""
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            kept = []
        except (OSError, ValueError) as exc:  # a damaged file: sell from what is built in
            log.warning("the kept catalogs (%s) cannot be read: %s", self.path, exc)
            kept = []
        for entry in kept if isinstance(kept, list) else []:
            await self._take(entry)
        self.shelf.apply(self.clock())

    async def _take(self, entry) -> bool:
        """Open one release as head office (or the kept file) gave it; whether it was new."""
        said = entry.get("seq") if isinstance(entry, dict) else None
        said = said if type(said) is int else None
        try:
            if not isinstance(entry, dict):
                raise ReleaseRefused(None, "malformed_document", "not a release")
            release = open_release(entry.get("document"), entry.get("signature"), self.key,
                                   said)
        except (ReleaseRefused, TypeError, AttributeError) as exc:
            refusal = exc if isinstance(exc, ReleaseRefused) else ReleaseRefused(
                said, "malformed_document", "the release lacks its document or signature")
            await self._refuse(refusal)
            return False
        return self.shelf.offer(release)

    async def _refuse(self, refusal: ReleaseRefused) -> None:
        log.warning("refused head office's catalog seq %s (%s): %s; selling on with %s",
                    refusal.seq, refusal.reason, refusal.message, self.shelf.catalog.version)
        self.shelf.refuse(refusal.seq, refusal.reason, to_iso(self.clock()))
        for listener in self.on_refused:
            try:
                result = listener(refusal)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a listener failing must not stop the store following
                log.exception("a catalog refusal listener failed")

    async def poll_once(self) -> None:
        """Ask head office for releases after the highest seq heard of; take the good ones."""
        answer = await self.fetch(self.shelf.highest_seq)
        taken = False
        for entry in answer.get("catalogs", []):
            taken = await self._take(entry) or taken
        if taken:
            self.shelf.apply(self.clock())
            self.keep()

    def keep(self) -> None:
        """Write the releases worth keeping, whole and durably, readable by the service only
        (a power cut must not leave the store selling from the built-in prices)."""
        replace_private(self.path, json.dumps([
            {"seq": r.seq, "document": r.document, "signature": r.signature}
            for r in self.shelf.kept()]))

    async def _tick(self) -> None:
        while True:
            if self.shelf.apply(self.clock()):
                self.keep()
            await asyncio.sleep(TICK_S)

    async def _poll(self) -> None:
        await poll_forever(self.poll_once, self.poll_s, "follow its catalogs (selling on "
                           "with the catalog in use meanwhile)", log)

    def start(self) -> None:
        """Follow head office in the background."""
        async def both():
            await asyncio.gather(self._tick(), self._poll())
        self.task.start(both())

    async def stop(self) -> None:
        """Stop following (cancelled and awaited)."""
        await self.task.stop()
