"""Exit codes, and how an exception or a warning becomes one line on stderr."""

from __future__ import annotations

import re
import sys
from typing import Any

from ..errors import BackendUnavailable, GraphError, ValidationError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: ``run --compare``: the backends' outputs differ past ``--atol``/``--rtol``.
EXIT_MISMATCH = 4

#: How the library's messages spell its options (Python keywords) -> the CLI flag that sets the
#: same thing; :func:`cli_words` rewrites every message the CLI prints with it.
FLAG_SPELLINGS: tuple[tuple[str, str], ...] = (
    (r"\(graph\.backend == (['\"])\w+\1; MLContext\(strict=True\) raises instead\)", "(--strict fails instead)"),
    (r"MLContext\(strict=True\)", "--strict"),
    (r"\bstrict=True\b", "--strict"),
    (r"\bsimulate=True\b", "--simulate"),
    (r"\bsimulate=False\b", "no --simulate"),
    (r"\bbackend= argument\b", "--backend"),
    (r"\bMLContext\(backend=(['\"]?)(\w+)\1\)", r"--backend \2"),
    (r"\bbackend=(['\"])(\w+)\1", r"--backend \2"),
    (r"\binput_shapes=\{'([^']*)': \[[^\]]*\]\}", r"--input-shape \1=D0,D1,..."),
    (r"\bdims=\{'([^']*)': N\}", r"--dim \1=N"),
    (r"\binput_shapes=", "--input-shape "),
    (r"\bdims=", "--dim "),
)
_SPELLINGS = [(re.compile(a), b) for a, b in FLAG_SPELLINGS]


def cli_words(msg: str) -> str:
    """A library message with Python option spellings replaced by the CLI's flags (``--strict``...)."""
    for pattern, flag in _SPELLINGS:
        msg = pattern.sub(flag, msg)
    return msg


class UserError(Exception):
    """A mistake in the command line or its files: exit code 2, one line, no traceback."""


#: Exit code per kind of error, first match wins; anything else is EXIT_FAILURE.
_EXIT_CODES: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], int], ...] = (
    (UserError, EXIT_USAGE),
    (BackendUnavailable, EXIT_UNAVAILABLE),
    (ValidationError, EXIT_USAGE),
    (GraphError, EXIT_FAILURE),
    # A path the user gave that cannot be used as asked (missing, a file where a directory is needed...).
    ((FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError, PermissionError), EXIT_USAGE),
)


def say(msg: str) -> None:
    """One ``webnn: ...`` line on stderr (options spelt as CLI flags)."""
    print(f"webnn: {cli_words(msg)}", file=sys.stderr, flush=True)


def show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    """``warnings.showwarning`` replacement: a warning is one line, without the source location."""
    say(f"warning: {message}")


def unavailable(name: str, reason: str) -> BackendUnavailable:
    """The error for a backend that cannot run here (exit code 3)."""
    return BackendUnavailable(f"backend {name!r} cannot be used here: {reason}")


def _whole(e: BaseException) -> bool:
    """An error printed with all its lines: the ONNX importer's list of every unsupported node."""
    onnx_import = sys.modules.get("webnn.onnx")  # not imported here: if it is not loaded, e is not one
    return onnx_import is not None and isinstance(e, onnx_import.UnsupportedModelError)


def exit_code(e: BaseException) -> int:
    """The exit code for an error that ended a command."""
    if _whole(e):
        return EXIT_USAGE  # the model file is the user's: it uses what WebNN cannot express
    return next((code for kind, code in _EXIT_CODES if isinstance(e, kind)), EXIT_FAILURE)


def one_line(e: BaseException) -> str:
    """The error as the user sees it: one line (all lines for an ONNX model's unsupported nodes)."""
    msg = str(e).strip()
    if isinstance(e, UserError) or _whole(e):
        return msg
    first = msg.splitlines()[0] if msg else ""
    if isinstance(e, (GraphError, ValidationError)):
        return first or type(e).__name__
    if isinstance(e, OSError) and e.filename:
        return f"{e.filename}: {e.strerror}"
    return f"{type(e).__name__}: {first}" if first else type(e).__name__
