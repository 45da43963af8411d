"""The store's API description at /docs and /openapi.json, with the limits only its
settings know: which carts a client may send (and a fuzzer will not take for a bug)."""
from aiohttp import web

from server.config import Settings
from server.edge_app import access_schemas, answers, dashboard_schemas, schemas
from server.web import order_answers
from server.web.docs import setup_docs

DESCRIPTION = (
    "Self-checkout that never loses a sale. Kiosks record sales at the store's edge, which "
    "commits each one before it answers and later drains them, exactly once, into the central "
    "ledger. Money is integer öre (SEK)."
)


def setup_store_docs(app: web.Application, settings: Settings) -> None:
    """/docs for the store's routes (call after every route is added)."""
    spec = setup_docs(app, "Always-On Checkout", DESCRIPTION,
                      (schemas, answers, order_answers, access_schemas, dashboard_schemas))
    definitions = spec["definitions"]
    definitions["CheckoutLine"]["properties"]["qty"]["maximum"] = settings.max_line_qty
    for name in ("CheckoutRequest", "QuoteRequest"):
        definitions[name]["properties"]["items"]["maxItems"] = settings.max_order_lines
