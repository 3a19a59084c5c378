"""``webnn show``: a picture of a model's graph (Graphviz drawing, or an HTML page), :mod:`webnn.viz`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .. import viz
from ..errors import BackendUnavailable
from ..model_files import load_model_file, read_graph_info
from ._args import (
    AddParser,
    add_backend_args,
    add_json_flag,
    add_model_arg,
    add_shape_args,
    examples,
    shape_kwargs,
)
from ._errors import EXIT_OK, UserError
from ._inputs import model_kind
from ._output import check_output_dir, print_json
from ._progress import step
from ._runners import open_context

log = logging.getLogger("webnn.cli")


def register(add_parser: AddParser) -> None:
    s = add_parser(
        "show",
        help="draw a model's graph (SVG, PNG, PDF, DOT or an HTML page)",
        description="Draw a model's graph: a box per operation with its output types and shapes, the inputs, constants "
        "(shape, bytes) and outputs. With --backend (or --context) the graph is built first and the picture says which "
        "backend runs it, and what fell back and why. SVG/PNG/PDF need Graphviz's dot; .html and .dot do not (an HTML "
        "page without dot has the summary and the operation table, no drawing).",
        epilog=examples(
            "webnn show model.webnn -o model.svg",
            "webnn show model.onnx -o model.html --dim batch=1",
            "webnn show model.webnn -o model.html --backend trtx --simulate",
            "webnn show model.webnn -o model.dot && dot -Tpng model.dot -o model.png",
        ),
    )
    add_model_arg(s)
    s.add_argument("-o", "--output", required=True, metavar="OUT", help=f"the picture to write; its suffix picks the format ({', '.join(viz.FORMATS)})")
    add_backend_args(s)
    s.add_argument("--context", action="store_true", help="build the graph for the automatically chosen backend and show where it runs")
    s.add_argument("--no-constants", action="store_true", help="leave constants out of the drawing")
    add_shape_args(s)
    add_json_flag(s)
    s.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    src, out = Path(args.model), Path(args.output)
    kind = model_kind(src)
    if out.suffix.lower() not in viz.FORMATS:
        raise UserError(f"-o {out}: the suffix picks the format; expected one of {', '.join(viz.FORMATS)}")
    check_output_dir(out)
    model: object
    if args.backend or args.context or args.simulate or args.option:
        ctx = open_context(args)
        with step(f"building graph for {ctx.backend}"):
            model = load_model_file(src, ctx, **shape_kwargs(args))
    else:
        model = read_graph_info(src, **shape_kwargs(args))
    try:
        with step(f"drawing {out.name}"):
            result = viz.render(model, out, title=src.name, constants=not args.no_constants)
    except viz.DotUnavailable as e:
        raise BackendUnavailable(f"{e}; or write -o {out.with_suffix('.html')} (no dot needed) or -o {out.with_suffix('.dot')}") from None
    if not result["drawing"]:
        log.warning("Graphviz's dot is not installed: %s has the summary and the operation table but no drawing (%s)", out, viz.INSTALL_DOT)
    summary = viz.summary(model)
    if args.json:
        print_json({"model": str(src), "input_format": kind, **result, "summary": summary})
        return EXIT_OK
    where = f", runs on {summary['backend']}" + (" (simulated)" if summary["simulated"] else "") if "backend" in summary else ""
    print(f"wrote {out} ({result['format']}, {summary['operations']} operations{where})")
    if summary.get("fallback_reason"):
        print(f"  fell back from {summary['context_backend']}: {summary['fallback_reason']}")
    return EXIT_OK
