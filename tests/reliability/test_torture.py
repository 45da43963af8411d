"""The torture runs' CI profile, and proof that each could fail.

Real edge processes, SIGKILLed and restarted on the same data dir; the fleet simulator's
history and both SQLite files go to the checker. See reliability/torture.py.
"""
import os
from dataclasses import replace

import pytest

from reliability.disk_full import CannotRun, disk_full
from reliability.torture import CENTRAL_DB, EDGE_DB, PROFILES, crashes, link_chaos
from server.sqlite_open import PLAIN_HEADER

CI = PROFILES["ci"]


def no_findings(outcome) -> bool:
    return not any(outcome.as_json()["findings"].values())


async def test_fifty_crashes_under_load_lose_nothing_and_count_nothing_twice(tmp_path):
    outcome = await crashes(CI, tmp_path)
    assert outcome.crashes >= 50 and outcome.integrity_checks >= 50
    assert outcome.fleet["orders"]["ok"] > 100, "the load was too light to prove anything"
    assert no_findings(outcome) and outcome.clean, outcome.as_json()


async def test_fifty_crashes_on_encrypted_files_lose_nothing_and_pass_both_checks(tmp_path):
    """The same torture with SQLCipher files: each crash's checks run keyed (the cipher's
    integrity check too), and the files are shown encrypted, so it cannot pass plain."""
    outcome = await crashes(CI, tmp_path, encrypted=True)
    assert outcome.encrypted and outcome.as_json()["encrypted"]
    assert outcome.crashes >= 50 and outcome.integrity_checks >= 50
    assert outcome.fleet["orders"]["ok"] > 100, "the load was too light to prove anything"
    assert no_findings(outcome) and outcome.clean, outcome.as_json()
    for name in (EDGE_DB, CENTRAL_DB):
        head = (tmp_path / "data" / name).read_bytes()[:len(PLAIN_HEADER)]
        assert len(head) == len(PLAIN_HEADER) and head != PLAIN_HEADER, name


async def test_flapping_links_and_crashes_between_the_two_commits_drain_in_bounds(tmp_path):
    outcome = await link_chaos(CI, tmp_path)
    assert outcome.crashes >= 1, "the fault point never fired: nothing was proven"
    assert outcome.drain_s is not None and outcome.drain_s <= CI.drain_bound_s
    assert no_findings(outcome) and outcome.clean, outcome.as_json()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_an_edge_that_answers_before_it_commits_is_caught(tmp_path, encrypted):
    """The checker is shown able to fail: the same torture against a broken edge loses
    acknowledged sales, and the run says so (reading encrypted files too)."""
    outcome = await crashes(replace(CI, crashes=10), tmp_path, broken="ack_before_commit",
                            encrypted=encrypted)
    assert not outcome.clean and outcome.encrypted == encrypted
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
