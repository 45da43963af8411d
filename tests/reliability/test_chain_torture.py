"""The chain's torture runs, CI profile, and proof that the chain's checker can fail.

Eight real store edges sell to head office on a real PostgreSQL database while head office
is killed mid-batch, its database cut off, or the whole region loses it; each run ends with
the chain's checker. See reliability/chain_torture.py and reliability/chain_scenarios.py.
"""
from dataclasses import replace

from reliability.chain_scenarios import run_scenario
from reliability.chain_torture import CHAIN_PROFILES

CI = CHAIN_PROFILES["ci"]


def proven(outcome) -> None:
    """Clean, and with enough sales to mean something."""
    assert outcome.clean, outcome.as_json()
    assert not any(outcome.findings().values()) and outcome.findings()["unvouched"] == 0
    assert outcome.orders["ok"] > 200, "the load was too light to prove anything"


async def test_head_office_killed_twenty_times_mid_batch_loses_nothing(tmp_path):
    outcome = await run_scenario("hq_crashes", CI, tmp_path)
    assert outcome.measures["hq_kills_mid_batch"] >= 20
    assert outcome.measures["hq_500s"] == 0
    proven(outcome)


async def test_its_database_cut_off_head_office_answers_503_and_recovers_alone(tmp_path):
    outcome = await run_scenario("db_faults", CI, tmp_path)
    measures = outcome.measures
    assert measures["terminated_mid_batch"] >= CI.terminations
    assert set(measures["health_while_refusing"]) == {503}   # never 500, never up
    assert measures["batches_answered_503"] > 0 and measures["hq_500s"] == 0
    assert measures["recovered_in_s"] is not None             # no restart was needed
    proven(outcome)


async def test_a_regional_outage_is_ridden_out_and_the_herd_is_shed(tmp_path):
    outcome = await run_scenario("regional_outage", CI, tmp_path)
    measures = outcome.measures
    # Each store knocked again and again, and never more than its backoff allows.
    assert all(2 <= knocks <= measures["knock_bound"]
               for knocks in measures["knocks"].values()), measures
    assert measures["hq_busy"] > 0 and measures["hq_500s"] == 0
    assert measures["herd_drain_s"] <= CI.drain_bound_s and measures["drained"]
    proven(outcome)


async def test_a_head_office_that_answers_before_it_commits_is_caught(tmp_path):
    outcome = await run_scenario("hq_crashes", replace(CI, hq_kills=8), tmp_path,
                                 broken="hq_ack_before_commit")
    assert not outcome.clean
    assert outcome.findings()["lost"] > 0
