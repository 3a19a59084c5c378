"""``webnn bench``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webnn.cli.bench import latency_stats

from ._util import one_line_error, webnn_cli


@pytest.mark.slow
def test_bench_json(files: Path) -> None:
    p = webnn_cli("bench", str(files / "g.webnn"), "--iterations", "20", "--warmup", "2", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["iterations"] == 20 and r["warmup"] == 2
    assert r["min_ms"] <= r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] <= r["max_ms"] and r["throughput_per_s"] > 0
    assert "bench: 20/20" in p.stderr  # plain progress lines when piped, no bar
    assert "\r" not in p.stderr
    p = webnn_cli("bench", str(files / "g.webnn"), "-n", "5", "--mode", "dispatch")
    assert p.returncode == 0, p.stderr
    assert "p50" in p.stdout and "runs/s" in p.stdout and "dispatch" in p.stdout


def test_latency_stats_interpolate_linearly() -> None:
    r = latency_stats([0.005, 0.001, 0.003, 0.002, 0.004], total=0.02)
    assert r["min_ms"] == pytest.approx(1) and r["max_ms"] == pytest.approx(5) and r["mean_ms"] == pytest.approx(3)
    # rank (n - 1) * q / 100 between the sorted values 1..5 ms
    assert (r["p50_ms"], r["p90_ms"], r["p99_ms"]) == pytest.approx((3, 4.6, 4.96))
    assert r["throughput_per_s"] == pytest.approx(250)
    assert latency_stats([0.002], total=0.0)["throughput_per_s"] == float("inf")


@pytest.mark.slow
def test_bench_onnx_checks_options(onnx_file: Path) -> None:
    one_line_error(webnn_cli("bench", str(onnx_file), "-b", "onnxruntime", "-n", "2", "-O", "foo=1"), 2, "option(s) foo not taken")
    p = webnn_cli("bench", str(onnx_file), "-b", "onnxruntime", "-n", "4", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["backend"] == "onnxruntime"
