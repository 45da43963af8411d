"""The kiosk's service worker (web/kiosk/static/sw.js), served so that it may control the
kiosk pages: with it, a kiosk reloaded while the edge is down still shows its own page.

A worker may control only the paths under its script's folder unless the script's answer
allows more. It stays with the kiosk's other assets, at /static/kiosk/sw.js, and says
`Service-Worker-Allowed: /kiosk/` so that offline.js can register it for /kiosk/; a script
under /kiosk/ itself would share the path space of `/kiosk/{kiosk_id}` (a kiosk could not be
named like the script).

The worker must keep every module the page imports, or the first reload without the edge
fails on the one it lacks. Rather than a list in the script that goes stale each time a
module is added, the edge writes in the scripts and style sheets it serves to the kiosk; a
changed list is a changed script, which browsers install anew.
"""
import json

from aiohttp import web

from server.web.access import PUBLIC, allow
from server.web.assets import WEB

WORKER = WEB / "kiosk" / "static" / "sw.js"
WORKER_URL = "/static/kiosk/sw.js"
WORKER_SCOPE = "/kiosk/"
SHELL_FOLDERS = {"/static/kiosk": WEB / "kiosk" / "static",
                 "/static/common": WEB / "common" / "static"}
SHELL_SLOT = "[/* the edge writes the shell in here */]"


def shell_urls() -> list[str]:
    """The URLs of every script and style sheet a kiosk page may load (the worker aside)."""
    return sorted(f"{prefix}/{path.name}" for prefix, folder in SHELL_FOLDERS.items()
                  for path in folder.iterdir()
                  if path.suffix in {".js", ".css"} and path != WORKER)


def worker_script() -> str:
    """sw.js with the shell's URLs written into its slot."""
    source = WORKER.read_text(encoding="utf-8")
    if SHELL_SLOT not in source:
        raise RuntimeError(f"{WORKER.name} lost its slot for the shell: {SHELL_SLOT}")
    return source.replace(SHELL_SLOT, json.dumps(shell_urls()))


def add_kiosk_worker(app: web.Application) -> None:
    """Serve the kiosk's service worker. Its exact path wins over the asset folder's
    `/static/kiosk/{name}` in aiohttp's router, whatever the order they are added in."""
    script = worker_script()  # the files as at start, as the asset folders serve them

    async def kiosk_worker(request: web.Request) -> web.Response:
        # no-cache: a changed worker is picked up at the next page load, not a day later
        return web.Response(text=script, content_type="text/javascript", charset="utf-8",
                            headers={"Service-Worker-Allowed": WORKER_SCOPE,
                                     "Cache-Control": "no-cache"})

    app.router.add_get(WORKER_URL, allow(PUBLIC, kiosk_worker), allow_head=False)
