"""MiniLM served by Ray Serve (webnn.serve) against calling ``compute`` directly in a loop.

Clients in ``--concurrency`` threads each send one-sentence requests through the deployment
handle; each configuration (batch limit 1/8/32 x 1/2 replicas) reports requests per second and
p50/p99 latency per request. The baseline computes the same one-row requests in a loop on one
graph in this process. Graphs for every batch size are built before timing (``prebuild``).
Prints a table and writes bench/results/serve.json.

    python bench/serve.py [--requests N] [--concurrency C] [--seq-len S] [--batches 1,8,32] [--replicas 1,2]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

import webnn
from webnn import serve as ws
from webnn.models import minilm

RESULTS = Path(__file__).resolve().parent / "results"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def requests(n: int, seq_len: int) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        ids = rng.integers(1000, 20000, size=(1, seq_len)).astype(np.int32)
        mask = np.zeros((1, seq_len), np.float32)
        mask[0, : int(rng.integers(4, seq_len + 1))] = 1
        out.append({"input_ids": ids, "attention_mask": mask})
    return out


def summary(name: str, latencies: list[float], wall: float, **extra) -> dict:
    q = statistics.quantiles(latencies, n=100)
    return {"config": name, "requests": len(latencies), "rps": len(latencies) / wall,
            "p50_ms": q[49] * 1e3, "p99_ms": q[98] * 1e3, **extra}


def direct_loop(reqs: list[dict[str, np.ndarray]], seq_len: int) -> dict:
    ctx = webnn.MLContext(accelerated=False, intra_op_threads=os.cpu_count() or 1)  # as one replica's context
    g = minilm.build_graph(ctx, 1, seq_len)
    for r in reqs[:10]:
        ctx.compute(g, r)
    lat = []
    t0 = time.perf_counter()
    for r in reqs:
        t = time.perf_counter()
        ctx.compute(g, r)
        lat.append(time.perf_counter() - t)
    return summary("direct compute loop", lat, time.perf_counter() - t0, max_batch=1, replicas=0, backend=ctx.backend)


def served(reqs: list[dict[str, np.ndarray]], seq_len: int, max_batch: int, replicas: int, concurrency: int, cpus: float, threads: int) -> dict:
    source = ws.GraphFactory(functools.partial(minilm.build_graph, seq_len=seq_len), max_batch=max_batch, name="minilm")
    opts = ws.ServeOptions(replicas=replicas, max_batch=max_batch, batch_wait_s=0.005, prebuild=True, num_cpus=cpus,
                           max_ongoing_requests=max(64, concurrency * 2), backend_options={"intra_op_threads": threads})
    handle = ws.run(source, opts, name="bench", route_prefix="/bench")

    def one(r: dict[str, np.ndarray]) -> float:
        t = time.perf_counter()
        handle.compute.remote(r).result(timeout_s=300)
        return time.perf_counter() - t

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, reqs[: concurrency * 4]))  # warm-up: routers, connections
        t0 = time.perf_counter()
        lat = list(pool.map(one, reqs))
        wall = time.perf_counter() - t0
    info = handle.describe.remote().result(timeout_s=60)
    return summary(f"serve batch<={max_batch} x{replicas}", lat, wall, max_batch=max_batch, replicas=replicas, backend=info["backend"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=32)
    p.add_argument("--batches", default="1,8,32")
    p.add_argument("--replicas", default="1,2")
    p.add_argument("--address", help="Ray cluster to use (default: a local one started here)")
    args = p.parse_args()
    import ray
    from ray import serve

    reqs = requests(args.requests, args.seq_len)
    rows = [direct_loop(reqs, args.seq_len)]
    path = os.pathsep.join(x for x in (SRC, os.environ.get("PYTHONPATH")) if x)
    ray.init(address=args.address, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    cpus = float(ray.cluster_resources().get("CPU", 1))
    try:
        for replicas in (int(x) for x in args.replicas.split(",")):
            for max_batch in (int(x) for x in args.batches.split(",")):
                # the replicas share the machine's cores (ONNX Runtime would give each all of them)
                threads = max(1, (os.cpu_count() or 1) // replicas)
                rows.append(served(reqs, args.seq_len, max_batch, replicas, args.concurrency, min(1.0, cpus / replicas), threads))
                print(f"  {rows[-1]['config']}: {rows[-1]['rps']:.1f} req/s", flush=True)
    finally:
        serve.shutdown()
        ray.shutdown()
    print(f"\nMiniLM seq {args.seq_len}, one sentence per request, {args.requests} requests, {args.concurrency} client threads, {os.cpu_count()} CPUs")
    print(f"{'config':<26}{'backend':<13}{'req/s':>9}{'p50 ms':>10}{'p99 ms':>10}")
    for r in rows:
        print(f"{r['config']:<26}{r['backend']:<13}{r['rps']:>9.1f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "serve.json"
    out.write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "ray": ray.__version__},
                               "seq_len": args.seq_len, "concurrency": args.concurrency, "results": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
