"""Exit codes, and how an exception or a warning becomes one line on stderr."""

from __future__ import annotations

import sys
from typing import Any

from ..errors import BackendUnavailable, GraphError, ValidationError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


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
    """One ``webnn: ...`` line on stderr."""
    print(f"webnn: {msg}", file=sys.stderr, flush=True)


def show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    """``warnings.showwarning`` replacement: a warning is one line, without the source location."""
    say(f"warning: {message}")


def unavailable(name: str, reason: str) -> BackendUnavailable:
    """The error for a backend that cannot run here (exit code 3)."""
    return BackendUnavailable(f"backend {name!r} cannot be used here: {reason}")


def exit_code(e: BaseException) -> int:
    """The exit code for an error that ended a command."""
    return next((code for kind, code in _EXIT_CODES if isinstance(e, kind)), EXIT_FAILURE)


def one_line(e: BaseException) -> str:
    """The error as the one line the user sees."""
    msg = str(e).strip()
    if isinstance(e, UserError):
        return msg
    first = msg.splitlines()[0] if msg else ""
    if isinstance(e, (GraphError, ValidationError)):
        return first or type(e).__name__
    if isinstance(e, OSError) and e.filename:
        return f"{e.filename}: {e.strerror}"
    return f"{type(e).__name__}: {first}" if first else type(e).__name__
