"""`python -m server [--host H] [--port P] [--data-dir DIR] [--config FILE]`: run the service."""
import argparse
import asyncio
import logging

import uvloop
from aiohttp import web

from server.config import ADDRESS_FILE, Settings, load_settings
from server.edge_app.factory import create_app
from server.interpreter_settings import tune_interpreter
from server.sqlite import write_private
from server.web.serving import server_options


def add_data_dir_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command shares: where the data lives and the config file."""
    parser.add_argument("--data-dir", help="folder of edge_store.db and central_hq.db")
    parser.add_argument("--config", help="TOML file with any other setting")


def new_event_loop(kind: str) -> asyncio.AbstractEventLoop:
    """uvloop (libuv under asyncio's API: less work per socket event), or the standard loop.
    The test suite's in-process servers run on the standard one, its spawned edges on this."""
    return uvloop.new_event_loop() if kind == "uvloop" else asyncio.new_event_loop()


async def _tune_interpreter_once_started(app: web.Application) -> None:
    tune_interpreter()


def add_listen_arguments(parser: argparse.ArgumentParser, default_port: int) -> None:
    """The options of a service's address."""
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help=f"port to listen on (default {default_port})")


def start_logging(settings) -> None:
    """Log lines with time, level and module, at the settings' level."""
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def record_address(settings: Settings):
    """A start-up hook writing where the store listens into its data dir (its user's only),
    for the links the credential commands print beside the running service."""
    async def record(app: web.Application) -> None:  # after the stores made the data dir
        write_private(settings.data_path / ADDRESS_FILE, settings.link_base() + "\n")
    return record


def run_service(app: web.Application, settings) -> int:
    """Serve an app (the store's or head office's) until interrupted."""
    app.on_startup.append(_tune_interpreter_once_started)  # after the app's start-up work
    web.run_app(app, host=settings.host, port=settings.port,
                loop=new_event_loop(settings.event_loop), **server_options(settings),
                print=lambda text: logging.getLogger("server").info(text.strip()))
    return 0


def main(argv: list[str]) -> int:
    """Run the store's service until interrupted."""
    parser = argparse.ArgumentParser(prog="checkout-server", description=__doc__)
    add_listen_arguments(parser, 8080)
    add_data_dir_arguments(parser)
    args = parser.parse_args(argv)
    settings = load_settings(args.config, host=args.host, port=args.port, data_dir=args.data_dir)
    start_logging(settings)
    if settings.staff_pin == Settings.staff_pin:
        logging.getLogger("server").warning("staff_pin is the default one: set your own")
    app = create_app(settings)
    app.on_startup.append(record_address(settings))
    return run_service(app, settings)
