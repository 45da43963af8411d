"""Head office's route table: every route, and who may call it. A store is a caller by its
signature (role `store`); people by their tokens or a browser session."""
import aiohttp_jinja2
import jinja2
from aiohttp import web

from server.hq import board_views, catalog_views, status_views, views
from server.web import signin
from server.web.access import PUBLIC, allow
from server.web.assets import WEB, add_asset_folder

HQ_PEOPLE = frozenset({"hq-operator", "hq-dashboard"})
STORE = frozenset({"store"})
HQ_READERS = HQ_PEOPLE | STORE

ROUTES = [
    # method, path, handler, roles, rate limit
    ("POST", "/hq/v1/batches", views.post_batch, STORE, None),
    ("POST", status_views.STATUS_PATH, status_views.post_status, STORE, None),
    ("GET", "/hq/v1/orders", views.get_orders, HQ_READERS, None),
    ("GET", "/hq/v1/stores", views.get_stores, HQ_PEOPLE, None),
    ("GET", "/hq/v1/stores/{store_id}/totals", views.get_store_totals, HQ_READERS, None),
    ("GET", "/hq/v1/stores/{store_id}/status", status_views.get_store_status, HQ_READERS, None),
    ("GET", "/hq/v1/stores/{store_id}/batches", views.get_store_batches, HQ_PEOPLE, None),
    ("GET", "/hq/v1/stores/{store_id}/refused-rows", views.get_refused_rows, HQ_READERS, None),
    ("GET", "/hq/v1/catalogs", catalog_views.get_catalogs, HQ_READERS, None),
    ("GET", "/hq/v1/catalogs/in-use", catalog_views.get_catalogs_in_use, HQ_PEOPLE, None),
    ("GET", "/hq/v1/board", board_views.get_board, HQ_PEOPLE, None),
    ("GET", "/hq/v1/stores/{store_id}/board", board_views.get_store_board, HQ_PEOPLE, None),
    ("GET", "/ws/hq", board_views.board_socket, HQ_PEOPLE, None),
    ("GET", "/hq", board_views.board_page, PUBLIC, None),
    ("GET", "/hq/stores/{store_id}", board_views.store_page, PUBLIC, None),
    ("GET", "/health", views.get_health, PUBLIC, None),
    ("GET", "/metrics", views.get_metrics, HQ_PEOPLE, None),
    ("GET", "/signin", signin.get_signin_page, PUBLIC, None),
    ("GET", "/signin.js", signin.get_signin_script, PUBLIC, None),
    ("GET", "/signin.css", signin.get_signin_style, PUBLIC, None),
    ("POST", "/auth/session", signin.post_session, PUBLIC, None),
    ("DELETE", "/auth/session", signin.delete_session, HQ_PEOPLE, None),
]


async def index(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("hq_index.html", request, {})


def setup_routes(app: web.Application) -> None:
    """Add every route with its access rule, the pages and their files."""
    for method, path, handler, roles, rate_limit in ROUTES:
        app.router.add_route(method, path, allow(roles, handler, rate_limit))
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader([WEB / "hq" / "templates"]),
                         autoescape=True)
    for part in ("hq", "common", "dashboard"):  # the store wallboard's charts and feed too
        add_asset_folder(app, f"/static/{part}", WEB / part / "static")
    app.router.add_get("/", allow(PUBLIC, index), allow_head=False)
