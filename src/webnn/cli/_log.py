"""What the CLI writes to stderr besides errors: ``logging`` records of the ``webnn`` loggers
(build phases, downloads, cache use) and the progress display, at the level ``-v``/``--quiet`` set.

Default: INFO (build phases and steps, also when stderr is not a terminal); ``-v``: DEBUG
(also what the engines say, e.g. TensorRT-RTX's messages); ``--quiet``: warnings and errors
only, and no progress display.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ._errors import cli_words

#: The logger of the CLI's own messages.
log = logging.getLogger("webnn.cli")
_quiet = [False]  # set by configured() for the command that runs


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        msg = cli_words(record.getMessage())
        if record.levelno >= logging.WARNING:
            msg = f"{record.levelname.lower()}: {msg}"
        if record.exc_info and log.isEnabledFor(logging.DEBUG):
            msg += "\n" + self.formatException(record.exc_info)
        return f"webnn: {msg}"


def level_for(verbose: int, quiet: bool) -> int:
    """The level of the ``webnn`` loggers for ``-v`` count and ``--quiet``."""
    if quiet:
        return logging.WARNING
    return logging.DEBUG if verbose > 0 else logging.INFO


@contextmanager
def configured(verbose: int = 0, quiet: bool = False) -> Iterator[None]:
    """Send ``webnn`` log records to stderr at the level the flags ask for, for one command (the
    previous configuration is restored afterwards, so ``main`` can be called more than once)."""
    root = logging.getLogger("webnn")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    saved = (root.level, root.propagate)
    root.setLevel(level_for(verbose, quiet))
    root.addHandler(handler)
    root.propagate = False  # the CLI's handler is the one output; nothing doubled through the root logger
    was_quiet, _quiet[0] = _quiet[0], quiet
    try:
        yield
    finally:
        _quiet[0] = was_quiet
        root.removeHandler(handler)
        root.setLevel(saved[0])
        root.propagate = saved[1]


def progress_enabled() -> bool:
    """Whether progress displays and step lines are shown (not under ``--quiet``)."""
    return not _quiet[0]
