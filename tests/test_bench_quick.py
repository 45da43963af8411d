"""`scripts/bench --quick` keeps working: every figure of the edge's sections comes out as a
number and the latency plot is drawn (head office's section has its own test,
tests/test_bench_hq_quick.py). No timing thresholds here (machines differ and CI is
busy); the full run reports each target as met or not."""
from tests.quick_bench import PNG_SIGNATURE, assert_numbers, run_quick_bench

KEYS = ("checkout_rps", "reference_rps", "checkout_ratio", "checkout_p99_ms",
        "drain_rows_per_s", "drain_p99_ratio", "encrypted_checkout_ratio",
        "encrypted_drain_ratio", "sockets", "socket_ack_p99_ms",
        "rss_per_socket_kb", "delta_p99_ms", "dashboard_msgs_per_s", "start_s", "idle_rss_mb")


def test_quick_benchmark_reports_every_figure_and_draws_the_plot(tmp_path):
    table, figures, png = run_quick_bench(
        tmp_path, "footprint,checkout,dashboards,drain,encryption,sockets")
    assert_numbers(figures, KEYS)
    assert figures["sockets"] > 0 and figures["checkout_rps"] > 0
    # The encrypted edge sold and drained, on files that are encrypted indeed.
    assert figures["encrypted_checkout_ratio"] > 0 and figures["encrypted_drain_ratio"] > 0
    files = figures["details"]["encryption"]["files"]
    assert files == {"plain": ["plain", "plain"], "encrypted": ["encrypted", "encrypted"]}
    cpu = figures["details"]["checkout"]["cpu_us_per_request"]
    assert cpu["edge"] > 0 and cpu["reference"] > 0 and cpu["quote"] > 0  # all were sampled
    quote = figures["details"]["checkout"]["quote"]
    assert quote["rps"] > 0 and quote["errors"]["status"] == 0  # every cart was priced
    assert png[:8] == PNG_SIGNATURE
    assert "checkout_ratio" in table and "Target" in table
