"""The TensorRT-RTX Python bindings, imported lazily, and the facts read from them.

:func:`trt` imports ``tensorrt_rtx`` on first use (it is optional) and says how to install it
when it is missing. :func:`compute_capabilities` is the one place that says which GPU
architectures TensorRT-RTX runs on: the members of the installed library's
``trt.ComputeCapability`` enum (SM75, SM80, SM86, SM89, SM120, SM121 in 1.7; no SM90).
"""

from __future__ import annotations

import functools
import re
from types import ModuleType

from ...errors import BackendUnavailable
from .. import BACKENDS

INSTALL_HINT = BACKENDS["trtx"].install_hint


def import_failure(e: BaseException) -> str:
    """Why ``tensorrt_rtx`` did not import, with what to do about it."""
    if isinstance(e, OSError):  # the wheel is there but its shared libraries do not load
        return f"the TensorRT-RTX libraries could not be loaded ({e}); reinstall with: {INSTALL_HINT}"
    return f"the TensorRT-RTX Python package is not installed ({e}); install it with: {INSTALL_HINT}"


@functools.cache
def _import() -> tuple[ModuleType | None, str]:
    try:
        import tensorrt_rtx as trt  # optional dependency, imported on first use
    except (ImportError, OSError) as e:
        return None, import_failure(e)
    return trt, ""


def trt_available() -> tuple[bool, str]:
    """(importable, reason if not)."""
    mod, why = _import()
    return mod is not None, why


def trt() -> ModuleType:
    """The ``tensorrt_rtx`` module, or :class:`~webnn.BackendUnavailable` saying how to install it."""
    mod, why = _import()
    if mod is None:
        raise BackendUnavailable(why)
    return mod


def trt_version() -> str:
    """The installed TensorRT-RTX version string (e.g. ``"1.7.1.116"``)."""
    return str(trt().__version__)


_SM = re.compile(r"SM(\d+)(\d)")


def compute_capabilities(module: ModuleType | None = None) -> dict[tuple[int, int], str]:
    """Compute capability -> ``trt.ComputeCapability`` member name, for every GPU architecture the
    TensorRT-RTX library (``module``, default the installed one) builds and runs engines for."""
    members = (module or trt()).ComputeCapability.__members__
    out = {}
    for name in members:
        m = _SM.fullmatch(name)
        if m:
            out[(int(m.group(1)), int(m.group(2)))] = name
    return dict(sorted(out.items()))


def format_compute_capabilities(ccs: dict[tuple[int, int], str] | None = None) -> str:
    """``"7.5, 8.0, 8.6, ..."`` for :func:`compute_capabilities`."""
    return ", ".join(f"{a}.{b}" for a, b in (compute_capabilities() if ccs is None else ccs))
