"""QuantizeLinear and DequantizeLinear (per tensor, per axis, blocked)."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ...operand import MLOperand
from .._importer import WEBNN_TYPES, NodeContext
from .._registry import onnx_op
from ._common import FLOATS, need_types, reshape

QUANT = ("uint8", "int8", "int32", "uint32")
REFUSES = {"block": "a block size that does not divide the blocked dimension", "precision": "precision different from the input's type"}


def _scale_shape(n: NodeContext, x_shape: list[int], s: MLOperand) -> list[int]:
    """The shape that makes ``s`` (a scale or zero point) blockwise-broadcast to ``x_shape``."""
    rank = len(x_shape)
    if s.rank == 0 or (s.rank == 1 and s.shape[0] == 1 and n.version < 13):
        return [1] * rank
    axis = n.axis(n.attr("axis", 1), rank) if n.version >= 13 else 1
    block = int(n.attr("block_size", 0)) if n.version >= 21 else 0
    if block:
        if s.rank != rank:
            raise ValueError(f"blocked scale must have rank {rank}")
        for d, (xd, sd) in enumerate(zip(x_shape, s.shape, strict=False)):
            if d == axis:
                if sd * block != xd:
                    raise n.refuse("block", f"block_size {block} with dimension {xd} and {sd} blocks")
            elif sd != xd:
                raise ValueError(f"blocked scale shape {list(s.shape)} does not match {x_shape}")
        return list(s.shape)
    if s.rank == 1 and s.shape[0] == 1 and rank and x_shape[axis] != 1:
        return [1] * rank
    if s.rank != 1 or s.shape[0] != x_shape[axis]:
        raise ValueError(f"per-axis scale of shape {list(s.shape)} does not match axis {axis} of {x_shape}")
    shape = [1] * rank
    shape[axis] = x_shape[axis]
    return shape


def _expanded(n: NodeContext, x_shape: list[int], s: MLOperand) -> MLOperand:
    """WebNN's blockwise broadcasting needs equal ranks; a per-tensor scale broadcasts anyway."""
    shape = _scale_shape(n, x_shape, s)
    if not x_shape:
        return reshape(n, s, [])
    return reshape(n, s, shape)


@onnx_op("QuantizeLinear", since=10, refuses=REFUSES)
def quantize_linear(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "quantizeLinear")
    if n.version >= 23 and int(n.attr("precision", 0)) not in (0, _onnx_type(dt)):
        raise n.refuse("precision", f"precision {n.attr('precision')}")
    x = n.x(0)
    scale = n.x(1)
    if scale.data_type != dt:
        scale = n.b.cast(scale, dt)
    if n.has(2):
        out_dt = need_types(n, 2, QUANT, "quantizeLinear")
        zp = n.x(2)
    else:
        to = int(n.attr("output_dtype", 0)) if n.version >= 21 else 0
        to = to or TensorProto.UINT8
        found = WEBNN_TYPES.get(to)
        if found is None or found not in QUANT:
            raise n.refuse("dtype", f"output type {TensorProto.DataType.Name(to).lower()}")
        out_dt = found
        zp = n.constant(np.zeros(scale.shape, dtype=np.dtype(out_dt)))
    shape = list(x.shape)
    return n.b.quantize_linear(x, _expanded(n, shape, scale), _expanded(n, shape, zp))


def _onnx_type(dt: str) -> int:
    return {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16}[dt]


@onnx_op("DequantizeLinear", since=10, refuses=REFUSES)
def dequantize_linear(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, QUANT, "dequantizeLinear")
    x = n.x(0)
    scale = n.x(1)
    need_types(n, 1, FLOATS, "dequantizeLinear")
    out = int(n.attr("output_dtype", 0)) if n.version >= 23 else 0
    if out and WEBNN_TYPES.get(out) != scale.data_type:
        raise n.refuse("dtype", f"output_dtype {TensorProto.DataType.Name(out).lower()} differs from the scale's {scale.data_type}")
    zp = n.x(2) if n.has(2) else n.constant(np.zeros(scale.shape, dtype=np.dtype(dt)))
    shape = list(x.shape)
    return n.b.dequantize_linear(x, _expanded(n, shape, scale), _expanded(n, shape, zp))
