"""ONNX rule for resample2d, computed from the spec's formulas with Gather.

Indices and weights are computed exactly at conversion time (:class:`webnn.ops.resample.ResampleAxis`),
so no floating-point coordinate rounding can pick a different neighbour: nearest-neighbor
gathers ``ceil(clamp(c) - 0.5)``, linear computes ``v0 * (1 - t) + v1 * t`` along the second
axis, then the first. int8/uint8 linear is interpolated in float32 and rounded to the nearest
integer (ties to even).
"""

from __future__ import annotations

from ...graph import Operation
from ...ops.resample import resample_axes
from . import Emitter, rule


@rule("resample2d")
def resample2d(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    x = e.x(op)
    steps = resample_axes(xd.shape, e.yd(op).shape, op.attr("axes"))
    if not steps:
        e.node("Identity", [x], e.y(op))
        return
    if op.attr("mode") == "nearest-neighbor":
        for n, step in enumerate(steps):
            target = e.y(op) if n == len(steps) - 1 else 1
            x = e.node("Gather", [x, e.i64(step.nearest)], target, axis=step.axis)
        return
    dt = xd.data_type
    compute = dt if dt in ("float32", "float16") else "float32"
    if compute != dt:
        x = e.cast(x, compute)
    for n, step in enumerate(steps):
        last = n == len(steps) - 1 and compute == dt
        target = e.y(op) if last else 1
        if step.integral:
            x = e.node("Gather", [x, e.i64(step.lower)], target, axis=step.axis)
            continue
        w0 = e.const(step.lower_weight.astype(compute))
        w1 = e.const(step.upper_weight.astype(compute))
        v0 = e.node("Mul", [e.node("Gather", [x, e.i64(step.lower)], 1, axis=step.axis), w0], 1)
        v1 = e.node("Mul", [e.node("Gather", [x, e.i64(step.upper)], 1, axis=step.axis), w1], 1)
        x = e.node("Add", [v0, v1], target)
    if compute != dt:
        e.cast(e.node("Round", [x], 1), dt, e.y(op))
