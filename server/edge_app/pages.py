"""The browser pages (aiohttp-jinja2): the index, the kiosk app and the wallboard.

Pages are open routes that look at the session themselves, so a browser that is not signed
in gets a page saying how to sign in rather than a JSON 401.
"""
import aiohttp_jinja2
import jinja2
from aiohttp import web

from server.edge_app.kiosk_worker import add_kiosk_worker
from server.errors import Unauthorized
from server.web.access import DASHBOARD, PUBLIC, allow
from server.web.assets import WEB, add_asset_folder
from server.web.authentication import authenticate
from server.web.keys import SETTINGS


async def index(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("index.html", request, {})


async def _principal(request: web.Request):
    """Who the browser is signed in as, or None."""
    try:
        principal, _ = await authenticate(request)
    except Unauthorized:
        principal = None
    return principal


def _signed_out(request: web.Request, principal, page: str, kiosk_id: str = "") -> web.Response:
    """A page saying how to sign in: 401 when nobody is signed in, 403 for the wrong role."""
    context = {"page": page, "kiosk_id": kiosk_id,
               "signed_in_as": principal and principal.actor}
    return aiohttp_jinja2.render_template("signed_out.html", request, context,
                                          status=403 if principal else 401)


async def kiosk_page(request: web.Request) -> web.Response:
    """The kiosk app for one kiosk, for a browser signed in as that kiosk."""
    kiosk_id = request.match_info["kiosk_id"]
    principal = await _principal(request)
    if principal is None or principal.role != "kiosk" or principal.kiosk_id != kiosk_id:
        return _signed_out(request, principal, "kiosk", kiosk_id)
    settings = request.app[SETTINGS]
    return aiohttp_jinja2.render_template("kiosk.html", request, {
        "kiosk_id": kiosk_id,
        "central_health_url": settings.central_health_url,
        "idle_timeout_s": settings.kiosk_idle_timeout_s,
        "idle_warning_s": settings.kiosk_idle_warning_s,
        "receipt_timeout_s": settings.kiosk_receipt_timeout_s,
        "store_name": settings.store_name or settings.store_id,
        "store_timezone": settings.store_timezone,
    })


async def dashboard_page(request: web.Request) -> web.Response:
    """The wallboard, for a browser signed in as a dashboard or an operator."""
    principal = await _principal(request)
    if principal is None or principal.role not in DASHBOARD:
        return _signed_out(request, principal, "dashboard")
    settings = request.app[SETTINGS]
    return aiohttp_jinja2.render_template("dashboard.html", request, {
        "backlog_alert_s": settings.dashboard_backlog_alert_s,
        "store_timezone": settings.store_timezone,
    })


def setup_pages(app: web.Application) -> None:
    """Templates, static files and the page routes."""
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(
        [WEB / "common" / "templates", WEB / "kiosk" / "templates",
         WEB / "dashboard" / "templates"]), autoescape=True)
    for part in ("common", "kiosk", "dashboard"):
        add_asset_folder(app, f"/static/{part}", WEB / part / "static")
    add_kiosk_worker(app)
    app.router.add_get("/", allow(PUBLIC, index), allow_head=False)
    app.router.add_get("/kiosk/{kiosk_id}", allow(PUBLIC, kiosk_page), allow_head=False)
    app.router.add_get("/dashboard", allow(PUBLIC, dashboard_page), allow_head=False)
