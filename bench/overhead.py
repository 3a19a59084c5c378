"""Steady-state overhead of ``ctx.compute`` against raw ONNX Runtime on the same ONNX bytes.

Both run in this process with the same session options, interleaved call by call, so
machine noise hits both equally. Prints a table and writes bench/results/overhead.json.

    python bench/overhead.py [--iterations N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

import webnn
from webnn.backends.onnxruntime import create_session
from webnn.converters import default_registry


def add_relu(ctx: webnn.MLContext):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], "float32")
    y = b.relu(b.add(x, b.constant(np.ones((2, 3), np.float32))))
    return lambda: b.build({"y": y}), {"x": np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)}


def conv50(ctx: webnn.MLContext):
    """50 3x3 convolutions (64 channels, 56x56) with ReLU: about ResNet-50's compute."""
    rng = np.random.default_rng(0)
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 64, 56, 56], "float32")
    h = x
    for _ in range(50):
        w = b.constant((rng.standard_normal((64, 64, 3, 3)) * 0.05).astype(np.float32))
        bias = b.constant(np.zeros(64, np.float32))
        h = b.relu(b.conv2d(h, w, padding=[1, 1, 1, 1], bias=bias))
    return lambda: b.build({"y": h}), {"x": rng.standard_normal((1, 64, 56, 56)).astype(np.float32)}


def measure(name: str, make, iterations: int) -> dict:
    ctx = webnn.MLContext(accelerated=False)
    build, feeds = make(ctx)
    t0 = time.perf_counter()
    graph = build()
    ctx.compute(graph, feeds)
    first_webnn = time.perf_counter() - t0

    model = default_registry().convert(graph.info, "onnx").data
    t0 = time.perf_counter()
    sess = create_session(model)
    out_names = [o.name for o in sess.get_outputs()]
    sess.run(out_names, feeds)
    first_ort = time.perf_counter() - t0

    for _ in range(max(3, iterations // 10)):  # warm-up, excluded
        ctx.compute(graph, feeds)
        sess.run(out_names, feeds)
    t_webnn, t_ort = [], []
    for _ in range(iterations):
        t0 = time.perf_counter()
        ctx.compute(graph, feeds)
        t1 = time.perf_counter()
        sess.run(out_names, feeds)
        t2 = time.perf_counter()
        t_webnn.append(t1 - t0)
        t_ort.append(t2 - t1)
    w, o = statistics.median(t_webnn), statistics.median(t_ort)
    return {
        "case": name,
        "iterations": iterations,
        "webnn_us": w * 1e6,
        "ort_us": o * 1e6,
        "ratio": w / o,
        "first_compute_s": first_webnn,
        "ort_session_first_run_s": first_ort,
        "first_ratio": first_webnn / first_ort,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=0, help="timed calls per case (default: 2000 small, 30 large)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "overhead.json"))
    args = ap.parse_args()
    # One-time process costs (importing onnx and the converter rules) are not per graph:
    # pay them before measuring, so first-compute numbers compare graph against graph.
    warm = webnn.MLContext(accelerated=False)
    wb = webnn.MLGraphBuilder(warm)
    wx = wb.input("w", [1], "float32")
    warm.compute(wb.build({"o": wb.add(wx, wx)}), {"w": np.ones(1, np.float32)})
    rows = [
        measure("add+relu 2x3", add_relu, args.iterations or 2000),
        measure("50x conv3x3 64ch 56x56", conv50, args.iterations or 30),
    ]
    print(f"{'case':26} {'webnn us':>10} {'ORT us':>10} {'ratio':>6} {'first s':>8} {'ORT first s':>11} {'ratio':>6}")
    for r in rows:
        print(
            f"{r['case']:26} {r['webnn_us']:10.1f} {r['ort_us']:10.1f} {r['ratio']:6.3f} "
            f"{r['first_compute_s']:8.3f} {r['ort_session_first_run_s']:11.3f} {r['first_ratio']:6.2f}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"onnxruntime": __import__("onnxruntime").__version__, "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
