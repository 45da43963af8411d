"""The chain's torture runs over the bus (`--transport nats`), CI profile: four real store
edges publish to a stream of the run's own (on a NATS server of the run's own, deleted with
it) and two `hq ingest` processes take the batches while the ingest is killed before and
after its commits, its database cut off, the bus itself killed, and batches published
twice. Each run ends with the chain's checker: 0 lost, 0 duplicated, 0 unvouched. See
reliability/chain_bus_scenarios.py and reliability/chain_bus_publishing.py.
"""
from reliability.chain_scenarios import run_scenario
from reliability.chain_torture import CHAIN_PROFILES
from tests.reliability.test_chain_torture import proven

CI = CHAIN_PROFILES["ci"]


async def run_over_the_bus(name: str, tmp_path):
    outcome = await run_scenario(name, CI, tmp_path, transport="nats")
    proven(outcome)
    return outcome.measures


async def test_ingest_killed_before_and_after_its_commits_loses_nothing(tmp_path):
    measures = await run_over_the_bus("hq_crashes", tmp_path)
    assert measures["kills_before_commit"] >= CI.ingest_kills // 2
    assert measures["kills_after_commit"] >= CI.ingest_kills // 2
    # Each commit whose ack never reached the bus came back and was found already present.
    assert measures["replays_already_present"] >= measures["commits_unacked"] > 0


async def test_its_database_away_the_messages_wait_in_the_stream(tmp_path):
    measures = await run_over_the_bus("db_faults", tmp_path)
    assert measures["terminated_mid_batch"] >= CI.terminations
    assert measures["arrived_while_refusing"] > 0
    assert measures["waiting_while_refusing"] >= measures["arrived_while_refusing"]
    assert measures["given_back"] > 0 and measures["dead_letters"] == 0
    assert measures["ingest_exits"] == 0 and measures["recovered_in_s"] is not None


async def test_the_bus_killed_while_every_store_publishes_is_ridden_out(tmp_path):
    measures = await run_over_the_bus("regional_outage", tmp_path)
    assert sorted(measures["knocks"]) == [f"store-{i}" for i in range(1, CI.bus_stores + 1)]
    assert all(2 <= knocks <= measures["knock_bound"]
               for knocks in measures["knocks"].values()), measures
    assert measures["held_after"] >= measures["held_before"] > 0   # the stream kept them
    assert measures["herd_drain_s"] <= CI.drain_bound_s and measures["drained"]


async def test_batches_published_twice_past_the_window_count_once(tmp_path):
    measures = await run_over_the_bus("bus_republish", tmp_path)
    assert measures["edge_kills"] == CI.edge_kills
    assert measures["replays_already_present"] >= measures["republished"] > 0
