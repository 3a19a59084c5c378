"""Consuming a DLPack producer: webnn's ctypes capsule parser vs cuda.core's StridedMemoryView.

Measures, on host arrays (numpy), the per-call cost of taking a producer's capsule and releasing
it (``webnn.backends.trtx.dlpack.consume`` + ``close`` vs ``StridedMemoryView.from_dlpack`` +
``del``), and the import time of ``cuda.core.utils`` on top of ``cuda.bindings`` (measured in
fresh interpreters). Prints a table and writes bench/results/dlpack.json.

    python bench/dlpack.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from webnn.backends.trtx.dlpack import consume


def per_call_us(fn, calls: int) -> float:
    for _ in range(100):
        fn()
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls * 1e6)
    return best


def import_seconds(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20000)
    args = ap.parse_args()
    a = np.arange(12, dtype=np.float32).reshape(3, 4)

    def ctypes_path() -> None:
        consume(a, None, "x").close()

    rows = {"webnn ctypes consume + close": per_call_us(ctypes_path, args.calls)}
    try:
        from cuda.core.utils import StridedMemoryView
    except ImportError as e:
        rows["cuda.core StridedMemoryView"] = float("nan")
        note = f"cuda.core not importable: {e}"
    else:
        def smv_path() -> None:
            v = StridedMemoryView.from_dlpack(a, stream_ptr=-1)
            del v

        rows["cuda.core StridedMemoryView.from_dlpack + del"] = per_call_us(smv_path, args.calls)
        note = ""
    bindings = import_seconds("from cuda.bindings import runtime, driver")
    both = import_seconds("from cuda.bindings import runtime, driver; from cuda.core.utils import StridedMemoryView")
    print(f"{'path':<48} {'us per call':>12}")
    for k, v in rows.items():
        print(f"{k:<48} {v:>12.2f}")
    print(f"import cuda.bindings: {bindings:.2f} s; with cuda.core.utils: {both:.2f} s (+{both - bindings:.2f} s)" + (f"  ({note})" if note else ""))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "dlpack.json").write_text(json.dumps({"per_call_us": rows, "import_s": {"cuda.bindings": bindings, "cuda.bindings+cuda.core.utils": both}}, indent=2))


if __name__ == "__main__":
    main()
