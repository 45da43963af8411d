"""The shape of the code holds by itself: the layers run one way (import-linter's contracts
in pyproject.toml), the style is ruff's, the domain knows nothing of HTTP, the app keys pull
in no classes, no module grows past 300 lines, and no two migrations share a number."""
import ast
import configparser
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOMAIN = ("edge", "central", "journal", "catalog", "sync", "auth", "dashboard", "bus")
WEB_LAYER = ("aiohttp.web", "server.web", "server.hub", "server.service", "server.edge_app")
SCRIPTS = ("bench", "check_history", "screenshots", "simulate", "torture", "project_env.py")
MAX_LINES = 300


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_are_kept():
    done = run(str(BIN / "lint-imports"), "--no-logo", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_code_is_ruff_clean():
    done = run(str(BIN / "ruff"), "check", "server", "tests", "bench", "reliability",
               *(f"scripts/{name}" for name in SCRIPTS))
    assert done.returncode == 0, done.stdout + done.stderr


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, as written (`from aiohttp import web` is aiohttp.web)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_domain_imports_nothing_of_http_sockets_or_the_factories():
    for package in DOMAIN:
        for path in (ROOT / "server" / package).rglob("*.py"):
            reached = {module for module in imported_modules(path)
                       if module.startswith(WEB_LAYER)}
            assert not reached, f"{path.relative_to(ROOT)} imports {sorted(reached)}"


def test_no_import_circles_between_packages():
    graph = grimp.build_graph("server", exclude_type_checking_imports=True)
    packages = sorted({".".join(m.split(".")[:2]) for m in graph.modules if "." in m})
    for first in packages:
        for second in packages:
            if first < second:
                both_ways = (graph.chain_exists(first, second, as_packages=True)
                             and graph.chain_exists(second, first, as_packages=True))
                assert not both_ways, f"{first} and {second} import each other"


def test_the_app_keys_pull_in_no_class_at_run_time():
    code = ("import sys, server.web.keys, server.edge_app.keys; "
            "print(sorted(m for m in sys.modules if m.startswith('server.')))")
    done = run(sys.executable, "-c", code)
    assert done.returncode == 0, done.stderr
    assert set(eval(done.stdout)) == {"server.web.keys", "server.edge_app.keys", "server.web",
                                      "server.edge_app"}


def test_no_module_is_over_300_lines():
    for folder in ("server", "bench", "reliability", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = len(path.read_text().splitlines())
            assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def test_every_migration_has_a_number_of_its_own():
    # schema_migrations records a version once: a second file of the same number is never
    # applied (0003_totals_by_day.sql was not, beside 0003_catalogs.sql, until renumbered).
    from server.schema import SCHEMA_ROOT, migrations
    for folder in SCHEMA_ROOT.iterdir():
        versions = [version for version, _ in migrations(folder)] if folder.is_dir() else []
        assert len(versions) == len(set(versions)), f"{folder.name}: {versions}"


def test_the_test_tools_are_declared_in_the_test_extra():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    extra = config["options.extras_require"]["test"]
    for tool in ("pytest", "hypothesis", "playwright", "schemathesis", "import-linter", "ruff"):
        assert f"\n{tool}" in f"\n{extra}", f"{tool} is used by the tests but not declared"
