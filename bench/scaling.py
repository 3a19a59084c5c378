"""Nothing quadratic: recording, conversion and session creation time per op, from 100 to 30,000 ops.

A chain of alternating add (of a small constant) and relu ops on a [4, 8] tensor; per size,
the median over ``--runs`` of each phase, in microseconds per op, and the ratio of the
per-op time at the largest size to that at the smallest (about 1 when linear).

    PYTHONPATH=src python bench/scaling.py [--sizes 100,1000,10000,30000] [--runs 3]

Writes bench/results/scaling.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

import webnn
from webnn.backends.onnxruntime import create_graph_session
from webnn.converters import default_registry


def measure(n_ops: int) -> dict[str, float]:
    ctx = webnn.MLContext(accelerated=False)
    t0 = time.perf_counter()
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [4, 8], "float32")
    c = b.constant(np.full([4, 8], 0.5, np.float32))
    for _i in range(n_ops // 2):
        x = b.relu(b.add(x, c))
    info = b._graph_info({"y": x})
    t1 = time.perf_counter()
    conv = default_registry().convert(info, "onnxruntime")
    t2 = time.perf_counter()
    session, _ = create_graph_session(conv.data, conv.metadata["external_initializers"])
    t3 = time.perf_counter()
    y = session.run(None, {"x": np.zeros([4, 8], np.float32)})[0]
    assert np.allclose(y, 0.5 * (n_ops // 2)), y[0, 0]
    return {"record": t1 - t0, "convert": t2 - t1, "session": t3 - t2}


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000,30000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "scaling.json"))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    load0 = os.getloadavg()[0]
    for n in sizes:
        runs = [measure(n) for _ in range(args.runs)]
        rows.append({"ops": n, **{k: statistics.median(r[k] for r in runs) / n * 1e6 for k in ("record", "convert", "session")}})
    print(f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"{'ops':>7s} {'record us/op':>13s} {'convert us/op':>14s} {'session us/op':>14s}")
    for r in rows:
        print(f"{r['ops']:7d} {r['record']:13.1f} {r['convert']:14.1f} {r['session']:14.1f}")
    growth = {k: rows[-1][k] / rows[0][k] for k in ("record", "convert", "session")}
    print("per-op time, largest / smallest size: " + ", ".join(f"{k} {v:.2f}" for k, v in growth.items()))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "growth": growth, "load": [load0, os.getloadavg()[0]]}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
