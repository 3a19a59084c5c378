"""Run ONNX model bytes on ONNX Runtime (CPU): the seed's ``run_onnx_*`` functions.

A facade over :func:`webnn.backends.onnxruntime.run_model` (sessions are cached per model).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..backends.onnxruntime import run_model
from . import ModelInput, ModelOutput, ModelOutputWithData


class OnnxInput(ModelInput):
    """A named input for ONNX Runtime: its shape and data."""


class OnnxOutput(ModelOutput):
    """An ONNX Runtime output's name, shape and data type (no data)."""


class OnnxOutputWithData(ModelOutputWithData):
    """An ONNX Runtime output's name, shape and data."""


def run_onnx_with_inputs(model_bytes: bytes, inputs: Sequence[ModelInput]) -> list[OnnxOutputWithData]:
    """Run the model on the given inputs; returns every model output with its data."""
    return [OnnxOutputWithData(n, list(a.shape), a) for n, a in run_model(model_bytes, inputs).items()]


def run_onnx_zeroed(model_bytes: bytes, inputs: Sequence[ModelInput]) -> list[OnnxOutput]:
    """Run the model on zero-filled inputs of the given shapes (dtype: ``data``'s, else the model's); returns output shapes and types."""
    return [OnnxOutput(n, list(a.shape), a.dtype.name) for n, a in run_model(model_bytes, inputs, zeroed=True).items()]


__all__ = ["OnnxInput", "OnnxOutput", "OnnxOutputWithData", "run_onnx_with_inputs", "run_onnx_zeroed"]
