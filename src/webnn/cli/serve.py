"""``webnn serve``: serve a graph file over HTTP with Ray Serve (replicas, dynamic batching)."""

from __future__ import annotations

import argparse
import signal
import threading

from ..serve import ModelFile, ServeOptions, deployment
from ._args import AddParser, backend_options, examples
from ._errors import EXIT_OK, UserError, say


def register(add_parser: AddParser) -> None:
    s = add_parser("serve", help="serve a graph over HTTP with Ray Serve: replicas, autoscaling, dynamic batching (docs/serving.md)",
                   description="Serve MODEL (.webnn, webnn-graph text or .onnx) as a Ray Serve deployment: POST JSON or .npz to the route."
                   " Needs pip install 'webnn[serve]'.",
                   epilog=examples(
                       "webnn serve model.webnn --replicas 2 --max-batch 32",
                       "webnn serve model.onnx --dim seq=128 --min-replicas 1 --max-replicas 4",
                       "webnn serve model.webnn --num-gpus 1 --port 8000",
                   ))
    s.add_argument("model", metavar="MODEL", help="a saved graph (.webnn zip or webnn-graph text) or an .onnx file")
    s.add_argument("--replicas", type=int, default=1, help="number of replicas (default 1)")
    s.add_argument("--min-replicas", type=int, help="autoscaling: fewest replicas (with --max-replicas)")
    s.add_argument("--max-replicas", type=int, help="autoscaling: most replicas (with --min-replicas)")
    s.add_argument("--target-ongoing", type=float, default=2.0, metavar="N", help="autoscaling: ongoing requests per replica to aim at (default 2)")
    s.add_argument("--num-cpus", type=float, default=1.0, help="CPUs per replica (Ray resource, default 1)")
    s.add_argument("--num-gpus", type=float, default=0.0, help="GPUs per replica (Ray resource, default 0; >0 selects an accelerated backend)")
    s.add_argument("--max-batch", type=int, default=8, help="most rows per compute for a graph with a batch dimension (default 8; 1: no batching)")
    s.add_argument("--batch-wait-ms", type=float, default=5.0, help="how long a replica waits for a batch to fill (default 5 ms)")
    s.add_argument("--batch-sizes", metavar="N,N,...", help="batch sizes graphs are built for (default: powers of two up to --max-batch)")
    s.add_argument("--prebuild", action="store_true", help="build every batch size's graph when a replica starts (default: on first use)")
    s.add_argument("--dim", action="append", default=[], metavar="NAME=N", help="fix a symbolic dimension (repeatable)")
    s.add_argument("--backend", "-b", help="onnxruntime, trtx or coreml (default: chosen per replica)")
    s.add_argument("--simulate", action="store_true", help="TensorRT-RTX: simulate the runtime (no GPU needed)")
    s.add_argument("--option", "-O", action="append", metavar="KEY=VALUE", help="backend option (repeatable)")
    s.add_argument("--address", help="Ray cluster to join (e.g. auto, or ray://host:10001; default: start a local one)")
    s.add_argument("--host", default="127.0.0.1", help="HTTP host (default 127.0.0.1; 0.0.0.0 to listen on every interface)")
    s.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    s.add_argument("--route", default="/", help="HTTP route prefix (default /)")
    s.add_argument("--name", default="webnn", help="Ray Serve application name (default webnn)")
    s.set_defaults(handler=handle)


def _ints(text: str, what: str) -> tuple[int, ...]:
    try:
        return tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise UserError(f"{what} {text!r}: expected comma-separated integers") from None


def _dims(items: list[str]) -> dict[str, int]:
    dims = {}
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or not k.strip():
            raise UserError(f"--dim {item!r}: expected NAME=N")
        try:
            dims[k.strip()] = int(v)
        except ValueError:
            raise UserError(f"--dim {item!r}: N must be an integer") from None
    return dims


def options_from_args(args: argparse.Namespace) -> ServeOptions:
    """The :class:`webnn.serve.ServeOptions` the arguments ask for."""
    return ServeOptions(
        replicas=args.replicas, min_replicas=args.min_replicas, max_replicas=args.max_replicas,
        target_ongoing_requests=args.target_ongoing, num_cpus=args.num_cpus, num_gpus=args.num_gpus,
        max_batch=args.max_batch, batch_wait_s=args.batch_wait_ms / 1000.0,
        batch_sizes=_ints(args.batch_sizes, "--batch-sizes") if args.batch_sizes else None, prebuild=args.prebuild,
        backend=args.backend, backend_options=backend_options(args),
    )


def handle(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    app = deployment(ModelFile(args.model, dims=_dims(args.dim)), options)  # checks the file before Ray starts
    # optional: the serve extra (deployment() above said how to install it if missing)
    import ray
    from ray import serve

    ray.init(address=args.address, include_dashboard=False)
    try:
        serve.start(http_options={"host": args.host, "port": args.port})
        serve.run(app, name=args.name, route_prefix=args.route)
        say(f"serving {args.model} at http://{args.host}:{args.port}{args.route} (Ctrl-C stops)")
        serve_forever()
    finally:
        serve.delete(args.name)
        ray.shutdown()
    return EXIT_OK


def serve_forever() -> None:
    """Block until interrupted: Ctrl-C (SIGINT) or SIGTERM, both ending in the caller's cleanup."""
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    threading.Event().wait()
