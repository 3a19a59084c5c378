"""Run ONNX model bytes on TensorRT-RTX: the seed's ``run_trtx_*`` functions.

A facade over :mod:`webnn.backends.trtx.direct`: any ONNX model works; the engine comes from
the verified engine cache or an ahead-of-time build, and the runner (GPU, or the labelled
simulation when ``simulate=True`` / ``WEBNN_TRTX_SIMULATE=1``) is kept per model and options.
Pass ``profiles=[{"x": (min, opt, max)}]`` to fix a dynamic input's range yourself.
``cache_info()`` / ``clear_cache()`` inspect and empty the engine cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..backends.trtx import TrtxBackend
from ..backends.trtx.direct import cache_info, clear_cache, close_all, run_model
from . import ModelInput, ModelOutput, ModelOutputWithData, takes_options_of


class TrtxInput(ModelInput):
    """A named input for TensorRT-RTX: its shape and data (None for zeroed runs)."""


class TrtxOutput(ModelOutput):
    """A TensorRT-RTX output's name, shape and data type (no data)."""


class TrtxOutputWithData(ModelOutputWithData):
    """A TensorRT-RTX output's name, shape and data."""


@takes_options_of(TrtxBackend)
def run_trtx_with_inputs(onnx_model_bytes: bytes, inputs: Sequence[ModelInput], **options: Any) -> list[TrtxOutputWithData]:
    """Run the model on the given inputs with TensorRT-RTX; returns every model output with its data.

    ``options`` are :class:`~webnn.backends.trtx.TrtxBackend`'s: ``simulate``, ``cache_dir``,
    ``cache``, ``cache_max_bytes``, ``workspace``, ``profiles``, ``compute_capabilities``,
    ``optimization_level``, ``progress``, ``device`` (docs/trtx.md).
    """
    out = run_model(TrtxBackend(**options), onnx_model_bytes, inputs)
    return [TrtxOutputWithData(n, list(a.shape), a) for n, a in out.items()]


@takes_options_of(TrtxBackend)
def run_trtx_zeroed(onnx_model_bytes: bytes, inputs: Sequence[ModelInput], **options: Any) -> list[TrtxOutput]:
    """Run the model on zero-filled inputs of the given shapes (dtype: ``data``'s, else the model's); returns output shapes and data types."""
    out = run_model(TrtxBackend(**options), onnx_model_bytes, inputs, zeroed=True)
    return [TrtxOutput(n, list(a.shape), a.dtype.name) for n, a in out.items()]


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
