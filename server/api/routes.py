"""The one route table of the API."""
from aiohttp import web

from server.api import edge_views, read_views


def setup_routes(app: web.Application) -> None:
    """Every API route, in the order /docs lists them."""
    app.router.add_get("/catalog", read_views.get_catalog, allow_head=False)
    app.router.add_post("/edge/heartbeat", edge_views.post_heartbeat)
    app.router.add_post("/edge/checkout", edge_views.post_checkout)
    app.router.add_post("/edge/sync", edge_views.post_sync)
    app.router.add_get("/edge/orders", edge_views.get_edge_orders, allow_head=False)
    app.router.add_get("/central/orders", read_views.get_central_orders, allow_head=False)
    app.router.add_get("/dashboard/overview", read_views.get_overview, allow_head=False)
    app.router.add_get("/dashboard/kiosks", read_views.get_kiosks, allow_head=False)
    app.router.add_get("/health", read_views.get_health, allow_head=False)
