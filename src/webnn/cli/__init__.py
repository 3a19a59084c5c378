"""The ``webnn`` command line: ``info``, ``convert``, ``run``, ``bench``, ``show``, ``serve``, ``cache``, ``demo``.

Each command is one module here with ``register(add_parser)`` (its subparser, with
``handler=handle``) and ``handle(args) -> exit code``; :data:`COMMANDS` lists them in ``--help``
order. The ``_*`` modules are what they share (docs/cli.md, "Where the code is").

Exit codes: 0 success; 1 a backend failed while building or running; 2 a user error (bad
arguments, missing file, unknown input name, wrong shape or dtype, an ONNX model using what
WebNN cannot express); 3 the requested backend (or a program it needs) cannot run on this
machine; 4 ``run --compare`` found outputs differing past tolerance; 130 interrupted. Errors
are one line on stderr (an ONNX model's unsupported nodes: one line each); ``--debug`` adds the
Python traceback. Progress and log lines go to stderr (``-v`` more, ``--quiet`` fewer): a bar on
a terminal, plain lines when piped.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import Any

from .. import __version__
from . import bench, cache, convert, demo, info, run, serve, show
from ._args import Parser, common_flags, examples
from ._errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_MISMATCH,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    UserError,
    exit_code,
    one_line,
    say,
    show_warning,
)
from ._log import configured
from ._progress import Progress, step

#: The command modules, in the order ``webnn --help`` lists them.
COMMANDS = (info, convert, run, bench, show, serve, cache, demo)

_EXAMPLES = examples(
    "webnn info",
    "webnn demo --backend onnxruntime",
    "webnn run model.onnx --input data=image.npy --output-dir out/",
    "webnn run model.webnn --compare onnxruntime,trtx --simulate",
    "webnn convert model.onnx --to coreml -o model.mlpackage",
    "webnn show model.webnn -o model.html",
    "webnn serve model.webnn --replicas 2 --max-batch 32",
    "webnn COMMAND --help      # each command's options and examples",
)


def build_parser() -> argparse.ArgumentParser:
    """The ``webnn`` argument parser with every command's subparser."""
    flags = common_flags()
    p = Parser(prog="webnn", description="WebNN graphs on ONNX Runtime, TensorRT-RTX or CoreML.", epilog=_EXAMPLES, parents=[flags])
    p.add_argument("--version", action="version", version=f"webnn {__version__}")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[flags], **kwargs)

    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.register(add_parser)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere on the line, before or after the command
    if debug:
        argv = [a for a in argv if a != "--debug"]
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return EXIT_USAGE
        verbose, quiet = getattr(args, "verbose", 0), getattr(args, "quiet", False)
        if verbose and quiet:
            raise UserError("-v/--verbose and -q/--quiet contradict each other; give one")
        with configured(verbose, quiet), warnings.catch_warnings():
            if not debug:
                warnings.showwarning = show_warning
            return int(args.handler(args))
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    except SystemExit as e:  # --help / --version
        return int(e.code or 0) if not isinstance(e.code, str) else EXIT_USAGE
    except BrokenPipeError:  # e.g. `webnn info | head`
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the one place every error becomes one line
        if debug:
            traceback.print_exc()
        say(f"error: {one_line(e)}")
        return exit_code(e)


__all__ = [
    "main",
    "build_parser",
    "COMMANDS",
    "UserError",
    "Progress",
    "step",
    "EXIT_OK",
    "EXIT_FAILURE",
    "EXIT_USAGE",
    "EXIT_UNAVAILABLE",
    "EXIT_MISMATCH",
    "EXIT_INTERRUPTED",
]
