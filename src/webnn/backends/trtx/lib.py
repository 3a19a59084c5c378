"""Lazy import of the TensorRT-RTX Python bindings, with the install command when missing."""

from __future__ import annotations

import functools
from types import ModuleType

from ...errors import BackendUnavailable

INSTALL_HINT = 'pip install "webnn[trtx]"'


@functools.lru_cache(maxsize=None)
def _import() -> tuple[ModuleType | None, str]:
    try:
        import tensorrt_rtx as trt  # noqa: PLC0415 - optional dependency
    except ImportError as e:
        return None, f"the TensorRT-RTX Python package is not installed ({e}); install it with: {INSTALL_HINT}"
    except OSError as e:  # the wheel is there but its shared libraries do not load
        return None, f"the TensorRT-RTX libraries could not be loaded ({e}); reinstall with: {INSTALL_HINT}"
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


@functools.lru_cache(maxsize=None)
def cuda_python_available() -> tuple[bool, str]:
    """Whether cuda-python's runtime bindings import (needed to run engines, not to build them)."""
    try:
        from cuda.bindings import runtime  # noqa: F401, PLC0415
    except ImportError as e:
        return False, f"cuda-python is not installed ({e}); install it with: {INSTALL_HINT}"
    return True, ""
