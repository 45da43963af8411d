"""A store on the bus reads back the sales head office refused for good after their sync.

Over HTTP a batch's answer names the rows head office refuses (it holds their order_uuid with
other content), and the sync sets them aside for staff at once. Over the bus the store
learns only that the stream holds its batch; head office's ingest refuses such a row later
and keeps the refusal (server.central.bus_refused_rows). So every `poll_s` this follower
asks for the refusals after the last it saw (`fetch(after)`: head office's answer, {"rows",
"next"}) and sets each of those sales aside, as the HTTP answer would have: the wallboard
counts it, staff see it, reconciliation calls its kiosk-day `attention`.

The cursor lives in memory: after a restart the follower reads every refusal again, which
sets nothing aside twice (a sale already aside is left as it is), and refusals are few.
Head office unreachable is "not now": the next poll tries again, and an outage is logged
once.
"""
import inspect
import logging
from collections.abc import Awaitable, Callable

from server.clock import to_iso
from server.tasks import BackgroundTask, poll_forever

log = logging.getLogger(__name__)


class RefusalFollower:
    """Sets aside the store's sales head office refused after they went by the bus."""

    def __init__(self, fetch: Callable[[int], Awaitable[dict]], store, clock, poll_s: float):
        self.fetch, self.store, self.clock, self.poll_s = fetch, store, clock, poll_s
        self.after = 0
        self.on_set_aside: list[Callable[[dict[str, str]], object]] = []  # may be async
        self.task = BackgroundTask("refusal-follower")

    def start(self) -> None:
        """Follow from now on."""
        self.task.start(self._follow())

    async def stop(self) -> None:
        """Stop following."""
        await self.task.stop()

    async def follow_once(self) -> dict[str, str]:
        """Read every refusal after the last seen and set those sales aside; the sales set
        aside now (order_uuid -> why)."""
        set_aside: dict[str, str] = {}
        while True:
            answer = await self.fetch(self.after)
            refused = {row["order_uuid"]: row["reason"] for row in answer["rows"]}
            if refused:
                done = await self.store.set_aside_after_sync(refused, to_iso(self.clock()))
                set_aside.update((uuid, refused[uuid]) for uuid in done)
                self.after = answer["rows"][-1]["cursor"]
            if answer["next"] is None:
                break
        for uuid, why in set_aside.items():
            log.error("head office refused %s for good after its sync (%s): set aside for "
                      "staff", uuid, why)
        if set_aside:
            for listener in self.on_set_aside:
                reaction = listener(set_aside)
                if inspect.isawaitable(reaction):
                    await reaction
        return set_aside

    async def _follow(self) -> None:
        await poll_forever(self.follow_once, self.poll_s, "follow its refusals of sales", log)
