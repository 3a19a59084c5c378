"""ONNX rules for quantize_linear / dequantize_linear, decomposed exactly.

WebNN lets scale and zeroPoint be *blockwise* broadcast (each input dimension a multiple of
theirs, every element repeated in blocks), which ONNX's QuantizeLinear/DequantizeLinear
cannot express in general (one blocked axis at most) and ORT lacks kernels for uint32
and int32 outputs. The rules follow the spec's emulation: blockwise expansion with
Reshape+Expand+Reshape per blocked axis (the spec's ``blockwiseExpand``), then plain
arithmetic.

- dequantize: ``(input - zeroPoint) * scale``. The difference is exact (float32 for 8-bit
  types, int64 for 32-bit ones), the product is computed in float32 and rounded once to
  the output type (exact for 8-bit inputs; for 32-bit inputs a difference beyond 2**24 is
  rounded to float32 first).
- quantize: ``saturate(roundEven(input / scale) + zeroPoint)``: the quotient is computed in
  float32 (float16 operands are widened exactly), rounded half to even, clamped to a range
  wide enough not to change the saturated result, then zeroPoint is added exactly (float32
  for 8-bit types, int64 for 32-bit ones) and the sum saturated to the output type's range.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...graph import Operation
from ...ops.quantize import blockwise_steps
from . import Emitter, rule

_RANGE = {"uint8": (0, 255), "int8": (-128, 127), "uint32": (0, 2**32 - 1), "int32": (-(2**31), 2**31 - 1)}


def blockwise_expand(e: Emitter, x: str, shape: Sequence[int], target: Sequence[int]) -> str:
    """``x`` (shape ``shape``) blockwise expanded to ``target`` (the spec's ``blockwiseExpand``)."""
    for step in blockwise_steps(shape, target):
        x = e.node("Reshape", [x, e.i64([step.before, step.size, 1, step.after])])
        x = e.node("Expand", [x, e.i64([step.before, step.size, step.repeats, step.after])])
        x = e.node("Reshape", [x, e.i64(step.shape)])
    return x


def _as_float32(e: Emitter, x: str, data_type: str) -> str:
    return x if data_type == "float32" else e.cast(x, "float32")


@rule("dequantize_linear")
def dequantize_linear(e: Emitter, op: Operation) -> None:
    xd, sd, zd = e.xd(op), e.xd(op, "scale"), e.xd(op, "zero_point")
    target = xd.shape
    wide = "float32" if xd.data_type in ("uint8", "int8") else "int64"
    x = e.cast(e.x(op), wide)
    zp = blockwise_expand(e, e.cast(e.x(op, "zero_point"), wide), zd.shape, target)
    diff = e.node("Sub", [x, zp])
    if wide != "float32":
        diff = e.cast(diff, "float32")
    scale = blockwise_expand(e, _as_float32(e, e.x(op, "scale"), sd.data_type), sd.shape, target)
    out = e.yd(op).data_type
    if out == "float32":
        e.node("Mul", [diff, scale], e.y(op))
    else:
        e.cast(e.node("Mul", [diff, scale]), out, e.y(op))


@rule("quantize_linear")
def quantize_linear(e: Emitter, op: Operation) -> None:
    xd, sd, zd = e.xd(op), e.xd(op, "scale"), e.xd(op, "zero_point")
    target = xd.shape
    out = e.yd(op).data_type
    lo, hi = _RANGE[out]
    x = _as_float32(e, e.x(op), xd.data_type)
    scale = blockwise_expand(e, _as_float32(e, e.x(op, "scale"), sd.data_type), sd.shape, target)
    q = e.node("Round", [e.node("Div", [x, scale])])
    if out in ("uint8", "int8"):
        # |q| <= 2**20 keeps q + zeroPoint exact in float32 and saturates as the unclamped sum would.
        q = e.node("Clip", [q, e.scalar(-(2.0**20), "float32"), e.scalar(2.0**20, "float32")])
        zp = blockwise_expand(e, e.cast(e.x(op, "zero_point"), "float32"), zd.shape, target)
        s = e.node("Add", [q, zp])
        s = e.node("Clip", [s, e.scalar(lo, "float32"), e.scalar(hi, "float32")])
    else:
        # |q| <= 2**40 is exact in float32 and int64, and beyond any 32-bit result after adding zeroPoint.
        q = e.node("Clip", [q, e.scalar(-(2.0**40), "float32"), e.scalar(2.0**40, "float32")])
        zp = blockwise_expand(e, e.cast(e.x(op, "zero_point"), "int64"), zd.shape, target)
        s = e.node("Add", [e.cast(q, "int64"), zp])
        s = e.node("Clip", [s, e.scalar(lo, "int64"), e.scalar(hi, "int64")])
    e.cast(s, out, e.y(op))
