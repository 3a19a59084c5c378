"""Run ONNX model bytes on TensorRT-RTX: the seed's ``run_trtx_*`` functions.

Any ONNX model works, not only ones webnn produced. The engine comes from the verified
engine cache or an ahead-of-time build (see :mod:`webnn.backends.trtx`); the runner (GPU, or
the labelled simulation when ``simulate=True`` / ``WEBNN_TRTX_SIMULATE=1``) is kept per
model and options, so repeated calls neither rebuild nor re-deserialize. Models with
dynamic inputs get a default optimization profile around the first shapes seen; a later
shape outside it selects (or builds) an engine whose profile covers it. Pass
``profiles=[{"x": (min, opt, max)}]`` to fix the range yourself.

``cache_info()`` / ``clear_cache()`` inspect and empty the engine cache.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..errors import ValidationError

__all__ = [
    "TrtxInput",
    "TrtxOutput",
    "TrtxOutputWithData",
    "run_trtx_with_inputs",
    "run_trtx_zeroed",
    "cache_info",
    "clear_cache",
    "close_all",
]


@dataclass
class TrtxInput:
    """A named input: its shape and data (a numpy array of any supported dtype; None for zeroed runs)."""

    name: str
    shape: Sequence[int]
    data: Any = None


@dataclass
class TrtxOutput:
    """An output's name, shape and data type (no data)."""

    name: str
    shape: list[int]
    data_type: str


@dataclass
class TrtxOutputWithData:
    """An output's name, shape and data."""

    name: str
    shape: list[int]
    data: np.ndarray


_RUNNERS: "OrderedDict[tuple, tuple[Any, Any]]" = OrderedDict()
_LOCK = threading.Lock()
_MAX_RUNNERS = 8


def _options(workspace: int | None, profiles: Any, compute_capabilities: Any, optimization_level: int | None) -> Any:
    from ..backends.trtx.options import BuildOptions

    return BuildOptions(
        workspace=workspace,
        profiles=tuple(profiles or ()),
        compute_capabilities=tuple(compute_capabilities or ()),
        optimization_level=optimization_level,
    )


def _cache(cache_dir: str | None, use_cache: bool) -> Any:
    from ..backends.trtx.cache import EngineCache

    return EngineCache(cache_dir) if use_cache else None


def _runner(model: bytes, shapes: dict[str, tuple[int, ...]], *, simulate: bool | None, cache_dir: str | None, use_cache: bool, options: Any, progress: bool | None, device: int) -> Any:
    from ..backends.trtx.session import open_runner
    from ..backends.trtx.simulate import simulate_requested

    sim = simulate_requested(simulate)
    sha = hashlib.sha256(model).hexdigest()
    key = (sha, json.dumps(options.to_json(), sort_keys=True), str(cache_dir), use_cache, sim, device)
    with _LOCK:
        hit = _RUNNERS.get(key)
        if hit is not None and hit[1].covers(shapes):
            _RUNNERS.move_to_end(key)
            return hit[0]
    runner, record = open_runner(
        model, options, cache=_cache(cache_dir, use_cache), simulate=sim, hints=shapes, label=f"onnx {sha[:12]}", progress=progress, device=device
    )
    with _LOCK:
        old = _RUNNERS.pop(key, None)
        _RUNNERS[key] = (runner, record)
        evicted = [old] if old is not None else []
        while len(_RUNNERS) > _MAX_RUNNERS:
            evicted.append(_RUNNERS.popitem(last=False)[1])
    for r, _ in evicted:
        r.close()
    return runner


def close_all() -> None:
    """Close every runner the seed functions keep (frees their GPU memory)."""
    with _LOCK:
        items = list(_RUNNERS.values())
        _RUNNERS.clear()
    for r, _ in items:
        r.close()


def _feed(inputs: Sequence[TrtxInput], types: dict[str, str]) -> dict[str, np.ndarray]:
    """Arrays keep their dtype (checked later); Python lists/scalars take the model's input type."""
    feed = {}
    for inp in inputs:
        if not isinstance(inp, TrtxInput):
            raise ValidationError(f"run_trtx: inputs must be TrtxInput objects, got {type(inp).__name__}")
        shape = tuple(int(d) for d in inp.shape)
        want = types.get(inp.name, "")
        if not isinstance(inp.data, np.ndarray) and not hasattr(inp.data, "__array_interface__") and want and not want.startswith("onnx:"):
            arr = np.asarray(inp.data, dtype=want)
        else:
            arr = np.asarray(inp.data)
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise ValidationError(f"run_trtx: input {inp.name!r}: data has {arr.size} elements, shape {list(shape)} needs {int(np.prod(shape))}")
        feed[inp.name] = np.ascontiguousarray(arr.reshape(shape))
    return feed


def run_trtx_with_inputs(
    onnx_model_bytes: bytes,
    inputs: Sequence[TrtxInput],
    *,
    simulate: bool | None = None,
    cache_dir: str | None = None,
    cache: bool = True,
    workspace: int | None = None,
    profiles: Sequence[Any] | None = None,
    compute_capabilities: Sequence[str] | None = None,
    optimization_level: int | None = None,
    progress: bool | None = None,
    device: int = 0,
) -> list[TrtxOutputWithData]:
    """Run the model on the given inputs with TensorRT-RTX; returns every model output with its data."""
    from ..backends.trtx.loaders import inspect_onnx

    model = bytes(onnx_model_bytes)
    info = inspect_onnx(model)
    expected = {s.name: s for s in info.inputs}
    feed = _feed(inputs, {n: s.dtype for n, s in expected.items()})
    unknown = sorted(set(feed) - set(expected))
    missing = sorted(set(expected) - set(feed))
    if unknown or missing:
        parts = ([f"unknown input(s) {', '.join(unknown)}"] if unknown else []) + ([f"missing input(s) {', '.join(missing)}"] if missing else [])
        raise ValidationError(f"run_trtx: {'; '.join(parts)} (model inputs: {', '.join(expected)})")
    for name, a in feed.items():
        want = expected[name].dtype
        if a.dtype.name != want:
            raise ValidationError(f"run_trtx: input {name!r} has dtype {a.dtype}, the model expects {want}")
    runner = _runner(
        model,
        {n: a.shape for n, a in feed.items()},
        simulate=simulate,
        cache_dir=cache_dir,
        use_cache=cache,
        options=_options(workspace, profiles, compute_capabilities, optimization_level),
        progress=progress,
        device=device,
    )
    out = runner.infer(feed)
    return [TrtxOutputWithData(s.name, list(out[s.name].shape), out[s.name]) for s in info.outputs if s.name in out]


def run_trtx_zeroed(onnx_model_bytes: bytes, inputs: Sequence[TrtxInput], **options: Any) -> list[TrtxOutput]:
    """Run the model on zero-filled inputs of the given shapes; returns output shapes and data types.

    An input's dtype is its ``data``'s when given, else the model's declared input type.
    """
    from ..backends.trtx.loaders import inspect_onnx

    types = {s.name: s.dtype for s in inspect_onnx(bytes(onnx_model_bytes)).inputs}
    zeroed = []
    for i in inputs:
        if i.data is not None:
            dt = np.asarray(i.data).dtype
        else:
            name = types.get(i.name, "float32")
            dt = np.dtype(name if not name.startswith("onnx:") else "float32")
        zeroed.append(TrtxInput(i.name, i.shape, np.zeros(tuple(int(d) for d in i.shape), dtype=dt)))
    return [TrtxOutput(o.name, o.shape, o.data.dtype.name) for o in run_trtx_with_inputs(onnx_model_bytes, zeroed, **options)]


def cache_info(cache_dir: str | None = None) -> dict:
    """The engine cache: directory, number of entries, bytes used, size limit, one item per engine."""
    from ..backends.trtx.cache import EngineCache

    return EngineCache(cache_dir).info()


def clear_cache(cache_dir: str | None = None) -> int:
    """Delete every cached engine and runtime cache; returns how many entries were removed."""
    from ..backends.trtx.cache import EngineCache

    return EngineCache(cache_dir).clear()
