"""The CLI's one door to :mod:`webnn.executors`: running ONNX model bytes on a backend, and
the TensorRT-RTX engine cache. No other CLI module imports executor or TensorRT-RTX code."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import numpy as np

from ._errors import UserError, unavailable

Feed = dict[str, np.ndarray]
RunFn = Callable[[Feed], dict[str, np.ndarray]]


def _onnxruntime() -> tuple[Callable[..., Any], type]:
    from ..executors.onnx import OnnxInput, run_onnx_with_inputs  # deferred: imports onnxruntime

    return run_onnx_with_inputs, OnnxInput


def _trtx() -> tuple[Callable[..., Any], type]:
    from ..executors.trtx import TrtxInput, run_trtx_with_inputs  # deferred: TensorRT-RTX plumbing, only for its runs

    return run_trtx_with_inputs, TrtxInput


#: Backend -> loader of (run function, input type) of the executor that runs ONNX bytes on it.
_EXECUTORS: dict[str, Callable[[], tuple[Callable[..., Any], type]]] = {"onnxruntime": _onnxruntime, "trtx": _trtx}


def runs_onnx(name: str) -> bool:
    """Whether webnn has an executor that runs ONNX files on backend ``name``."""
    return name in _EXECUTORS


def _accepted(fn: Callable[..., Any]) -> set[str] | None:
    """The keyword parameters ``fn`` takes; None when it takes any."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return set()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return set(params)


def open_onnx(name: str, model_bytes: bytes, options: Mapping[str, Any], *, simulate: bool, bench: bool) -> RunFn:
    """A function that runs the ONNX model on backend ``name`` (one that :func:`runs_onnx`)
    with the library's executor; unknown ``options`` are a :class:`UserError`.

    ``simulate`` is the selection's decision, passed on so the executor does not re-read
    ``WEBNN_TRTX_SIMULATE`` (as MLContext does). For ``bench`` on ONNX Runtime, one session
    made up front, so the timed runs exclude the executor's per-call model lookup.
    """
    try:
        run_fn, input_cls = _EXECUTORS[name]()
    except ImportError as e:
        raise unavailable(name, f"webnn's {name} executor is not available ({e})") from None
    accepted = _accepted(run_fn)
    unused = sorted(k for k in options if accepted is not None and k not in accepted)
    if unused:
        raise UserError(f"option(s) {', '.join(unused)} not taken by the {name} executor")
    if name == "onnxruntime" and bench:
        from ..backends.onnxruntime import create_session  # deferred: imports onnxruntime

        sess = create_session(bytes(model_bytes))
        names = [o.name for o in sess.get_outputs()]
        return lambda feed: dict(zip(names, map(np.asarray, sess.run(names, feed)), strict=True))
    opts = dict(options)
    if "simulate" not in opts and accepted is not None and "simulate" in accepted:
        opts["simulate"] = simulate

    def run(feed: Feed) -> dict[str, np.ndarray]:
        outs = run_fn(model_bytes, [input_cls(name=n, shape=list(a.shape), data=a) for n, a in feed.items()], **opts)
        return {o.name: np.asarray(o.data).reshape(o.shape) for o in outs}

    return run


def trtx_cache() -> ModuleType | None:
    """``webnn.executors.trtx`` (``cache_info()``, ``clear_cache()``) if it imports, else None."""
    try:
        from ..executors import trtx  # deferred: TensorRT-RTX plumbing, only for cache commands
    except ImportError:  # its dependencies are missing: the CLI reports only the shared cache
        return None
    return trtx
