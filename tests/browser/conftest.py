"""Browser tests: the real service as a process, driven by Debian's Chromium via Playwright.

One Chromium serves the whole session (starting Playwright's driver and the browser costs
~2 s, which was paid again by every test); each test still gets pages of its own, in fresh
contexts (their own cookies, storage and service workers), closed when the test ends. A shared
browser lives in one event loop, so every async test here runs in the session's loop."""
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import async_playwright
from pytest_asyncio import is_async_test

from reliability.edge_process import ARGS, CHROMIUM, Edge

HERE = Path(__file__).parent
IN_SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")


def pytest_collection_modifyitems(items):
    """Run this folder's async tests in the session's loop, where the shared Chromium lives."""
    for item in items:
        if is_async_test(item) and HERE in Path(item.path).parents:
            item.add_marker(IN_SESSION_LOOP, append=False)


def pytest_configure(config):
    """The marker a test uses to take its module's shared edge (see `edge`)."""
    config.addinivalue_line(
        "markers", "shared_edge: the test leaves the edge as it found it (no stop, no "
        "settings, nothing it needs to be first at), so it may use its module's shared one")


def start_edge(data_dir: Path, env: dict | None = None) -> Edge:
    """An edge on `data_dir`, started."""
    server = Edge(data_dir, env)
    server.start()
    return server


@pytest.fixture(scope="module")
def module_edge(tmp_path_factory):
    """One running edge for a module's `shared_edge` tests (a start costs ~1.5 s each)."""
    server = start_edge(tmp_path_factory.mktemp("shared") / "data")
    yield server
    if server.running:
        server.stop()


@pytest.fixture
def edge(tmp_path, request):
    """A running edge whose first start printed its demo fleet. Settings for it come from
    `@pytest.mark.edge_env(NAME=value)` as CHECKOUT_* environment variables. A test marked
    `shared_edge` gets its module's shared edge instead of one of its own."""
    marker = request.node.get_closest_marker("edge_env")
    if request.node.get_closest_marker("shared_edge"):
        assert marker is None, "a test with settings of its own needs an edge of its own"
        yield request.getfixturevalue("module_edge")
        return
    env = {f"CHECKOUT_{k.upper()}": str(v) for k, v in (marker.kwargs if marker else {}).items()}
    server = start_edge(tmp_path / "data", env)
    yield server
    if server.proc.poll() is None:
        server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_chromium():
    """One Chromium for the session's browser tests; see `browser` for what each test gets."""
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def browser(shared_chromium):
    """The Chromium to open pages and contexts in; whatever the test leaves open is closed
    after it, so no page of one test runs on (sockets, timers) into the next. Contexts that
    were open before the test (a module's shared page) are left alone."""
    before = set(shared_chromium.contexts)
    yield shared_chromium
    for context in shared_chromium.contexts:
        if context not in before:
            await context.close()
