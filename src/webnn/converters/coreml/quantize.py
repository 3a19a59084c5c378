"""CoreML rules for quantize_linear / dequantize_linear, decomposed exactly.

WebNN's *blockwise* broadcast of scale and zeroPoint (each input dimension a multiple of
theirs) is expanded with reshape + tile per blocked axis (the spec's ``blockwiseExpand``).

- dequantize ``(input - zeroPoint) * scale``: the difference is exact (int32 for 8-bit types;
  for int32/uint32 inputs it is assembled from exact 16-bit halves and rounded once to float32),
  the product is computed in float32 and rounded once to the output type. When input, scale and
  zeroPoint are all 8-bit constants the op becomes MIL's ``constexpr_blockwise_shift_scale``,
  so the weights stay 8-bit in the weights file.
- quantize ``saturate(roundEven(input / scale) + zeroPoint)``: the quotient in float32, ``round``
  (halves to even), then the sum saturated: in float32 for 8-bit types (exact after clamping the
  quotient to +/-2^20), in exact int32 pieces for int32. uint32 results above 2^31 - 1 cannot be
  carried (CoreML's integers are int32), so quantizeLinear to uint32 is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...graph import Operation
from ...ops.quantize import blockwise_steps
from ._mil import Emitter, mb, rule

_RANGE = {"uint8": (0, 255), "int8": (-128, 127), "uint32": (0, 2**32 - 1), "int32": (-(2**31), 2**31 - 1)}


def blockwise_expand(x, shape: Sequence[int], target: Sequence[int]):
    """``x`` (shape ``shape``) blockwise expanded to ``target`` (the spec's ``blockwiseExpand``)."""
    for step in blockwise_steps(shape, target):
        x = mb.reshape(x=x, shape=np.array([step.before, step.size, 1, step.after], dtype=np.int32))
        x = mb.tile(x=x, reps=np.array([1, 1, step.repeats, 1], dtype=np.int32))
        x = mb.reshape(x=x, shape=np.array(step.shape, dtype=np.int32))
    return x


def _halves(x):
    """(hi, lo) with x = hi * 65536 + lo, lo in [0, 65536) (int32, exact)."""
    hi = mb.floor_div(x=x, y=np.int32(65536))
    lo = mb.sub(x=x, y=mb.mul(x=hi, y=np.int32(65536)))
    return hi, lo


def _fp32(e: Emitter, v):
    return e.cast(v, "fp32")


@rule(
    "dequantize_linear",
    mil="sub (int32), cast, mul in float32 (blockwise scale/zeroPoint: reshape+tile); 8-bit constants: constexpr_blockwise_shift_scale",
    wide=True,
)
def dequantize_linear(e: Emitter, op: Operation) -> None:
    xd, sd, zd = e.xd(op), e.xd(op, "scale"), e.xd(op, "zero_point")
    out = e.yd(op).data_type
    consts = [e.const_value(op, name) for name in ("input", "scale", "zero_point")]
    if xd.data_type in ("int8", "uint8") and all(c is not None for c in consts) and xd.shape:
        data, scale, zp = consts
        y = mb.constexpr_blockwise_shift_scale(data=np.asarray(data), scale=np.asarray(scale), offset=np.asarray(zp))
        e.set(op, y)
        return
    target = xd.shape
    x, zp = e.x(op), blockwise_expand(e.x(op, "zero_point"), zd.shape, target)
    if xd.data_type in ("int8", "uint8"):
        diff = _fp32(e, mb.sub(x=x, y=zp))
    else:
        xh, xl = _halves(x)
        zh, zl = _halves(zp)
        dh = _fp32(e, mb.sub(x=xh, y=zh))
        dl = _fp32(e, mb.sub(x=xl, y=zl))
        diff = mb.add(x=mb.mul(x=dh, y=np.float32(65536)), y=dl)
    scale = blockwise_expand(_fp32(e, e.x(op, "scale")), sd.shape, target)
    y = mb.mul(x=diff, y=scale)
    e.set(op, y if out == "float32" else mb.cast(x=y, dtype="fp16"))


@rule("quantize_linear", mil="real_div, round (halves to even), add zeroPoint, saturate: float32 for 8-bit, exact int32 pieces for int32")
def quantize_linear(e: Emitter, op: Operation) -> None:
    xd, sd, zd = e.xd(op), e.xd(op, "scale"), e.xd(op, "zero_point")
    target = xd.shape
    out = e.yd(op).data_type
    lo, hi = _RANGE[out]
    x = _fp32(e, e.x(op))
    scale = blockwise_expand(_fp32(e, e.x(op, "scale")), sd.shape, target)
    q = mb.round(x=mb.real_div(x=x, y=scale))
    zp = blockwise_expand(e.x(op, "zero_point"), zd.shape, target)
    if out in ("uint8", "int8"):
        # |q| <= 2^20 keeps q + zeroPoint exact in float32 and saturates as the unclamped sum would.
        q = mb.clip(x=q, alpha=np.float32(-(2.0**20)), beta=np.float32(2.0**20))
        s = mb.add(x=q, y=_fp32(e, zp))
        s = mb.clip(x=s, alpha=np.float32(lo), beta=np.float32(hi))
        e.set(op, mb.cast(x=s, dtype="int32"))
        return
    # int32: |q| <= 2^32 gives the same saturated result; split q and zeroPoint into exact
    # 16-bit halves, add with carry, saturate on the high half, reassemble in int32.
    q = mb.clip(x=q, alpha=np.float32(-(2.0**32)), beta=np.float32(2.0**32))
    qh = mb.floor(x=mb.mul(x=q, y=np.float32(1.0 / 65536)))
    ql = mb.sub(x=q, y=mb.mul(x=qh, y=np.float32(65536)))
    zh, zl = _halves(zp)
    h = mb.add(x=mb.cast(x=qh, dtype="int32"), y=zh)
    low = mb.add(x=mb.cast(x=ql, dtype="int32"), y=zl)
    carry = mb.floor_div(x=low, y=np.int32(65536))
    h = mb.add(x=h, y=carry)
    low = mb.sub(x=low, y=mb.mul(x=carry, y=np.int32(65536)))
    hc = mb.minimum(x=mb.maximum(x=h, y=np.int32(-32768)), y=np.int32(32767))
    r = mb.add(x=mb.mul(x=hc, y=np.int32(65536)), y=low)
    r = e.select(mb.less(x=h, y=np.int32(-32768)), np.int32(lo), r)
    r = e.select(mb.greater(x=h, y=np.int32(32767)), np.int32(hi), r)
    e.set(op, r)
