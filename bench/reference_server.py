"""The reference: a bare aiohttp handler that parses the checkout's JSON and answers.

It is the framework's ceiling on this machine, measured by the same wrk script as the edge,
on the same event loop as the edge (the `event_loop` setting, CHECKOUT_EVENT_LOOP included)
and with the same interpreter settings (server.interpreter_settings):
`python -m bench.reference_server --port P`.
"""
import argparse
import logging

from aiohttp import web

from server.cli.serve import new_event_loop
from server.config import load_settings
from server.interpreter_settings import tune_interpreter


async def post_checkout(request: web.Request) -> web.Response:
    """Parse the same body the edge gets and answer 201 with a small JSON object."""
    body = await request.json()
    lines = len(body.get("items", []))
    return web.json_response({"idempotency_key": body.get("idempotency_key"),
                              "lines": lines}, status=201)


async def get_health(request: web.Request) -> web.Response:
    """Answer 200 so the benchmark knows when it is up."""
    return web.json_response({"status": "ok"})


def create_app() -> web.Application:
    """The two routes the benchmark calls."""
    app = web.Application()
    app.router.add_post("/edge/checkout", post_checkout)
    app.router.add_get("/health", get_health)
    return app


def main() -> None:
    """Serve on 127.0.0.1 until interrupted, logging like the edge does (WARNING)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    tune_interpreter()
    web.run_app(create_app(), host="127.0.0.1", port=args.port, print=None,
                loop=new_event_loop(load_settings(None).event_loop))


if __name__ == "__main__":
    main()
