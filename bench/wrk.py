"""wrk: the checkout script (a unique sale per request), running it, reading its numbers."""
import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.processes import child_setup
from bench.progress import PLOT_PERCENTILES, say, ticking
from server.catalog.catalog import Catalog

RESULT_MARK = "BENCH_JSON "
CONNECTIONS, THREADS = 64, 2

LUA = r"""
-- One new sale per request (or one cart to price): a unique idempotency key (run tag,
-- thread, counter, random), 3 to 5 SKUs, the kiosk tokens taken in turn.
local tokens = {%(tokens)s}
local skus = {%(skus)s}
local run_tag = "%(run_tag)s"
local next_thread = 1
counter = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  math.randomseed(os.time() + tid * 7919)
end

function request()
  counter = counter + 1
  local key = string.format("%%s-%%d-%%d-%%06x", run_tag, tid, counter,
                            math.random(0, 0xffffff))
  local lines, first = {}, math.random(1, #skus)
  for i = 0, 2 + counter %% 3 do
    lines[#lines + 1] = string.format('{"sku":"%%s","qty":%%d}',
                                      skus[(first + i) %% #skus + 1], 1 + (counter + i) %% 3)
  end
  local body = %(body)s
  local headers = {["Content-Type"] = "application/json",
                   ["Authorization"] = "Bearer " .. tokens[(counter + tid) %% #tokens + 1]}
  return wrk.format("POST", "%(path)s", headers, body)
end

function done(summary, latency, requests)
  local points = {}
  for _, p in ipairs({%(percentiles)s}) do
    points[#points + 1] = string.format("[%%g,%%d]", p, latency:percentile(p))
  end
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"max_us":%%d,"mean_us":%%g,"percentiles_us":[%%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.max, latency.mean, table.concat(points, ",")))
end
"""


@dataclass
class WrkResult:
    """What one wrk run measured: completed 2xx requests per second and their latency."""

    label: str
    requests: int
    duration_s: float
    errors: dict
    max_ms: float
    percentiles_ms: list = field(default_factory=list)  # [[percentile, ms], ...]

    @property
    def ok_requests(self) -> int:
        """Requests answered without an error (wrk counts a status >= 400 as one)."""
        return self.requests - sum(self.errors.values())

    @property
    def rps(self) -> float:
        """Answered requests per second."""
        return self.ok_requests / self.duration_s if self.duration_s else 0.0

    def p(self, percentile: float) -> float:
        """The latency at one of the measured percentiles, in ms."""
        return dict((p, ms) for p, ms in self.percentiles_ms)[percentile]

    def as_json(self) -> dict:
        """The run as the --json file keeps it."""
        return {"label": self.label, "rps": round(self.rps, 1), "requests": self.requests,
                "duration_s": round(self.duration_s, 2), "errors": self.errors,
                "max_ms": self.max_ms, "percentiles_ms": self.percentiles_ms}


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian's package when missing (as scripts/test does
    for chromium)."""
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: installing Debian's package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or "/usr/bin/wrk"


def sale_skus(catalog: Catalog) -> list[str]:
    """SKUs a kiosk may sell without staff or a scale label: plain products sold each."""
    return [p.sku for p in catalog.products.values() if p.sold_by == "each" and not p.age_limit]


# The request of each route the scripts load, as (path, Lua expression of the body).
ROUTES = {
    "checkout": ("/edge/checkout", """string.format(
    '{"idempotency_key":"%s","items":[%s],"payment":{"method":"card","reference":"TERM-%d"}}',
    key, table.concat(lines, ","), tid)"""),
    "quote": ("/edge/quote", """string.format('{"items":[%s]}', table.concat(lines, ","))"""),
}


def write_checkout_script(path: Path, tokens: list[str], run_tag: str,
                          route: str = "checkout") -> Path:
    """The Lua script for one run; `run_tag` keeps its keys apart from every other run's.
    `route` "quote" prices the same carts instead of selling them."""
    skus = sale_skus(Catalog.load(None))
    url_path, body = ROUTES[route]
    path.write_text(LUA % {
        "tokens": ", ".join(json.dumps(t) for t in tokens),
        "skus": ", ".join(json.dumps(s) for s in skus),
        "run_tag": run_tag, "mark": RESULT_MARK, "path": url_path, "body": body,
        "percentiles": ", ".join(str(p) for p in PLOT_PERCENTILES)})
    return path


def parse_output(label: str, stdout: str) -> WrkResult:
    """Read the line the script's done() printed."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARK):
            raw = json.loads(line[len(RESULT_MARK):])
            errors = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")}
            points = [[p, round(us / 1000, 3)] for p, us in raw["percentiles_us"]]
            return WrkResult(label, raw["requests"], raw["duration_us"] / 1e6, errors,
                             round(raw["max_us"] / 1000, 3), points)
    raise RuntimeError(f"wrk printed no result for {label}:\n{stdout[-2000:]}")


async def run_wrk(label: str, url: str, script: Path, duration_s: float,
                  until: asyncio.Event | None = None) -> WrkResult:
    """Run wrk (64 connections, 2 threads) for `duration_s`, or until `until` is set (then
    SIGINT: wrk stops and still reports), printing progress every 2 s."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        ensure_wrk(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(duration_s))}s",
        "--timeout", "10s", "-s", str(script), url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=child_setup())
    output = asyncio.ensure_future(proc.communicate())
    limit = f"{duration_s:.0f} s" if until is None else "the end of the drain"
    try:
        async with ticking(lambda: f"{label}: wrk running {time.monotonic() - started:.0f} s "
                                   f"(until {limit})"):
            if until is not None:
                stop = asyncio.ensure_future(until.wait())
                await asyncio.wait({output, stop}, return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                if not output.done():
                    proc.send_signal(signal.SIGINT)
            stdout, _ = await output
    finally:
        if proc.returncode is None:  # we were cancelled or failed: no wrk left behind
            proc.kill()
    result = parse_output(label, stdout.decode())
    say(f"{label}: {result.rps:.0f} req/s, p99 {result.p(99):.1f} ms, errors {result.errors}")
    return result
