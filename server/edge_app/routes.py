"""The one route table: every API route, and who may call it."""
from aiohttp import web

from server.edge_app import admin_views, edge_views, read_views, staff_views
from server.edge_app.kiosk_socket import kiosk_socket
from server.hub.feed_socket import feed_socket
from server.web import signin
from server.web.access import ANY_ROLE, DASHBOARD, KIOSK, KIOSK_OR_OPERATOR, OPERATOR, PUBLIC, allow

ROUTES = [
    # method, path, handler, roles, rate limit
    ("GET", "/catalog", read_views.get_catalog, ANY_ROLE, None),
    ("POST", "/edge/heartbeat", edge_views.post_heartbeat, KIOSK, None),
    ("POST", "/edge/quote", edge_views.post_quote, KIOSK_OR_OPERATOR, None),
    ("POST", "/edge/checkout", edge_views.post_checkout, KIOSK, "checkout"),
    ("POST", "/edge/staff/verify", staff_views.post_staff_verify, KIOSK, None),
    ("POST", "/edge/link-override", staff_views.post_link_override, KIOSK, None),
    ("POST", "/edge/sync", edge_views.post_sync, OPERATOR, None),
    ("GET", "/edge/orders", edge_views.get_edge_orders, KIOSK_OR_OPERATOR, None),
    ("GET", "/central/orders", read_views.get_central_orders, OPERATOR, None),
    ("GET", "/dashboard/overview", read_views.get_overview, DASHBOARD, None),
    ("GET", "/dashboard/kiosks", read_views.get_kiosks, DASHBOARD, None),
    ("GET", "/dashboard/history", read_views.get_history, DASHBOARD, None),
    ("GET", "/dashboard/reconciliation", read_views.get_reconciliation, DASHBOARD, None),
    ("GET", "/health", read_views.get_health, PUBLIC, None),
    ("GET", "/metrics", read_views.get_metrics, DASHBOARD, None),
    ("GET", "/signin", signin.get_signin_page, PUBLIC, None),
    ("GET", "/signin.js", signin.get_signin_script, PUBLIC, None),
    ("GET", "/signin.css", signin.get_signin_style, PUBLIC, None),
    ("POST", "/auth/session", signin.post_session, PUBLIC, None),
    ("DELETE", "/auth/session", signin.delete_session, ANY_ROLE, None),
    ("POST", "/admin/kiosks/{kiosk_id}/enrol", admin_views.post_enrol_kiosk, OPERATOR, None),
    ("POST", "/admin/kiosks/{kiosk_id}/revoke", admin_views.post_revoke_kiosk, OPERATOR, None),
    ("POST", "/admin/kiosks/{kiosk_id}/retire", admin_views.post_retire_kiosk, OPERATOR, None),
    ("GET", "/admin/audit", admin_views.get_audit, OPERATOR, None),
    ("GET", "/ws/kiosk", kiosk_socket, KIOSK, None),
    ("GET", "/ws/dashboard", feed_socket("dashboard"), DASHBOARD, None),
]


def setup_routes(app: web.Application) -> None:
    """Add every route with its access rule, in the order /docs lists them."""
    for method, path, handler, roles, rate_limit in ROUTES:
        app.router.add_route(method, path, allow(roles, handler, rate_limit))
