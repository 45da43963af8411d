"""A client process holding many kiosk sockets (one process holds at most ~19,000: its fd
limit is 20,000), run by bench.sockets:

    python -m bench.socket_worker --url URL --tokens FILE --first I --count N
        --interval 5 --hold 30

It connects its sockets, says `ready`, waits for `go` on stdin, heartbeats every `interval`
seconds for `hold` seconds, then reports every ack's round trip and exits. It speaks JSON
lines on stdout; it stops by itself (and when its parent dies, via PDEATHSIG).
"""
import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

import aiohttp

from bench.kiosk_client import KioskSocket
from server.interpreter_settings import tune_interpreter

CONNECT_CONCURRENCY = 100


def emit(event: str, **fields) -> None:
    """One JSON line for the parent."""
    print(json.dumps({"event": event, **fields}), flush=True)


async def connect_all(sockets: list[KioskSocket]) -> int:
    """Open every socket, a hundred handshakes at a time; return how many failed."""
    gate, failed, done = asyncio.Semaphore(CONNECT_CONCURRENCY), 0, 0

    async def one(sock: KioskSocket):
        nonlocal failed, done
        async with gate:
            try:
                await sock.connect()
            except (aiohttp.ClientError, OSError):
                failed += 1
            done += 1

    async def progress():
        while True:
            await asyncio.sleep(1)
            emit("connecting", connected=done - failed, failed=failed)

    reporter = asyncio.ensure_future(progress())
    await asyncio.gather(*(one(sock) for sock in sockets))
    reporter.cancel()
    return failed


async def beat_until(sock: KioskSocket, interval_s: float, deadline: float) -> bool:
    """Heartbeat from a random phase every `interval_s` until `deadline`; False on failure."""
    next_at = time.monotonic() + random.uniform(0, interval_s)
    while next_at < deadline:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        try:
            await sock.heartbeat(timeout_s=30)
        except (aiohttp.ClientError, ConnectionError, OSError, RuntimeError, TimeoutError):
            return False
        next_at += interval_s
    return True


async def heartbeat_phase(sockets: list[KioskSocket], interval_s: float, hold_s: float):
    """Every open socket heartbeats for `hold_s`; progress every 2 s; how many held."""
    deadline = time.monotonic() + hold_s
    beats = [asyncio.ensure_future(beat_until(s, interval_s, deadline)) for s in sockets]
    while not all(b.done() for b in beats):
        await asyncio.wait(beats, timeout=2)
        emit("beating", acks=sum(len(s.latencies_ms) for s in sockets),
             failed=sum(1 for b in beats if b.done() and not b.result()))
    return sum(1 for b in beats if b.result())


async def work(args: argparse.Namespace) -> None:
    """Connect, wait for go, heartbeat, report, close."""
    lines = args.tokens.read_text().split("\n")[args.first:args.first + args.count]
    tokens = [line.split()[1] for line in lines if line.strip()]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        sockets = [KioskSocket(http, args.url, token) for token in tokens]
        failed = await connect_all(sockets)
        emit("ready", connected=len(sockets) - failed, failed=failed)
        command = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        open_sockets = [s for s in sockets if s.ws is not None]
        held = 0
        if command.strip() == "go":
            held = await heartbeat_phase(open_sockets, args.interval, args.hold)
        latencies = [round(ms, 3) for s in open_sockets for ms in s.latencies_ms]
        emit("done", held=held, connect_failed=failed, acks=len(latencies),
             latencies_ms=latencies)
        await asyncio.gather(*(s.close() for s in open_sockets), return_exceptions=True)


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--tokens", type=Path, required=True,
                        help="a file of `kiosk_id token` lines")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--hold", type=float, default=30.0)
    # The edge's interpreter settings: at the default collector ones a worker holding 2,500 sockets
    # paused up to 0.3 s in full collections, and the acks it timed meanwhile looked slow.
    tune_interpreter()
    asyncio.run(work(parser.parse_args()))


if __name__ == "__main__":
    main()
