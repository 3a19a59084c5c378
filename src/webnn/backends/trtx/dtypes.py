"""TensorRT-RTX data types <-> numpy dtypes."""

from __future__ import annotations

import numpy as np

from ...errors import TrtxRuntimeFailed
from .lib import trt

_NAMES = {"FLOAT": "float32", "HALF": "float16", "INT8": "int8", "INT32": "int32", "INT64": "int64", "BOOL": "bool", "UINT8": "uint8"}


def trt_dtype_name(dt) -> str:  # trt.DataType
    """numpy dtype name for a TensorRT data type, or ``trt:<NAME>`` when numpy has none (BF16, FP8...)."""
    name = getattr(dt, "name", str(dt).split(".")[-1])
    return _NAMES.get(name, f"trt:{name}")


def numpy_dtype(dt) -> np.dtype:
    return spec_dtype(trt_dtype_name(dt))


def spec_dtype(name: str) -> np.dtype:
    """The numpy dtype of a :class:`~.loaders.TensorSpec` dtype name (``onnx:``/``trt:`` names have none)."""
    if name.startswith(("onnx:", "trt:")):
        raise TrtxRuntimeFailed(f"tensor type {name.split(':', 1)[1]} has no numpy equivalent")
    return np.dtype(name)


def trt_dtype(np_dtype: np.dtype):
    t = trt()
    inv = {v: k for k, v in _NAMES.items()}
    return getattr(t.DataType, inv[np.dtype(np_dtype).name])
