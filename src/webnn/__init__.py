"""webnn: the W3C Web Neural Network API in Python.

Build a graph once with :class:`MLGraphBuilder`; ``context.compute`` runs it on the
best engine here: ONNX Runtime (CPU), TensorRT-RTX (NVIDIA GPUs) or CoreML (Apple).

The documented submodules (:data:`SUBMODULES`: ``webnn.converters``, ``webnn.onnx``,
``webnn.viz``...) are attributes of the package, imported on first use, so ``import webnn``
stays light; so is :func:`webnn.compare` (from :mod:`webnn.comparison`).
"""

import importlib
from typing import Any

from .builder import MLGraphBuilder
from .context import ML, FallbackWarning, MLContext, MLGraph, load_graph
from .errors import (
    BackendUnavailable,
    ConversionError,
    CoremlRuntimeFailed,
    GraphError,
    GraphFileError,
    InvalidStateError,
    OnnxRuntimeFailed,
    TrtxRuntimeFailed,
    UnsupportedError,
    ValidationError,
)
from .graph import GraphInfo, Operation
from .operand import MLOperand
from .tensor import MLTensor
from .types import DATA_TYPES, MLOperandDescriptor

__version__ = "0.1.0"

#: Submodules reachable as ``webnn.NAME`` without importing them first (imported on first access).
SUBMODULES = frozenset(
    {
        "backends", "cache_dir", "cli", "comparison", "context", "converters", "devices", "executors", "graph",
        "model_files", "models", "onnx", "selection", "tensor", "types", "viz", "webnn_graph",
    }
)
#: Functions reachable as ``webnn.NAME``, from the submodule that defines them (imported on first access).
_LAZY_FUNCTIONS = {"compare": "comparison", "load_model_file": "model_files", "convert_model_file": "model_files"}


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_FUNCTIONS:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | SUBMODULES | set(_LAZY_FUNCTIONS))

__all__ = [
    "ML",
    "MLContext",
    "MLGraph",
    "MLGraphBuilder",
    "MLOperand",
    "MLTensor",
    "FallbackWarning",
    "MLOperandDescriptor",
    "GraphInfo",
    "Operation",
    "load_graph",
    "DATA_TYPES",
    "ValidationError",
    "GraphFileError",
    "InvalidStateError",
    "GraphError",
    "ConversionError",
    "BackendUnavailable",
    "OnnxRuntimeFailed",
    "TrtxRuntimeFailed",
    "CoremlRuntimeFailed",
    "UnsupportedError",
    "compare",
    "load_model_file",
    "convert_model_file",
]
