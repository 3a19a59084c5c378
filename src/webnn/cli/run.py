"""``webnn run``: run a saved graph or an ONNX model once and describe its outputs."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ._args import AddParser, add_model_args
from ._errors import EXIT_OK
from ._inputs import fill_inputs, load_inputs
from ._output import array_summary, ms, save_arrays
from ._runners import open_runner


def register(add_parser: AddParser) -> None:
    s = add_parser("run", help="run a saved graph or an ONNX model once on inputs from .npy files")
    add_model_args(s)
    s.add_argument("--zeros", action="store_true", help="fill inputs not given with zeros")
    s.add_argument("--output-dir", "-d", metavar="DIR", help="write each output to DIR/NAME.npy")
    s.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    given = load_inputs(args.input)
    runner = open_runner(args)
    feed = fill_inputs(given, runner.specs, "zeros" if args.zeros else None)
    t0 = time.perf_counter()
    results = runner.run(feed)
    dt = time.perf_counter() - t0
    outs = {name: np.asarray(a) for name, a in results.items()}
    sim = " (simulated)" if runner.simulated else ""
    print(f"backend: {runner.backend}{sim} - {runner.note}")
    for name, a in outs.items():
        print(f"output {name}: {array_summary(a)}")
    print(f"time: {ms(dt)} ({runner.first_run})")
    if args.output_dir:
        d = Path(args.output_dir)
        save_arrays(outs, d)
        print(f"wrote {len(outs)} output(s) to {d}")
    return EXIT_OK
