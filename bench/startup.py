"""Startup, build time and memory of webnn against raw ONNX Runtime doing the same (CPU).

1. Fresh process: build and compute the 2x3 add+relu graph with webnn, against a script that
   loads the same model file with raw ONNX Runtime and runs it (both import numpy). Runs
   alternate; the table gives medians and the median of paired ratios (webnn / raw).
2. MiniLM build in a warm process (batch 32, 128 tokens): conversion + session creation
   (``backend.compile``) against raw ONNX Runtime creating its session from webnn's ONNX file.
3. Memory, fresh processes: peak RSS (VmHWM) after building MiniLM and RSS after the build
   and after one compute, against raw ONNX Runtime loading the file and computing once.

    PYTHONPATH=src python bench/startup.py [--runs 10] [--batch 32]

Writes bench/results/startup.json. ``python -X importtime`` on the webnn script shows where
its import time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

WEBNN_ADD_RELU = """
import numpy as np
import webnn
ctx = webnn.MLContext(accelerated=False)
b = webnn.MLGraphBuilder(ctx)
x = b.input("x", [2, 3], "float32")
g = b.build({"y": b.relu(b.add(x, b.constant(np.ones([2, 3], np.float32))))})
y = ctx.compute(g, {"x": np.arange(6, dtype=np.float32).reshape(2, 3) - 3})["y"]
assert y.tolist() == [[0, 0, 0], [1, 2, 3]], y
"""

RAW_ADD_RELU = """
import sys
import numpy as np
import onnxruntime as ort
so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
so.log_severity_level = 3
s = ort.InferenceSession(sys.argv[1], so, providers=["CPUExecutionProvider"])
y = s.run(None, {"x": np.arange(6, dtype=np.float32).reshape(2, 3) - 3})[0]
assert y.tolist() == [[0, 0, 0], [1, 2, 3]], y
"""

MEMORY_PROBE = """
def mem():
    out = {}
    for line in open("/proc/self/status"):
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out
"""

WEBNN_MEMORY = MEMORY_PROBE + """
import sys, json
import numpy as np
import webnn
from webnn.models import minilm
B, S = int(sys.argv[1]), int(sys.argv[2])
report = {"imported": mem()}
ctx = webnn.MLContext(accelerated=False)
b = webnn.MLGraphBuilder(ctx)
g = b.build({"e": minilm.build_encoder(b, minilm.LazyWeights(), B, S)})
report["built"] = mem()
ctx.compute(g, {"input_ids": np.ones((B, S), np.int32), "attention_mask": np.ones((B, S), np.float32)})
report["computed"] = mem()
print(json.dumps(report))
"""

RAW_MEMORY = MEMORY_PROBE + """
import sys, json
import numpy as np
import onnxruntime as ort
report = {"imported": mem()}
so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
so.log_severity_level = 3
s = ort.InferenceSession(sys.argv[1], so, providers=["CPUExecutionProvider"])
report["built"] = mem()
B, S = int(sys.argv[2]), int(sys.argv[3])
s.run(None, {"input_ids": np.ones((B, S), np.int32), "attention_mask": np.ones((B, S), np.float32)})
report["computed"] = mem()
print(json.dumps(report))
"""


def load() -> float:
    return os.getloadavg()[0]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT / "src") + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def run_script(code: str, *args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env(), check=False)
    dt = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return dt, out.stdout


def paired(a: list[float], b: list[float]) -> dict[str, float]:
    r = sorted(x / y for x, y in zip(a, b, strict=False))
    q = np.quantile(r, [0.1, 0.5, 0.9])
    return {"ratio": float(q[1]), "ratio_p10": float(q[0]), "ratio_p90": float(q[2])}


def add_relu_file(tmp: Path) -> Path:
    import webnn
    from webnn.converters import default_registry

    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    x = b.input("x", [2, 3], "float32")
    info = b._graph_info({"y": b.relu(b.add(x, b.constant(np.ones([2, 3], np.float32))))})
    path = tmp / "add_relu.onnx"
    path.write_bytes(default_registry().convert(info, "onnx").data)
    return path


def startup(runs: int, tmp: Path) -> dict:
    path = add_relu_file(tmp)
    webnn_t, raw_t = [], []
    l0 = load()
    for i in range(runs + 1):
        pair = [("webnn", WEBNN_ADD_RELU, ()), ("raw", RAW_ADD_RELU, (str(path),))]
        for name, code, args in pair if i % 2 == 0 else pair[::-1]:
            dt, _ = run_script(code, *args)
            if i:  # the first pair warms the file cache
                (webnn_t if name == "webnn" else raw_t).append(dt)
    return {"webnn_s": statistics.median(webnn_t), "raw_s": statistics.median(raw_t), **paired(webnn_t, raw_t), "load": [l0, load()]}


def minilm_build(batch: int, seq: int, runs: int, tmp: Path) -> dict:
    import onnxruntime as ort

    import webnn
    from webnn.backends.onnxruntime import OnnxRuntimeBackend, session_options
    from webnn.converters import default_registry
    from webnn.models import minilm

    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    info = b._graph_info({"e": minilm.build_encoder(b, minilm.LazyWeights(), batch, seq)})
    path = tmp / "minilm.onnx"
    path.write_bytes(default_registry().convert(info, "onnx").data)
    info.conversions.clear()
    backend = OnnxRuntimeBackend()
    webnn_t, raw_t, conv_t = [], [], []
    l0 = load()
    for i in range(runs + 1):
        info.conversions.clear()
        t0 = time.perf_counter()
        default_registry().convert(info, "onnxruntime")
        t1 = time.perf_counter()
        compiled = backend.compile(info)  # the conversion is cached now: this is the session
        t2 = time.perf_counter()
        sess = ort.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])
        t3 = time.perf_counter()
        del compiled, sess
        if i:
            conv_t.append(t1 - t0)
            webnn_t.append(t2 - t0)
            raw_t.append(t3 - t2)
    return {"conversion_s": statistics.median(conv_t), "webnn_s": statistics.median(webnn_t), "raw_s": statistics.median(raw_t), **paired(webnn_t, raw_t), "load": [l0, load()]}


def memory(batch: int, seq: int, runs: int, tmp: Path) -> dict:
    path = tmp / "minilm.onnx"  # written by minilm_build
    rows: dict[str, list[dict]] = {"webnn": [], "raw": []}
    for i in range(runs):
        order = [("webnn", WEBNN_MEMORY, (str(batch), str(seq))), ("raw", RAW_MEMORY, (str(path), str(batch), str(seq)))]
        for name, code, args in order if i % 2 == 0 else order[::-1]:
            rows[name].append(json.loads(run_script(code, *args)[1]))

    def med(name: str, stage: str, key: str) -> float:
        return statistics.median(r[stage][key] for r in rows[name])

    out: dict[str, float] = {}
    for stage in ("imported", "built", "computed"):
        for key, label in (("VmHWM", "peak"), ("VmRSS", "rss")):
            w, r = med("webnn", stage, key), med("raw", stage, key)
            out[f"{label}_{stage}_webnn_mb"], out[f"{label}_{stage}_raw_mb"], out[f"{label}_{stage}_ratio"] = w, r, w / r
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--memory-runs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--out", default=str(RESULTS / "startup.json"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="webnn-bench-") as d:
        tmp = Path(d)
        res = {"cpus": os.cpu_count(), "startup": startup(args.runs, tmp), "build": minilm_build(args.batch, args.seq_len, max(3, args.runs // 2), tmp)}
        res["memory"] = memory(args.batch, args.seq_len, args.memory_runs, tmp)
    s, b, m = res["startup"], res["build"], res["memory"]
    print(f"load average {s['load'][0]:.1f} .. {b['load'][1]:.1f} on {res['cpus']} CPUs")
    print(f"{'measure':44s} {'webnn':>9s} {'raw ORT':>9s} {'ratio':>6s} {'p10-p90':>11s}")
    print(f"{'fresh process, build+compute add+relu (s)':44s} {s['webnn_s']:9.3f} {s['raw_s']:9.3f} {s['ratio']:6.2f} {s['ratio_p10']:5.2f}-{s['ratio_p90']:<5.2f}")
    print(f"{'MiniLM conversion + session (s)':44s} {b['webnn_s']:9.3f} {b['raw_s']:9.3f} {b['ratio']:6.2f} {b['ratio_p10']:5.2f}-{b['ratio_p90']:<5.2f}")
    print(f"{'  of which conversion (s)':44s} {b['conversion_s']:9.3f}")
    for stage in ("built", "computed"):
        for label in ("peak", "rss"):
            k = f"{label}_{stage}"
            print(f"{'MiniLM ' + ('peak RSS' if label == 'peak' else 'RSS') + ' after ' + ('build' if stage == 'built' else 'first compute') + ' (MB)':44s} {m[k + '_webnn_mb']:9.0f} {m[k + '_raw_mb']:9.0f} {m[k + '_ratio']:6.2f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
