"""`scripts/bench --quick` as the tests run it: a real run of the chosen sections, its figures
read back from --json, and the check that each of them is a number."""
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_quick_bench(tmp_path: Path, sections: str) -> tuple[str, dict, bytes]:
    """Run the sections at quick sizes; (the table printed, the figures, the plot's bytes)."""
    figures_path, png = tmp_path / "bench.json", tmp_path / "latency.png"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench"), "--quick", "--sections", sections,
         "--json", str(figures_path), "--png", str(png)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"{run.stdout[-2000:]}\n{run.stderr[-4000:]}"
    return run.stdout, json.loads(figures_path.read_text()), png.read_bytes()


def assert_numbers(figures: dict, keys: tuple[str, ...]) -> None:
    """Each key is a finite, non-negative number (not a bool, not null)."""
    for key in keys:
        value = figures[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
        assert math.isfinite(value) and value >= 0, (key, value)
