"""Running ONNX model bytes on TensorRT-RTX directly (the seed's ``run_trtx_*`` in :mod:`webnn.executors.trtx`).

Any ONNX model works, not only ones webnn produced. The engine comes from the verified engine
cache or an ahead-of-time build; the runner (GPU, or the labelled simulation) is kept per model
and options, so repeated calls neither rebuild nor re-deserialize. Models with dynamic inputs get
a default optimization profile around the first shapes seen; a later shape outside it selects
(or builds) an engine whose profile covers it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import ModelCache, Runner, feed_from, zeroed_inputs
from .backend import TrtxBackend
from .cache import EngineCache
from .engines import EngineRecord
from .loaders import inspect_onnx

_RUNNERS: ModelCache[tuple, tuple[Runner, EngineRecord]] = ModelCache(8, close=lambda item: item[0].close())


def run_model(backend: TrtxBackend, onnx_model_bytes: bytes, inputs: Iterable[Any], *, zeroed: bool = False) -> dict[str, np.ndarray]:
    """Run ONNX model bytes on the seed API's inputs (``name``, ``shape``, ``data``) with ``backend``'s
    options; every output, in model order.

    Arrays must have the model's input types (lists take them). ``zeroed``: zero-filled inputs of
    the given shapes instead (dtype: ``data``'s, else the model's).
    """
    model = bytes(onnx_model_bytes)
    info = inspect_onnx(model)
    types = {s.name: (s.dtype if not s.dtype.startswith("onnx:") else "") for s in info.inputs}
    if zeroed:
        inputs = zeroed_inputs(inputs, types)
    feed = feed_from(inputs, types, "run_trtx", check_dtypes=True)
    shapes = {n: a.shape for n, a in feed.items()}
    cache = backend.cache
    key = (info.sha256, json.dumps(backend.options.to_json(), sort_keys=True), str(cache.dir) if cache else None, backend.simulated, backend.device)

    def build() -> tuple[Runner, EngineRecord]:
        label = f"onnx {info.sha256[:12]}"
        return backend.open_runner(model, label=label, hints=shapes)

    runner, _ = _RUNNERS.get(key, build, usable=lambda item: item[1].covers(shapes))
    out = runner.infer(feed)
    return {s.name: out[s.name] for s in info.outputs if s.name in out}


def close_all() -> None:
    """Close every runner :func:`run_model` keeps (frees their GPU memory)."""
    _RUNNERS.clear()


def cache_info(cache_dir: str | None = None) -> dict:
    """The engine cache: directory, number of entries, bytes used, size limit, one item per engine."""
    return EngineCache(cache_dir).info()


def clear_cache(cache_dir: str | None = None) -> int:
    """Delete every cached engine and runtime cache; returns how many entries were removed."""
    return EngineCache(cache_dir).clear()
