"""webnn: the W3C Web Neural Network API in Python.

Build a graph once with :class:`MLGraphBuilder`; ``context.compute`` runs it on the
best engine here: ONNX Runtime (CPU), TensorRT-RTX (NVIDIA GPUs) or CoreML (Apple).
"""

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
]
