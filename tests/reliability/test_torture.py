"""The torture runs' CI profile, and proof that each could fail.

Real edge processes, SIGKILLed and restarted on the same data dir; the fleet simulator's
history and both SQLite files go to the checker. See reliability/torture.py.
"""
import os
from dataclasses import replace

import pytest

from reliability.disk_full import CannotRun, disk_full
from reliability.torture import PROFILES, crashes, link_chaos

CI = PROFILES["ci"]


def no_findings(outcome) -> bool:
    return not any(outcome.as_json()["findings"].values())


async def test_fifty_crashes_under_load_lose_nothing_and_count_nothing_twice(tmp_path):
    outcome = await crashes(CI, tmp_path)
    assert outcome.crashes >= 50 and outcome.integrity_checks >= 50
    assert outcome.fleet["orders"]["ok"] > 100, "the load was too light to prove anything"
    assert no_findings(outcome) and outcome.clean, outcome.as_json()


async def test_flapping_links_and_crashes_between_the_two_commits_drain_in_bounds(tmp_path):
    outcome = await link_chaos(CI, tmp_path)
    assert outcome.crashes >= 1, "the fault point never fired: nothing was proven"
    assert outcome.drain_s is not None and outcome.drain_s <= CI.drain_bound_s
    assert no_findings(outcome) and outcome.clean, outcome.as_json()


async def test_an_edge_that_answers_before_it_commits_is_caught(tmp_path):
    """The checker is shown able to fail: the same torture against a broken edge loses
    acknowledged sales, and the run says so."""
    outcome = await crashes(replace(CI, crashes=10), tmp_path, broken="ack_before_commit")
    assert not outcome.clean
    assert outcome.as_json()["findings"]["lost"] > 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tiny tmpfs needs root")
def test_a_full_disk_refuses_sales_with_503_and_recovers_by_itself(tmp_path):
    try:
        outcome = disk_full(tmp_path)
    except CannotRun as reason:
        pytest.skip(str(reason))
    assert outcome.integrity_checks == 1 and outcome.drain_s is not None
    assert outcome.check["counts"]["fail"] >= 5  # the 503s, each with nothing stored
    assert no_findings(outcome) and outcome.check["clean"], outcome.as_json()
