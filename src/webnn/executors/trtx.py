"""Run ONNX model bytes on TensorRT-RTX: the seed's ``run_trtx_*`` functions.

A facade over :mod:`webnn.backends.trtx.direct`: any ONNX model works; the engine comes from
the verified engine cache or an ahead-of-time build, and the runner (GPU, or the labelled
simulation when ``simulate=True`` / ``WEBNN_TRTX_SIMULATE=1``) is kept per model and options.
Pass ``profiles=[{"x": (min, opt, max)}]`` to fix a dynamic input's range yourself.
``cache_info()`` / ``clear_cache()`` inspect and empty the engine cache.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..backends.trtx.direct import cache_info, clear_cache, close_all, run_model
from . import ModelInput, ModelOutput, ModelOutputWithData


class TrtxInput(ModelInput):
    """A named input for TensorRT-RTX: its shape and data (None for zeroed runs)."""


class TrtxOutput(ModelOutput):
    """A TensorRT-RTX output's name, shape and data type (no data)."""


class TrtxOutputWithData(ModelOutputWithData):
    """A TensorRT-RTX output's name, shape and data."""


def run_trtx_with_inputs(
    onnx_model_bytes: bytes,
    inputs: Sequence[ModelInput],
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
    """Run the model on the given inputs with TensorRT-RTX; returns every model output with its data (options: docs/trtx.md)."""
    out = run_model(
        onnx_model_bytes, inputs, simulate=simulate, cache_dir=cache_dir, cache=cache, workspace=workspace, profiles=profiles,
        compute_capabilities=compute_capabilities, optimization_level=optimization_level, progress=progress, device=device,
    )
    return [TrtxOutputWithData(n, list(a.shape), a) for n, a in out.items()]


def run_trtx_zeroed(onnx_model_bytes: bytes, inputs: Sequence[ModelInput], **options: Any) -> list[TrtxOutput]:
    """Run the model on zero-filled inputs of the given shapes (dtype: ``data``'s, else the model's); returns output shapes and data types."""
    return [TrtxOutput(n, list(a.shape), a.dtype.name) for n, a in run_model(onnx_model_bytes, inputs, zeroed=True, **options).items()]


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
