"""TensorRT-RTX: cold ahead-of-time build vs warm engine-cache load, per ONNX light model;
on a GPU also inference latency against ONNX Runtime on the same inputs.

    python bench/trtx.py [--warm-repeats N] [--iterations N] [--models a,b]

Cold = ``get_engine`` on an empty cache (inspect, legalize, parse, build, verify-and-store).
Warm = ``get_engine`` in a fresh ``EngineCache`` object on the filled cache (inspect the ONNX,
compute the key, read the entry, verify length + SHA-256 + versions): what a new process pays
before deserializing. Prints a table and writes bench/results/trtx.json and trtx.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from webnn.backends.trtx import TrtxBackend  # noqa: E402
from webnn.backends.trtx.cache import EngineCache  # noqa: E402
from webnn.backends.trtx.engines import get_engine  # noqa: E402
from webnn.backends.trtx.lib import trt_version  # noqa: E402

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
RESULTS = ROOT / "bench" / "results"


def light_input(model: bytes) -> tuple[str, np.ndarray]:
    m = onnx.load_from_string(model)
    inits = {i.name for i in m.graph.initializer}
    (x,) = [i for i in m.graph.input if i.name not in inits]
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in x.type.tensor_type.shape.dim)
    n = int(np.prod(shape))
    return x.name, (np.arange(n).reshape(shape) / n).astype(np.float32)


def time_calls(fn, iterations: int) -> dict:
    for _ in range(max(3, iterations // 10)):
        fn()
    ts = []
    for _ in range(iterations):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return {
        "median_ms": round(statistics.median(ts) * 1e3, 4),
        "p90_ms": round(ts[int(len(ts) * 0.9)] * 1e3, 4),
        "throughput_per_s": round(1 / statistics.median(ts), 1),
    }


def bench_model(name: str, cache_root: Path, warm_repeats: int, iterations: int, gpu: bool) -> dict:
    model = (LIGHT / f"light_{name}.onnx").read_bytes()
    cache = EngineCache(cache_root / name)
    t = time.perf_counter()
    rec = get_engine(model, cache=cache, label=name, progress=False)
    cold = time.perf_counter() - t
    assert rec.source == "built"
    warm = []
    for _ in range(warm_repeats):
        t = time.perf_counter()
        again = get_engine(model, cache=EngineCache(cache_root / name), label=name, progress=False)
        warm.append(time.perf_counter() - t)
        assert again.source == "cache" and again.engine == rec.engine
    warm_s = statistics.median(warm)
    row = {
        "model": name,
        "cold_build_s": round(cold, 4),
        "trt_build_s": rec.meta["build_seconds"],
        "warm_load_s": round(warm_s, 5),
        "speedup": round(cold / warm_s, 1),
        "engine_mb": round(len(rec.engine) / 1e6, 2),
        "onnx_kb": round(len(model) / 1e3, 1),
    }
    if gpu:
        import onnxruntime as ort

        from webnn.backends.trtx.options import BuildOptions
        from webnn.backends.trtx.session import open_runner

        iname, x = light_input(model)
        runner, _ = open_runner(model, BuildOptions(), cache=cache, simulate=False, progress=False, gpu=TrtxBackend.availability(simulate=False).gpu)
        t = time.perf_counter()
        runner.infer({iname: x})  # first call: JIT kernel compilation (or runtime cache)
        row["first_infer_s"] = round(time.perf_counter() - t, 4)
        row["trtx"] = time_calls(lambda: runner.infer({iname: x}), iterations)
        runner.close()
        cpu = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        row["ort_cpu"] = time_calls(lambda: cpu.run(None, {iname: x}), max(10, iterations // 10))
        if "CUDAExecutionProvider" in ort.get_available_providers():
            cu = ort.InferenceSession(model, providers=["CUDAExecutionProvider"])
            row["ort_cuda"] = time_calls(lambda: cu.run(None, {iname: x}), iterations)
    return row


def table(rows: list[dict], gpu: bool) -> str:
    lines = [
        "| model | ONNX | engine | cold build (s) | of which TensorRT build (s) | warm cache load (ms) | warm speed-up |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['onnx_kb']} kB | {r['engine_mb']} MB | {r['cold_build_s']:.3f} | {r['trt_build_s']:.3f} | "
            f"{r['warm_load_s'] * 1e3:.2f} | {r['speedup']:.0f}x |"
        )
    if gpu:
        lines += ["", "| model | first inference (s) | TensorRT-RTX median (ms) | ORT CUDA median (ms) | ORT CPU median (ms) |", "|---|---:|---:|---:|---:|"]
        for r in rows:
            cu = r.get("ort_cuda", {}).get("median_ms", "n/a")
            lines.append(f"| {r['model']} | {r['first_infer_s']} | {r['trtx']['median_ms']} | {cu} | {r['ort_cpu']['median_ms']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warm-repeats", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--models", help="comma-separated subset of the light models")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    names = sorted(p.stem[6:] for p in LIGHT.glob("light_*.onnx"))
    if args.models:
        names = [n for n in names if n in args.models.split(",")]
    dev = TrtxBackend.availability(simulate=False)
    gpu = dev.ok
    rows = []
    with tempfile.TemporaryDirectory(prefix="webnn-trtx-bench-") as d:
        for n in names:
            rows.append(bench_model(n, Path(d), args.warm_repeats, args.iterations, gpu))
            print(f"{n}: cold {rows[-1]['cold_build_s']:.3f} s, warm {rows[-1]['warm_load_s'] * 1e3:.2f} ms ({rows[-1]['speedup']:.0f}x)", flush=True)
    speedups = [r["speedup"] for r in rows]
    result = {
        "trt_version": trt_version(),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(), "gpu": str(dev.gpu) if dev.gpu else dev.reason},
        "rows": rows,
        "min_speedup": min(speedups) if speedups else None,
        "geomean_speedup": round(float(np.exp(np.mean(np.log(speedups)))), 1) if speedups else None,
    }
    text = table(rows, gpu)
    print()
    print(text)
    print(f"\nwarm/cold speed-up: min {result['min_speedup']}x, geometric mean {result['geomean_speedup']}x (target >= 50x)")
    if not gpu:
        print(f"no GPU latency: {dev.reason}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "trtx.json").write_text(json.dumps(result, indent=1))
    (out / "trtx.md").write_text(f"TensorRT-RTX {result['trt_version']} on {result['machine']['processor']} ({result['machine']['gpu']})\n\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
