"""Shared helpers of the op tests: a CPU context and a one-op graph runner."""

from __future__ import annotations

import numpy as np
import onnx

import webnn
from webnn.converters import default_registry

INT_TYPES = ["int8", "uint8", "int32", "uint32", "int64", "uint64"]


def run1(ctx: webnn.MLContext, fn: str, x: np.ndarray, *args, check_onnx: bool = False, **options) -> np.ndarray:
    """Build input -> fn(input, *args, **options), compute, check the output's shape and type
    (and, with ``check_onnx``, that the ONNX model passes the ONNX checker)."""
    b = webnn.MLGraphBuilder(ctx)
    xi = b.input("x", list(x.shape), x.dtype.name)
    y = getattr(b, fn)(xi, *args, **options)
    g = b.build({"y": y})
    out = ctx.compute(g, {"x": x})["y"]
    assert list(out.shape) == list(y.shape)
    assert out.dtype == x.dtype
    if check_onnx:
        model = onnx.load_from_string(default_registry().convert(g.info, "onnx").data)
        onnx.checker.check_model(model, full_check=True)
    return out
