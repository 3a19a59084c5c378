"""Command-line arguments the commands share: the parser class, the common flags
(``-v``/``--quiet``/``--json``), the model arguments of ``run``, ``bench``, ``convert`` and
``show`` (``--input-shape``, ``--dim``), backend options from ``-O KEY=VALUE`` / ``--simulate``,
and the examples every ``--help`` ends with."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ._errors import UserError

#: What each command module's ``register`` receives: ``add_subparsers().add_parser``.
AddParser = Callable[..., argparse.ArgumentParser]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are :class:`UserError` (one line, exit code 2), and whose
    ``--help`` keeps the line breaks of its description and examples."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message} (see '{self.prog} --help')")


def examples(*lines: str) -> str:
    """The ``epilog`` of a command's ``--help``: its examples, one command line each."""
    return "examples:\n" + "\n".join(textwrap.indent(line, "  ") for line in lines)


def common_flags() -> Parser:
    """``-v``/``--verbose`` and ``-q``/``--quiet``, accepted before or after the command (a parent
    parser of the main parser and of each command: ``SUPPRESS`` keeps a later default from
    overwriting an earlier flag)."""
    p = Parser(add_help=False)
    p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                   help="debug log lines on stderr (also what the engines say)")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="only warnings and errors on stderr (no progress, no build phases)")
    return p


def add_json_flag(s: argparse.ArgumentParser) -> None:
    s.add_argument("--json", action="store_true", help="machine-readable output on stdout (schema: docs/cli.md)")


def add_shape_args(s: argparse.ArgumentParser) -> None:
    """``--input-shape`` and ``--dim``: fixing the symbolic dimensions of an imported model."""
    s.add_argument("--input-shape", action="append", default=[], metavar="NAME=D0,D1,...",
                   help="the shape of an ONNX input with symbolic dimensions, e.g. data=1,3,224,224 (repeatable)")
    s.add_argument("--dim", action="append", default=[], metavar="NAME=N",
                   help="the size of a symbolic dimension by name, e.g. batch=1 (repeatable)")


def add_backend_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--backend", "-b", help="onnxruntime, trtx or coreml (default: chosen automatically)")
    s.add_argument("--simulate", action="store_true", help="TensorRT-RTX: simulate the runtime (no GPU needed)")
    s.add_argument("--option", "-O", action="append", metavar="KEY=VALUE", help="backend option (repeatable)")


MODEL_HELP = "a model file: a saved graph (MLGraph.save, .webnn), a webnn-graph text file, or an ONNX model"


def add_model_arg(s: argparse.ArgumentParser, dest: str = "model") -> None:
    """The ``MODEL`` positional argument (``args.<dest>``)."""
    s.add_argument(dest, metavar="MODEL", help=MODEL_HELP)


def add_model_args(s: argparse.ArgumentParser) -> None:
    """The model, backend and input arguments of ``run`` and ``bench``."""
    add_model_arg(s)
    add_backend_args(s)
    s.add_argument("--input", "-i", action="append", default=[], metavar="NAME=FILE.npy",
                   help="an input from a .npy file (repeatable); or FILE.npz holding inputs by name")
    s.add_argument("--strict", action="store_true", help="fail instead of falling back to ONNX Runtime")
    add_shape_args(s)
    s.add_argument("--executor", action="store_true",
                   help="ONNX files only: hand the model as it is to the backend's ONNX executor instead of importing it")
    s.add_argument("--seed", type=int, default=0, help="seed of the random inputs made for inputs not given (default 0)")


def _dims(text: str, flag: str, item: str) -> list[int]:
    try:
        dims = [int(d) for d in text.replace("x", ",").split(",") if d.strip()]
    except ValueError:
        dims = []
    if not dims or any(d < 0 for d in dims):
        raise UserError(f"{flag} {item!r}: expected NAME=D0,D1,... with whole numbers >= 0")
    return dims


def input_shapes(items: Sequence[str]) -> dict[str, list[int]]:
    """``--input-shape NAME=1,3,224,224`` items by input name."""
    out: dict[str, list[int]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--input-shape {item!r}: expected NAME=D0,D1,... (e.g. data=1,3,224,224)")
        out[name.strip()] = _dims(text, "--input-shape", item)
    return out


def dims(items: Sequence[str]) -> dict[str, int]:
    """``--dim NAME=N`` items by dimension name."""
    out: dict[str, int] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip() or not text.strip().isdigit():
            raise UserError(f"--dim {item!r}: expected NAME=N with a whole number N (e.g. batch=1)")
        out[name.strip()] = int(text)
    return out


def shape_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``input_shapes=`` and ``dims=`` for :mod:`webnn.model_files` from ``--input-shape``/``--dim``."""
    return {"input_shapes": input_shapes(args.input_shape) or None, "dims": dims(args.dim) or None}


def parse_value(text: str) -> Any:
    """An option value: true/yes/on and false/no/off are booleans, then int, float, else the text."""
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def backend_options(args: argparse.Namespace) -> dict[str, Any]:
    """Backend keyword options from ``-O KEY=VALUE`` (dashes become underscores) and ``--simulate``."""
    opts: dict[str, Any] = {}
    for item in args.option or []:
        if "=" not in item:
            raise UserError(f"--option {item!r}: expected KEY=VALUE")
        k, v = item.split("=", 1)
        if not k.strip():
            raise UserError(f"--option {item!r}: expected KEY=VALUE (the key is empty)")
        opts[k.strip().replace("-", "_")] = parse_value(v.strip())
    if args.simulate:
        opts["simulate"] = True
    return opts
