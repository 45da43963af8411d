"""The project's tools run however they are started, and a second start does not wait for
pip: the tools (simulate, check_history, torture, bench) started by an interpreter that cannot
import the project's packages start again in the project's .venv; scripts/setup-env installs
only when pyproject.toml, setup.cfg or the interpreter changed since the last time."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The interpreter the .venv was made from, without its site-packages (-S): it cannot import
# aiohttp, as a machine's own python3 cannot.
BARE_PYTHON = (str(Path(sys.base_prefix) / "bin" / "python3"), "-S")
TOOLS = {"simulate": "usage: simulate", "check_history": "usage: check_history",
         "torture": "needs root", "bench": "usage: scripts/bench"}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_a_tool_started_outside_the_project_env_runs_in_it(tool, tmp_path):
    bare = subprocess.run([*BARE_PYTHON, "-c", "import aiohttp"], capture_output=True)
    assert bare.returncode != 0  # the premise: this interpreter cannot import aiohttp
    done = subprocess.run([*BARE_PYTHON, str(ROOT / "scripts" / tool), "--help"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert TOOLS[tool] in done.stdout
    assert "(default:" in done.stdout  # every option says its default where it has one


def test_a_second_setup_does_not_run_pip():
    first = subprocess.run([str(ROOT / "scripts" / "setup-env")], cwd=ROOT, capture_output=True,
                           text=True, timeout=600)
    second = subprocess.run([str(ROOT / "scripts" / "setup-env")], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert second.stdout.strip() == "setup: .venv is up to date with pyproject.toml and setup.cfg"
