"""The bus's torture scenarios on the publishing side (`--transport nats`; the ingest's are
in reliability/chain_bus_scenarios.py): the bus away while every store publishes, and the
same batches published twice outside JetStream's duplicate window."""
import asyncio
import random
from pathlib import Path

from reliability.chain_bus import BusOptions, ChainBus
from reliability.chain_torture import (
    BUSY_SYNC,
    HERD_SYNC,
    ChainOutcome,
    ChainProfile,
    ChainRun,
    bus_run,
    herd_tries_bound,
    replays_at_least,
)
from reliability.nats_door import NatsDoorCounter
from server.bus.envelope import MSG_ID
from server.central.bus_ledger import RECONNECT_TRIES

REPUBLISH_AT_MOST = 200  # the stream's latest messages, published again


async def regional_outage(profile: ChainProfile, workdir: Path, database: str,
                          nats_url: str | None) -> ChainOutcome:
    """The run's own NATS server SIGKILLed for `profile.outage_s` while every store sells and
    publishes, each store's connection tries counted on its port (reliability/nats_door.py);
    then started again on the same port and store dir: the stream kept every message, every
    store comes back at once and the backlog drains within the bound."""
    run = bus_run("regional_outage", profile, workdir, database, edge_env=HERD_SYNC,
                  flip_probability=0.0, bus=BusOptions(None))  # a server of the run's own

    async def damage(run: ChainRun) -> None:
        bus, held_before = run.chain.bus, None
        door = NatsDoorCounter(bus.server.port, {
            store: edge.proc.pid for store, edge in run.chain.edges.items()})

        async def take_down() -> None:
            nonlocal held_before
            held_before = (await bus.figures()).held
            await bus.unwatch()
            bus.server.kill()

        async def bring_back() -> None:
            await bus.server.start()
            await bus.watch()

        ridden = await run.ride_out_outage(take_down, door, bring_back)
        _judge_outage(run, door, ridden.outage_s, held_before, ridden.drain_s,
                      ridden.drained)

    return await run.run(damage)


def knock_bound(kiosks: int, outage_s: float) -> int:
    """At most how many connections a store's edge makes to the bus's port while it is
    away: nats-py's own reconnects of the live connection, then two a delivery tried (a
    plain connect that probes the port, then NATS's), as many as its backoff allows."""
    return RECONNECT_TRIES + 2 * herd_tries_bound(kiosks, outage_s)


def _judge_outage(run: ChainRun, door: NatsDoorCounter, outage_s: float, held_before: int,
                  drain_s: float, drained: bool) -> None:
    bus = run.chain.bus
    knocks, bound = door.by_process(), knock_bound(run.profile.kiosks, outage_s)
    held_after = bus.last_figures.held if bus.last_figures else None
    run.outcome.measures.update(
        outage_s=round(outage_s, 1), knocks=knocks, knock_bound=bound,
        knocks_untraced=door.knocks.get(None, 0), held_before=held_before,
        held_after=held_after, herd_drain_s=round(drain_s, 2), drained=drained)
    if any(not 2 <= count <= bound for count in knocks.values()):
        run.outcome.problems.append(f"knocks out of [2, {bound}]: {knocks}")
    if held_after is None or held_after < held_before:
        run.outcome.problems.append(f"the stream lost messages in the restart: "
                                    f"{held_before} before, {held_after} after")


async def bus_republish(profile: ChainProfile, workdir: Path, database: str,
                        nats_url: str | None) -> ChainOutcome:
    """The same batches published twice outside the duplicate window: store edges SIGKILLed
    `profile.edge_kills` times while they sell and publish (at random moments, not timed to
    land mid-publish; started again, each publishes what it had not marked synced), then the
    stream's latest messages published again under new Nats-Msg-Id values, as an edge does
    after a crash between the PubAck and its own commit once the window has passed. Each
    comes back from the ledger already present."""
    run = bus_run("bus_republish", profile, workdir, database, edge_env=BUSY_SYNC,
                  bus=BusOptions(nats_url))

    async def damage(run: ChainRun) -> None:
        await asyncio.sleep(5)  # trading as usual first
        for _ in range(profile.edge_kills):
            edge = random.choice(list(run.chain.edges.values()))
            await asyncio.to_thread(edge.kill)
            await asyncio.to_thread(edge.start)
            await asyncio.sleep(random.uniform(2.0, 3.0))
        republished = await republish(run.chain.bus, REPUBLISH_AT_MOST)
        run.outcome.measures.update(edge_kills=profile.edge_kills, republished=republished)
        run.end_sales()

    outcome = await run.run(damage)
    await replays_at_least(outcome, database, outcome.measures["republished"],
                           "messages published again")
    if not outcome.measures["republished"]:
        outcome.problems.append("nothing was published again")
    return outcome


async def republish(bus: ChainBus, at_most: int) -> int:
    """Publish the stream's latest messages again, each under a new Nats-Msg-Id; how many."""
    js = bus.client.jetstream()
    state = (await js.stream_info(bus.spec.name)).state
    count = 0
    for seq in range(max(state.first_seq, state.last_seq - at_most + 1), state.last_seq + 1):
        held = await js.get_msg(bus.spec.name, seq)
        headers = {**held.headers, MSG_ID: f"again/{seq}/{held.headers[MSG_ID]}"}
        await js.publish(held.subject, held.data, headers=headers)
        count += 1
    return count
