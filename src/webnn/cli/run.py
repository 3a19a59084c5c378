"""``webnn run``: run a model file once and describe its outputs, or ``--compare`` backends on it."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import comparison, selection
from ._args import (
    AddParser,
    add_json_flag,
    add_model_args,
    backend_options,
    examples,
    shape_kwargs,
)
from ._errors import EXIT_MISMATCH, EXIT_OK, UserError
from ._inputs import fill_inputs, load_inputs, model_kind
from ._output import array_stats, array_summary, ms, print_json, save_arrays
from ._progress import step
from ._runners import open_runner


def register(add_parser: AddParser) -> None:
    s = add_parser(
        "run",
        help="run a model file once, or compare backends on it",
        description="Run a model once on inputs from .npy files and describe its outputs. A saved graph, a webnn-graph "
        "text file or an ONNX model (imported onto the builder; --executor hands ONNX as it is to the backend's executor).",
        epilog=examples(
            "webnn run model.webnn --input x=x.npy --output-dir out/",
            "webnn run resnet50.onnx --dim batch=1 --zeros --json",
            "webnn run model.onnx --executor --backend onnxruntime --input data=data.npy",
            "webnn run model.webnn --compare onnxruntime,trtx --simulate --atol 1e-3 --rtol 1e-3",
        ),
    )
    add_model_args(s)
    s.add_argument("--zeros", action="store_true", help="fill inputs not given with zeros")
    s.add_argument("--output-dir", "-d", metavar="DIR", help="write each output to DIR/NAME.npy")
    s.add_argument("--compare", metavar="B1,B2[,...]",
                   help="run on each backend (the first is the reference) and report per output the max absolute and "
                        "relative error and ULP distance; inputs not given are random (--seed); exit 4 past tolerance")
    s.add_argument("--atol", type=float, default=None, help="--compare: absolute tolerance (default 1e-5)")
    s.add_argument("--rtol", type=float, default=None, help="--compare: relative tolerance (default 1e-5)")
    add_json_flag(s)
    s.set_defaults(handler=handle)


def _compare(args: argparse.Namespace) -> int:
    if args.backend:
        raise UserError("--compare names the backends; drop --backend")
    if args.executor or args.zeros or args.strict:
        flag = "--executor" if args.executor else ("--zeros" if args.zeros else "--strict")
        raise UserError(f"{flag} does not apply to --compare (every backend builds the graph, strictly, from the same inputs)")
    names = [b.strip() for b in args.compare.split(",") if b.strip()]
    if len(names) < 2:
        raise UserError(f"--compare {args.compare!r}: name at least two backends, e.g. --compare onnxruntime,trtx")
    atol = comparison.ATOL if args.atol is None else args.atol
    rtol = comparison.RTOL if args.rtol is None else args.rtol
    for flag, v in (("--atol", atol), ("--rtol", rtol), ("--seed", args.seed)):
        if not v >= 0:
            raise UserError(f"{flag} must be 0 or more, got {v}")
    path = Path(args.model)
    model_kind(path)  # a clear error for a missing or unknown file
    opts = backend_options(args)
    simulate = opts.pop("simulate", False)
    per_backend: dict[str, dict[str, Any]] = {}
    for name in names:
        canonical = selection.resolve_name(name)
        per_backend[canonical] = dict(opts)
        if simulate and canonical == "trtx":
            per_backend[canonical]["simulate"] = True
    given = load_inputs(args.input)
    with step(f"running on {', '.join(names)}"):
        result = comparison.compare(path, names, given or None, seed=args.seed, atol=atol, rtol=rtol, options=per_backend, **shape_kwargs(args))
    if args.json:
        print_json(result.to_json())
    else:
        print(result.table())
    return EXIT_OK if result.passed else EXIT_MISMATCH


def handle(args: argparse.Namespace) -> int:
    if args.compare:
        return _compare(args)
    if args.atol is not None or args.rtol is not None:
        raise UserError("--atol and --rtol set the tolerance of --compare; add --compare B1,B2")
    given = load_inputs(args.input)
    runner = open_runner(args)
    feed = fill_inputs(given, runner.specs, "zeros" if args.zeros else None, seed=args.seed)
    t0 = time.perf_counter()
    results = runner.run(feed)
    dt = time.perf_counter() - t0
    outs = {name: np.asarray(a) for name, a in results.items()}
    written = None
    if args.output_dir:
        written = Path(args.output_dir)
        save_arrays(outs, written)
    if args.json:
        print_json({
            "model": str(args.model),
            "backend": runner.backend,
            "simulated": runner.simulated,
            "reason": runner.note,
            "outputs": {name: array_stats(a) for name, a in outs.items()},
            "time_ms": dt * 1e3,
            "time_includes": runner.first_run,
            "output_dir": str(written) if written else None,
        })
        return EXIT_OK
    sim = " (simulated)" if runner.simulated else ""
    print(f"backend: {runner.backend}{sim} - {runner.note}")
    for name, a in outs.items():
        print(f"output {name}: {array_summary(a)}")
    print(f"time: {ms(dt)} ({runner.first_run})")
    if written:
        print(f"wrote {len(outs)} output(s) to {written}")
    return EXIT_OK
