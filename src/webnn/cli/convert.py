"""``webnn convert``: any model file to a saved graph, webnn-graph text, ONNX or a CoreML package."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import cache_dir
from ..model_files import TARGETS, convert_model_file
from ..webnn_graph import find_weights
from ._args import (
    AddParser,
    add_json_flag,
    add_model_arg,
    add_shape_args,
    examples,
    shape_kwargs,
)
from ._errors import EXIT_OK, UserError
from ._inputs import model_kind
from ._output import check_output_dir, human_bytes, print_json
from ._progress import step


def register(add_parser: AddParser) -> None:
    s = add_parser(
        "convert",
        help="convert a model file: .webnn, webnn-graph text, ONNX or a CoreML .mlpackage",
        description="Convert a model file with the library's converters. An ONNX source is imported onto the builder "
        "first (WebNN validation, static shapes), so it reaches every target, CoreML included.",
        epilog=examples(
            "webnn convert model.webnn --to onnx -o model.onnx",
            "webnn convert model.onnx --to coreml -o model.mlpackage --dim batch=1",
            "webnn convert model.onnx --to webnn-graph -o model.txt   # also writes model.safetensors",
            "webnn convert model.txt --to webnn -o model.webnn --json",
        ),
    )
    add_model_arg(s, "graph")
    s.add_argument("--to", required=True, choices=list(TARGETS), help="output format (coreml: a .mlpackage directory)")
    s.add_argument("-o", "--output", required=True, metavar="OUT", help="output path")
    add_shape_args(s)
    add_json_flag(s)
    s.set_defaults(handler=handle)


def _size(path: Path) -> int:
    return cache_dir.dir_usage(path)[0] if path.is_dir() else path.stat().st_size


def handle(args: argparse.Namespace) -> int:
    src, out = Path(args.graph), Path(args.output)
    kind = model_kind(src)
    check_output_dir(out)
    if args.to == "coreml" and out.suffix != ".mlpackage":
        raise UserError(f"-o {out}: a CoreML model is a package directory whose name ends in .mlpackage (e.g. -o model.mlpackage)")
    with step(f"converting {kind} to {args.to}"):
        convert_model_file(src, out, args.to, **shape_kwargs(args))
    written = [out]
    if args.to == "webnn-graph":
        weights = find_weights(out)
        if weights is not None:
            written.append(weights)
    files: list[dict[str, Any]] = [{"path": str(p), "bytes": _size(p)} for p in written]
    if args.json:
        print_json({"input": str(src), "input_format": kind, "format": args.to, "output": str(out), "files": files})
        return EXIT_OK
    for f in files:
        print(f"wrote {f['path']} ({args.to}, {human_bytes(f['bytes'])})")
    return EXIT_OK
