"""The browser pages (aiohttp-jinja2): the index and the kiosk app.

Pages are open routes that look at the session themselves, so a browser that is not signed
in gets a page saying how to sign in rather than a JSON 401.
"""
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from server.api.assets import add_asset_folder
from server.auth.access import PUBLIC, allow
from server.auth.middleware import authenticate
from server.errors import Unauthorized
from server.keys import SETTINGS

WEB = Path(__file__).resolve().parent.parent / "web"


async def index(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("index.html", request, {})


async def kiosk_page(request: web.Request) -> web.Response:
    """The kiosk app for one kiosk, for a browser signed in as that kiosk."""
    kiosk_id = request.match_info["kiosk_id"]
    try:
        principal, _ = await authenticate(request)
    except Unauthorized:
        principal = None
    if principal is None or principal.role != "kiosk" or principal.kiosk_id != kiosk_id:
        context = {"kiosk_id": kiosk_id, "signed_in_as": principal and principal.actor}
        return aiohttp_jinja2.render_template("signed_out.html", request, context, status=403
                                              if principal else 401)
    settings = request.app[SETTINGS]
    return aiohttp_jinja2.render_template("kiosk.html", request, {
        "kiosk_id": kiosk_id,
        "central_health_url": settings.central_health_url,
        "idle_timeout_s": settings.kiosk_idle_timeout_s,
        "idle_warning_s": settings.kiosk_idle_warning_s,
    })


def setup_pages(app: web.Application) -> None:
    """Templates, static files and the page routes."""
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(
        [WEB / "common" / "templates", WEB / "kiosk" / "templates"]), autoescape=True)
    add_asset_folder(app, "/static/kiosk", WEB / "kiosk" / "static")
    app.router.add_get("/", allow(PUBLIC, index), allow_head=False)
    app.router.add_get("/kiosk/{kiosk_id}", allow(PUBLIC, kiosk_page), allow_head=False)
