"""CoreML rule for resample2d: the spec's formulas with ``gather``, as in the ONNX rule.

Indices (and linear weights) are computed exactly at conversion time
(:class:`webnn.ops.resample.ResampleAxis`): nearest-neighbor gathers ``ceil(c - 0.5)``, linear
computes ``v0 * (1 - t) + v1 * t`` along the second axis, then the first; int8/uint8 linear is
interpolated in float32 and rounded to the nearest integer (ties to even).
"""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from ...ops.resample import resample_axes
from ._mil import Emitter, mb, rule

_FLOATS = ("float32", "float16")


def _gather(x, idx: np.ndarray, axis: int):
    return mb.gather(x=x, indices=np.asarray(idx, dtype=np.int32), axis=axis, validate_indices=False)


@rule("resample2d", mil="gather at exact indices (nearest-neighbor); gather, mul, add with exact weights (linear)")
def resample2d(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    x = e.x(op)
    steps = resample_axes(xd.shape, e.yd(op).shape, op.attr("axes"))
    if not steps:
        e.set(op, mb.identity(x=x))
        return
    if op.attr("mode") == "nearest-neighbor":
        for step in steps:
            x = _gather(x, step.nearest, step.axis)
        e.set(op, x)
        return
    dt = xd.data_type
    compute = "fp16" if dt == "float16" else "fp32"
    if dt not in _FLOATS:
        x = mb.cast(x=x, dtype="fp32")
    for step in steps:
        if step.integral:
            x = _gather(x, step.lower, step.axis)
            continue
        w0 = e.const(step.lower_weight, compute)
        w1 = e.const(step.upper_weight, compute)
        x = mb.add(x=mb.mul(x=_gather(x, step.lower, step.axis), y=w0), y=mb.mul(x=_gather(x, step.upper, step.axis), y=w1))
    if dt not in _FLOATS:
        x = mb.cast(x=mb.round(x=x), dtype="int32")
    e.set(op, x)
