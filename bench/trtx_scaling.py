"""TensorRT-RTX: graph build time against the size of a pooling window, a recurrent sequence, a pad.

    python bench/trtx_scaling.py [--sizes 1000,4000,16000]

Each row is ``MLGraphBuilder.build`` on ``MLContext(backend="trtx", simulate=True, strict=True)``
with an empty engine cache: webnn's validation, the ONNX conversion, the TensorRT-RTX
legalization and the ahead-of-time build (in the build worker, started before the first row).
Conversion must be linear in these sizes (no per-element Python loops): the time should grow
no faster than the size. Prints a table and writes bench/results/trtx_scaling.json and .md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import webnn  # noqa: E402
from webnn.backends.trtx.lib import trt_version  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def max_pool(b: webnn.MLGraphBuilder, n: int) -> dict:
    """max_pool2d over uint8 [1, 1, 1, n] with a window of n/2 (the issue's 79 s case at n = 16000)."""
    x = b.input("x", webnn.MLOperandDescriptor("uint8", [1, 1, 1, n]))
    return {"y": b.max_pool2d(x, window_dimensions=[1, n // 2])}


def dilated_pool(b: webnn.MLGraphBuilder, n: int) -> dict:
    """average_pool2d over float32 [1, 1, 1, n], window 64, dilation n/128 (decomposed for TensorRT-RTX)."""
    x = b.input("x", webnn.MLOperandDescriptor("float32", [1, 1, 1, n]))
    return {"y": b.average_pool2d(x, window_dimensions=[1, 64], dilations=[1, max(1, n // 128)])}


def gru(b: webnn.MLGraphBuilder, n: int) -> dict:
    """gru over n/100 steps (batch 1, input 4, hidden 8)."""
    steps = max(1, n // 100)
    x = b.input("x", webnn.MLOperandDescriptor("float32", [steps, 1, 4]))
    rng = np.random.default_rng(0)
    w = b.constant(rng.standard_normal((1, 24, 4)).astype(np.float32))
    r = b.constant(rng.standard_normal((1, 24, 8)).astype(np.float32))
    return {"y": b.gru(x, w, r, steps, 8)[0]}


def pad(b: webnn.MLGraphBuilder, n: int) -> dict:
    """reflection pad of float32 [1, n] by n/2 - 1 on each side."""
    x = b.input("x", webnn.MLOperandDescriptor("float32", [1, n]))
    return {"y": b.pad(x, [0, n // 2 - 1], [0, n // 2 - 1], mode="reflection")}


CASES: dict[str, Callable[[webnn.MLGraphBuilder, int], dict]] = {"max_pool2d": max_pool, "dilated average_pool2d": dilated_pool, "gru": gru, "pad": pad}


def build_seconds(make: Callable[[webnn.MLGraphBuilder, int], dict], n: int, cache: Path) -> float:
    ctx = webnn.MLContext(backend="trtx", simulate=True, strict=True, cache_dir=str(cache), progress=False)
    try:
        b = webnn.MLGraphBuilder(ctx)
        outs = make(b, n)
        t = time.perf_counter()
        g = b.build(outs)
        seconds = time.perf_counter() - t
        g.destroy()
        return seconds
    finally:
        ctx.destroy()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", default="1000,4000,16000")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="webnn-trtx-scaling-") as d:
        build_seconds(max_pool, 16, Path(d) / "warmup")  # starts the build worker
        for name, make in CASES.items():
            for n in sizes:
                s = build_seconds(make, n, Path(d) / f"{name}-{n}")
                rows.append({"case": name, "size": n, "build_s": round(s, 3)})
                print(f"{name} n={n}: {s:.3f} s", flush=True)
    lines = ["| case | size n | build (s) | per 1000 of n (s) |", "|---|---:|---:|---:|"]
    lines += [f"| {r['case']} | {r['size']} | {r['build_s']:.3f} | {1000 * r['build_s'] / r['size']:.4f} |" for r in rows]
    text = "\n".join(lines)
    print()
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = {"trt_version": trt_version(), "machine": platform.platform(), "rows": rows}
    (out / "trtx_scaling.json").write_text(json.dumps(result, indent=1))
    (out / "trtx_scaling.md").write_text(f"TensorRT-RTX {trt_version()} on {platform.machine()}\n\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
