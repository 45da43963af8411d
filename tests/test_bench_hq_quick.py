"""`scripts/bench --sections hq --quick` keeps working: head office as a process on a
database of its own, simulated stores signing their batches, the plain COPY beside it; every
hq figure comes out as a number, no row is held twice and the herd meets no error but 503;
then the same kind of plan published to NATS JetStream and taken by two `hq ingest`
processes: every bus figure a number, every published row held once, the repeats found
already present. No timing thresholds here (machines differ and CI is busy); the full run
reports each target as met or not. It needs PostgreSQL and NATS, as the chain's and the
bus's tests do (scripts/test starts them)."""
from tests.quick_bench import PNG_SIGNATURE, assert_numbers, run_quick_bench

KEYS = ("hq_rows_per_s", "hq_copy_rows_per_s", "hq_ratio", "hq_batch_p99_ms", "hq_herd_s",
        "hq_non503_errors", "hq_duplicates", "hq_rss_mb", "hq_db_connections_max",
        "hq_single_sales_per_s", "hq_single_sale_p99_ms", "bus_rows_per_s",
        "bus_publish_rows_per_s", "bus_ratio", "bus_duplicates")


def test_quick_hq_benchmark_reports_every_figure(tmp_path):
    table, figures, png = run_quick_bench(tmp_path, "hq")
    assert_numbers(figures, KEYS)
    assert figures["hq_duplicates"] == 0 and figures["hq_non503_errors"] == 0
    assert figures["hq_rows_per_s"] > 0 and figures["hq_copy_rows_per_s"] > 0
    details = figures["details"]["hq"]
    assert details["rows_held"] == details["rows_expected"]  # every batch got in, once
    assert details["steady"]["already_present"] > 0  # the repeated batches were sent
    assert details["single_sales"]["inserted"] == details["single_sales"]["batches"] > 0
    assert_bus_figures(figures)
    assert png[:8] == PNG_SIGNATURE
    assert "hq_ratio" in table and "Target" in table


def assert_bus_figures(figures: dict) -> None:
    """The bus phase's figures: every published row held once, the repeats taken too."""
    assert figures["bus_duplicates"] == 0
    assert figures["bus_rows_per_s"] > 0 and figures["bus_publish_rows_per_s"] > 0
    assert figures["bus_ratio"] > 0
    bus = figures["details"]["hq"]["bus"]
    assert bus["rows_held"] == bus["rows"] > 0  # every new row published is held, once
    assert bus["ingest"]["inserted"] == bus["rows"]  # ... by the two ingest processes
    assert bus["repeats"] > 0 and bus["ingest"]["already_present"] > 0  # repeats reached it
    # every repeated row was found already present (a redelivery would add more)
    assert bus["ingest"]["already_present"] >= bus["rows_published"] - bus["rows"]
    assert bus["duplicate_pubacks"] == 0  # no repeat was dropped by JetStream's window
