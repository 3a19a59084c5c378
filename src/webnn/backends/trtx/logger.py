"""One process-wide TensorRT-RTX logger that forwards to :mod:`logging` and captures errors.

TensorRT keeps a single logger per process, so every builder, parser and runtime shares
this one. ``with capture() as msgs:`` collects the warnings and errors logged during a
parse, build or run, so a failure can say what TensorRT-RTX said.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from .lib import trt

log = logging.getLogger("webnn.trtx")

_logger = None
_lock = threading.Lock()
_captures: list[list[str]] = []


def get_logger() -> Any:  # a trt.ILogger
    """The shared logger (created on first use)."""
    global _logger
    if _logger is None:
        t = trt()
        base: Any = t.ILogger  # a class of the optional tensorrt_rtx package

        class _Logger(base):
            def __init__(self) -> None:
                t.ILogger.__init__(self)

            def log(self, severity, msg) -> None:  # called by TensorRT
                S = t.ILogger.Severity
                if severity in (S.INTERNAL_ERROR, S.ERROR, S.WARNING):
                    with _lock:
                        for c in _captures:
                            c.append(str(msg))
                if severity == S.INTERNAL_ERROR:
                    log.error("TensorRT-RTX: %s", msg)
                elif severity == S.VERBOSE:
                    pass
                else:
                    # Errors surface in exceptions (with the captured messages); the AOT phase on
                    # machines without a driver logs CUDA errors that are expected there.
                    log.debug("TensorRT-RTX [%s]: %s", severity.name, msg)

        with _lock:
            if _logger is None:
                _logger = _Logger()
    return _logger


@contextlib.contextmanager
def capture() -> Iterator[list[str]]:
    """Collect TensorRT-RTX warnings/errors logged inside the block."""
    msgs: list[str] = []
    with _lock:
        _captures.append(msgs)
    try:
        yield msgs
    finally:
        with _lock:
            _captures.remove(msgs)


#: What the ahead-of-time phase logs on a machine without a CUDA driver (expected there, not a reason).
BENIGN = ("cudaError 35", "CUDA driver version is insufficient", "Error reading CUDA GPU properties")


def summarize(msgs: list[str], limit: int = 6, *, keep_cuda: bool = False) -> str:
    """The captured messages worth showing. The build (AOT) phase drops the driver-missing noise
    of :data:`BENIGN`; at run time (``keep_cuda``) CUDA's own words are the reason and are kept."""
    useful = [m.strip() for m in msgs if keep_cuda or not any(b in m for b in BENIGN)]
    if not useful:
        return ""
    more = f" (+{len(useful) - limit} more)" if len(useful) > limit else ""
    return "; ".join(useful[:limit]) + more
