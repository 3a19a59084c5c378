"""Command-line arguments the commands share: the parser class, the model arguments of
``run`` and ``bench``, ``--json``, and backend options from ``-O KEY=VALUE`` / ``--simulate``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

from ._errors import UserError

#: What each command module's ``register`` receives: ``add_subparsers().add_parser``.
AddParser = Callable[..., argparse.ArgumentParser]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are :class:`UserError` (one line, exit code 2)."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message} (see '{self.prog} --help')")


def add_json_flag(s: argparse.ArgumentParser) -> None:
    s.add_argument("--json", action="store_true", help="machine-readable output")


def add_model_args(s: argparse.ArgumentParser) -> None:
    """The model, backend and input arguments of ``run`` and ``bench``."""
    s.add_argument("model", metavar="MODEL", help="a saved graph (MLGraph.save) or an .onnx file")
    s.add_argument("--backend", "-b", help="onnxruntime, trtx or coreml (default: chosen automatically)")
    s.add_argument("--input", "-i", action="append", default=[], metavar="NAME=FILE.npy",
                   help="an input from a .npy file (repeatable); or FILE.npz holding inputs by name")
    s.add_argument("--simulate", action="store_true", help="TensorRT-RTX: simulate the runtime (no GPU needed)")
    s.add_argument("--strict", action="store_true", help="fail instead of falling back to ONNX Runtime")
    s.add_argument("--option", "-O", action="append", metavar="KEY=VALUE", help="backend option (repeatable)")


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
        opts[k.strip().replace("-", "_")] = parse_value(v.strip())
    if args.simulate:
        opts["simulate"] = True
    return opts
