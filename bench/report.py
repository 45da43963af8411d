"""The figures as a table for people and as JSON for machines, each against its target."""
from bench.session import Session

KEYS = ("checkout_rps", "reference_rps", "checkout_ratio", "checkout_p99_ms",
        "drain_rows_per_s", "drain_p99_ratio", "encrypted_checkout_ratio",
        "encrypted_drain_ratio", "sockets", "socket_ack_p99_ms",
        "rss_per_socket_kb", "delta_p99_ms", "dashboard_msgs_per_s", "start_s", "idle_rss_mb",
        "hq_rows_per_s", "hq_copy_rows_per_s", "hq_ratio", "hq_batch_p99_ms", "hq_herd_s",
        "hq_non503_errors", "hq_single_sales_per_s", "hq_single_sale_p99_ms", "hq_duplicates",
        "hq_rss_mb", "hq_db_connections_max", "bus_rows_per_s", "bus_publish_rows_per_s",
        "bus_ratio", "bus_duplicates")

# key -> (target as people read it, the test); the targets, at full size.
TARGETS = {
    "checkout_ratio": ("≥ 50% of the reference", lambda v: v >= 0.5),
    "checkout_p99_ms": ("≤ 20 ms at 64 connections", lambda v: v <= 20),
    "drain_rows_per_s": ("≥ 20,000 rows/s", lambda v: v >= 20_000),
    "drain_p99_ratio": ("p99 during drain ≤ 2× idle p99", lambda v: v <= 2),
    "encrypted_checkout_ratio": ("≥ 0.85", lambda v: v >= 0.85),
    "encrypted_drain_ratio": ("≥ 0.85", lambda v: v >= 0.85),
    "sockets": ("10,000 held", lambda v: v >= 10_000),
    "socket_ack_p99_ms": ("≤ 50 ms", lambda v: v <= 50),
    "rss_per_socket_kb": ("≤ 30 KB", lambda v: v <= 30),
    "delta_p99_ms": ("≤ 250 ms", lambda v: v <= 250),
    "dashboard_msgs_per_s": ("≤ 5 per wallboard per s", lambda v: v <= 5),
    "start_s": ("≤ 1 s", lambda v: v <= 1),
    "idle_rss_mb": ("≤ 80 MB", lambda v: v <= 80),
    "hq_rows_per_s": ("≥ 30,000 rows/s", lambda v: v >= 30_000),
    "hq_ratio": ("≥ 50% of plain COPY", lambda v: v >= 0.5),
    "hq_batch_p99_ms": ("≤ 250 ms, 1,000 rows, 64 stores", lambda v: v <= 250),
    "hq_non503_errors": ("0 during the herd", lambda v: v == 0),
    "hq_duplicates": ("0", lambda v: v == 0),
    "bus_duplicates": ("0", lambda v: v == 0),
}
UNITS = {"checkout_rps": "/s", "reference_rps": "/s", "checkout_p99_ms": " ms",
         "drain_rows_per_s": "/s", "drain_p99_ratio": "×", "encrypted_checkout_ratio": "×",
         "encrypted_drain_ratio": "×", "socket_ack_p99_ms": " ms",
         "rss_per_socket_kb": " KB", "delta_p99_ms": " ms", "start_s": " s",
         "idle_rss_mb": " MB", "hq_rows_per_s": "/s", "hq_copy_rows_per_s": "/s",
         "hq_batch_p99_ms": " ms", "hq_herd_s": " s", "hq_rss_mb": " MB",
         "hq_single_sales_per_s": "/s", "hq_single_sale_p99_ms": " ms",
         "bus_rows_per_s": "/s", "bus_publish_rows_per_s": "/s"}
NOTES = {"checkout_rps": "durable sales, 64 conns, no sync beside",
         "reference_rps": "bare aiohttp handler, same wrk script",
         "hq_copy_rows_per_s": "same rows, plain COPY + INSERT, no HTTP",
         "hq_herd_s": "stores reconnecting at once, all held",
         "hq_rss_mb": "head office at the end",
         "hq_single_sales_per_s": "one-sale batches, 64 stores at once",
         "hq_single_sale_p99_ms": "a one-sale batch's POST to its 200",
         "hq_db_connections_max": "most PostgreSQL sessions it held",
         "bus_rows_per_s": "same plan on NATS, 2 ingests, all held",
         "bus_publish_rows_per_s": "rows PubAcked, repeats included",
         "bus_ratio": "bus_rows_per_s / hq_rows_per_s"}


def verdicts(figures: dict) -> dict:
    """key -> {"target", "met"} (met is None when the figure was not measured)."""
    return {key: {"target": text, "met": None if figures.get(key) is None
                  else bool(test(figures[key]))}
            for key, (text, test) in TARGETS.items()}


def _value(key: str, value) -> str:
    if value is None:
        return "not measured"
    if key in ("checkout_ratio", "hq_ratio", "bus_ratio"):
        return f"{value:.1%}"
    if isinstance(value, float):
        value = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    else:
        value = f"{value:,}"
    return f"{value}{UNITS.get(key, '')}"


def _latency_rows(session: Session) -> list[str]:
    """p50 / p99 / p99.9 / max of every wrk run and every timed message kind."""
    rows = [f"{'Latency (ms)':<34}{'p50':>9}{'p99':>9}{'p99.9':>9}"]
    for label, points in session.series.items():
        by_p = dict((p, ms) for p, ms in points)
        cells = "".join(f"{by_p.get(p, float('nan')):>9.1f}" for p in (50, 99, 99.9))
        rows.append(f"{label:<34}{cells}")
    return rows


def _checkout_context(session: Session) -> list[str]:
    """What a sale costs beside the bare handler, and the edge's quotes: a sale without its
    write (the checkout section's details)."""
    details = session.details.get("checkout")
    if not details:
        return []
    cpu, quote = details["cpu_us_per_request"], details["quote"]
    return [f"CPU per request: sale {cpu['edge']:,.0f} us, quote {cpu['quote']:,.0f} us, "
            f"bare handler {cpu['reference']:,.0f} us",
            f"Quotes (the same carts priced, no write): {quote['rps']:,.0f}/s, "
            f"{quote['ratio']:.1%} of the reference"]


def _encryption_context(session: Session) -> list[str]:
    """The plain and encrypted edges' medians behind the two ratios (the encryption
    section's details)."""
    details = session.details.get("encryption")
    if not details:
        return []
    plain, encrypted = details["medians"]["plain"], details["medians"]["encrypted"]
    return [f"Encryption ({details['rounds']} rounds, medians, plain vs encrypted): checkout "
            f"{plain['checkout_rps']:,.0f} vs {encrypted['checkout_rps']:,.0f}/s, CPU per sale "
            f"{plain['checkout_cpu_us']:,.0f} vs {encrypted['checkout_cpu_us']:,.0f} us; drain "
            f"{plain['drain_rows_per_s']:,.0f} vs {encrypted['drain_rows_per_s']:,.0f} rows/s, "
            f"CPU per row {plain['drain_cpu_us_per_row']:,.1f} vs "
            f"{encrypted['drain_cpu_us_per_row']:,.1f} us"]


def _hq_context(session: Session) -> list[str]:
    """How head office's steady phase went: its 503s, and how much of its time the last
    stores' backoff took (the hq section's details)."""
    details = session.details.get("hq")
    if not details:
        return []
    steady, copy = details["steady"], details["copy_limit"]
    lines = [f"Head office: {steady['statuses'].get('503', 0):,} answers 503 in the steady "
             f"phase; a batch from its first try to its 200: p99 "
             f"{steady['delivered_p99_ms'] or 0:,.0f} ms; plain COPY best at "
             f"{copy['connections']} connection(s); settings: {details['settings']}"]
    if steady["seconds_to_95_percent"]:
        lines.append(f"Head office took 95% of the rows in {steady['seconds_to_95_percent']:.1f}"
                     f" s ({steady['rows_per_s_to_95_percent']:,.0f} rows/s), all in "
                     f"{steady['seconds']:.1f} s: the rest is the last stores' backoff")
    return lines


def _bus_context(session: Session) -> list[str]:
    """How the bus phase went: when the stream had every batch, when the ledger held every
    row, and what the ingest processes found (the hq section's details)."""
    bus = session.details.get("hq", {}).get("bus")
    if not bus:
        return []
    return [f"The bus: {bus['rows']:,} new rows in {bus['batches']:,} batches from "
            f"{bus['stores']} stores ({bus['repeats']} published again under another id), "
            f"all PubAcked in {bus['publish_seconds']:.1f} s, all held in "
            f"{bus['held_seconds']:.1f} s by {bus['ingest_processes']} ingest processes, "
            f"which found {bus['ingest']['already_present']:,} rows already present"]


def table(session: Session, meta: dict) -> str:
    """The figures, their targets and whether each is met, then the latency percentiles."""
    figures, judged = session.figures, verdicts(session.figures)
    load = ", ".join(f"{x:.2f}" for x in meta["loadavg_before"])
    lines = [f"Always-On Checkout benchmark: {meta['mode']} run, {meta['seconds']:.0f} s, "
             f"{meta['cpus']} CPUs, load average before it {load}",
             f"{'Figure':<26}{'Value':>14}  {'Target':<40}Met"]
    for key in KEYS:
        verdict = judged.get(key)
        target = verdict["target"] if verdict else NOTES.get(key, "")
        met = "" if not verdict or verdict["met"] is None else ("yes" if verdict["met"] else "NO")
        lines.append(f"{key:<26}{_value(key, figures.get(key)):>14}  {target:<40}{met}")
    met = [v["met"] for v in judged.values() if v["met"] is not None]
    lines.append(f"Targets met: {sum(met)} of {len(met)} measured"
                 + (" (quick sizes: the targets are for the full run)"
                    if meta["mode"] == "quick" else ""))
    lines += _checkout_context(session)
    lines += _encryption_context(session)
    lines += _hq_context(session)
    lines += _bus_context(session)
    lines += ["", *_latency_rows(session)]
    if meta["failures"]:
        lines += ["", *(f"FAILED {name}: {why}" for name, why in meta["failures"].items())]
    return "\n".join(lines)


def as_json(session: Session, meta: dict) -> dict:
    """Every key of the issue at the top level (null if not measured), then the rest."""
    return {**{key: session.figures.get(key) for key in KEYS},
            "targets": verdicts(session.figures), "run": meta,
            "latency_percentiles_ms": session.series, "details": session.details}
