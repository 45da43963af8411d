"""The latency plot: checkout (alone, beside wallboards, with a backlog held, during the
drain, and the bare reference) and the socket round trips (kiosk acks, sale-to-wallboard
deltas), by percentile, with the issue's p99 targets as dashed lines."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display here, ever: a file only
import matplotlib.pyplot as plt  # noqa: E402

from bench.session import Session  # noqa: E402

SOCKET_SERIES = ("kiosk socket ack", "sale to wallboard delta")
TARGET_LINES = {"checkout": [(20, "checkout p99 target")],
                "sockets": [(50, "ack p99 target"), (250, "delta p99 target")]}
TICKS = (50, 90, 99, 99.9, 99.99)


def _nines(percentile: float) -> float:
    """The x position of a percentile: 1 / (1 - p), on a log axis (HdrHistogram's way)."""
    return 1 / (1 - min(percentile, 99.999) / 100)


def _panel(axis, title: str, series: dict, targets: list) -> None:
    for label, points in series.items():
        points = [(p, ms) for p, ms in points if ms is not None]
        if points:
            axis.plot([_nines(p) for p, _ in points], [ms for _, ms in points],
                      marker="o", label=label)
    if not axis.lines:
        axis.text(0.5, 0.5, "not measured", ha="center", transform=axis.transAxes)
    for ms, label in targets:
        axis.axhline(ms, linestyle="--", linewidth=1, color="grey")
        axis.annotate(label, (_nines(TICKS[0]), ms), fontsize=7, color="grey",
                      xytext=(2, 2), textcoords="offset points")
    axis.set_xscale("log")
    axis.set_xticks([_nines(p) for p in TICKS], [f"p{p:g}" for p in TICKS])
    axis.set_yscale("log")
    axis.set_ylabel("latency (ms)")
    axis.set_title(title)
    axis.grid(True, which="both", alpha=0.3)
    if axis.get_legend_handles_labels()[0]:
        axis.legend(fontsize=8, loc="upper left")


def write_plot(session: Session, path: Path) -> None:
    """Two panels side by side, written as a PNG."""
    checkout = {k: v for k, v in session.series.items() if k not in SOCKET_SERIES}
    sockets = {k: v for k, v in session.series.items() if k in SOCKET_SERIES}
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    _panel(left, "Checkout at 64 connections (wrk)", checkout, TARGET_LINES["checkout"])
    _panel(right, "Socket round trips", sockets, TARGET_LINES["sockets"])
    figure.suptitle(f"Always-On Checkout benchmark ({session.sizes.wrk_s:g} s wrk runs, "
                    f"{session.sizes.sockets:,} kiosk sockets)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
