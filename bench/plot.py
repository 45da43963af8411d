"""The latency plot: checkout (alone, beside wallboards, with a backlog held, during the
drain, and the bare reference), the socket round trips (kiosk acks, sale-to-wallboard
deltas) and head office's batches (a POST to its 200, a batch's first try to its 200 with
503s waited out, and a one-sale batch's POST), by percentile, with the issue's p99 targets
as dashed lines; a panel for each kind measured."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display here, ever: a file only
import matplotlib.pyplot as plt  # noqa: E402

from bench.session import Session  # noqa: E402

SOCKET_SERIES = ("kiosk socket ack", "sale to wallboard delta")
HQ_PREFIX = "head office"  # the hq section's series (bench/hq.py) start so
TARGET_LINES = {"checkout": [(20, "checkout p99 target")],
                "sockets": [(50, "ack p99 target"), (250, "delta p99 target")],
                "hq": [(250, "1,000-row batch p99 target")]}
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


def _panel_of(label: str) -> str:
    if label in SOCKET_SERIES:
        return "sockets"
    return "hq" if label.startswith(HQ_PREFIX) else "checkout"


def write_plot(session: Session, path: Path) -> None:
    """A panel for each kind of series measured (all three after a full run), side by
    side, written as a PNG."""
    sizes = session.sizes
    titles = {"checkout": "Checkout at 64 connections (wrk)", "sockets": "Socket round trips",
              "hq": f"Head office, {sizes.hq_at_once} stores at once"}
    series = {name: {} for name in TARGET_LINES}
    for label, points in session.series.items():
        series[_panel_of(label)][label] = points
    shown = [name for name in TARGET_LINES if series[name]] or list(TARGET_LINES)
    figure, axes = plt.subplots(1, len(shown), figsize=(6.5 * len(shown), 5.5), squeeze=False)
    for axis, name in zip(axes[0], shown, strict=True):
        _panel(axis, titles[name], series[name], TARGET_LINES[name])
    about = {"checkout": f"{sizes.wrk_s:g} s wrk runs",
             "sockets": f"{sizes.sockets:,} kiosk sockets",
             "hq": f"{sizes.hq_rows:,} rows to head office"}
    figure.suptitle(f"Always-On Checkout benchmark ({', '.join(about[n] for n in shown)})")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
