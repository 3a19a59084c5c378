"""``webnn bench``: latency percentiles and throughput over timed runs (warm-up excluded)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import numpy as np

from ._args import AddParser, add_json_flag, add_model_args, examples
from ._errors import EXIT_OK, UserError
from ._inputs import fill_inputs, load_inputs
from ._output import print_json
from ._progress import Progress, step
from ._runners import GraphRunner, open_runner


def register(add_parser: AddParser) -> None:
    s = add_parser(
        "bench",
        help="latency percentiles and throughput (warm-up excluded)",
        description="Time N runs of a model after W untimed warm-up runs: p50/p90/p99, min/mean/max, throughput. "
        "Inputs not given are random (floats in [0, 1), --seed; zeros for integers).",
        epilog=examples(
            "webnn bench model.webnn --iterations 500",
            "webnn bench model.onnx --backend trtx --mode dispatch --json",
            "webnn bench model.onnx --executor --backend onnxruntime -n 200",
        ),
    )
    add_model_args(s)
    s.add_argument("--iterations", "-n", type=int, default=100, help="timed runs (default 100)")
    s.add_argument("--warmup", "-w", type=int, default=None, help="untimed runs first (default: 10%% of iterations, at least 3)")
    s.add_argument("--mode", choices=["compute", "dispatch"], default="compute",
                   help="compute: host arrays in and out; dispatch: MLTensors (data stays on the device)")
    add_json_flag(s)
    s.set_defaults(handler=handle)


def latency_stats(times: Sequence[float], total: float) -> dict[str, float]:
    """Mean, min, p50/p90/p99 (linear interpolation), max in ms; runs per second over ``total`` s."""
    t = np.asarray(times, dtype=np.float64) * 1e3
    p50, p90, p99 = np.percentile(t, [50, 90, 99])
    return {
        "mean_ms": float(t.mean()),
        "min_ms": float(t.min()),
        "p50_ms": float(p50),
        "p90_ms": float(p90),
        "p99_ms": float(p99),
        "max_ms": float(t.max()),
        "throughput_per_s": len(t) / total if total > 0 else float("inf"),
    }


def _timed(call: Callable[[], object], iterations: int) -> tuple[list[float], float]:
    """Per-run times and the total wall time of ``iterations`` runs, with a progress display."""
    times = []
    p = Progress(iterations, "bench")
    t_all = time.perf_counter()
    for _ in range(iterations):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
        p.update()
    total = time.perf_counter() - t_all
    p.close()
    return times, total


def handle(args: argparse.Namespace) -> int:
    if args.iterations < 1:
        raise UserError("--iterations must be at least 1")
    warmup = args.warmup if args.warmup is not None else max(3, args.iterations // 10)
    if warmup < 0:
        raise UserError("--warmup must be 0 or more")
    given = load_inputs(args.input)
    runner = open_runner(args, bench=True, dispatch=args.mode == "dispatch")
    feed = fill_inputs(given, runner.specs, "random", seed=args.seed)
    call: Callable[[], object]
    if args.mode == "dispatch":
        assert isinstance(runner, GraphRunner)  # open_runner refuses an ONNX file for dispatch
        call = runner.dispatcher(feed)  # results stay in the output tensors (on the device)
    else:
        call = lambda: runner.run(feed)  # noqa: E731
    if warmup:
        with step(f"warm-up ({warmup} runs)"):
            for _ in range(warmup):
                call()
    times, total = _timed(call, args.iterations)
    result = {
        "model": str(args.model),
        "backend": runner.backend,
        "simulated": runner.simulated,
        "mode": args.mode,
        "iterations": args.iterations,
        "warmup": warmup,
        **latency_stats(times, total),
    }
    if args.json:
        print_json(result)
        return EXIT_OK
    sim = " (simulated)" if runner.simulated else ""
    print(f"{args.model} on {runner.backend}{sim}, {args.mode}: {args.iterations} runs after {warmup} warm-up")
    print(f"  p50 {result['p50_ms']:.3f} ms  p90 {result['p90_ms']:.3f} ms  p99 {result['p99_ms']:.3f} ms")
    print(f"  min {result['min_ms']:.3f} ms  mean {result['mean_ms']:.3f} ms  max {result['max_ms']:.3f} ms")
    print(f"  throughput {result['throughput_per_s']:.1f} runs/s")
    return EXIT_OK
