"""The project's tools (simulate, check_history, torture, bench) run in the project's own
environment however they are started (`python3 scripts/bench`, `./scripts/bench`, from any
directory): when the interpreter is not the project's `.venv`, the tool starts again in it,
with the same arguments, after making it with scripts/setup-env if it is missing. Standard
library only: this runs before anything the project needs is importable."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"


def in_project_env(script: str) -> None:
    """Return at once in the project's environment; else re-run `script` there."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not VENV_PYTHON.exists():
        print(f"{Path(script).name}: the project's environment is missing; making it "
              "(scripts/setup-env)", file=sys.stderr)
        subprocess.run([str(ROOT / "scripts" / "setup-env")], check=True)
    os.execv(VENV_PYTHON, [str(VENV_PYTHON), script, *sys.argv[1:]])
