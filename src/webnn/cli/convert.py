"""``webnn convert``: a saved graph to an ONNX or CoreML model file, with the library's converters."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..builder import load_graph_info
from ..converters import default_registry
from ._args import AddParser
from ._errors import EXIT_OK, UserError
from ._output import human_bytes
from ._progress import step


def register(add_parser: AddParser) -> None:
    s = add_parser("convert", help="convert a saved graph to an ONNX or CoreML model file")
    s.add_argument("graph", metavar="GRAPH", help="a graph saved with MLGraph.save")
    s.add_argument("--to", required=True, choices=["onnx", "coreml"], help="output format")
    s.add_argument("-o", "--output", required=True, metavar="OUT", help="output file")
    s.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    path = Path(args.graph)
    if not path.exists():
        raise UserError(f"{path}: no such file")
    info = load_graph_info(path)
    reg = default_registry()
    if args.to not in reg.formats():
        raise UserError(f"no {args.to} converter in this installation (pip install 'webnn[{args.to}]')")
    with step(f"converting to {args.to}"):
        converted = reg.convert(info, args.to)
    out = Path(args.output)
    if out.parent and not out.parent.exists():
        raise UserError(f"{out.parent}: no such directory")
    out.write_bytes(converted.data)
    print(f"wrote {out} ({args.to}, {human_bytes(len(converted.data))})")
    return EXIT_OK
