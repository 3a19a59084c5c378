"""ONNX rules for data movement: reshape transpose concat split slice expand tile reverse."""

from __future__ import annotations

from ...graph import Operation
from . import Emitter, rule

INT64_MIN = -(2**63)


@rule("reshape")
def reshape(e: Emitter, op: Operation) -> None:
    e.node("Reshape", [e.x(op), e.i64(list(e.yd(op).shape))], e.y(op))


@rule("transpose")
def transpose(e: Emitter, op: Operation) -> None:
    perm = list(op.attr("permutation"))
    if perm == sorted(perm):  # identity permutation (also rank 0: ONNX cannot encode an empty perm)
        e.node("Identity", [e.x(op)], e.y(op))
        return
    e.node("Transpose", [e.x(op)], e.y(op), perm=perm)


@rule("concat")
def concat(e: Emitter, op: Operation) -> None:
    e.node("Concat", [e.name(i) for i in op.inputs if i is not None], e.y(op), axis=op.attr("axis"))


@rule("split")
def split(e: Emitter, op: Operation) -> None:
    sizes = op.attr("splits")
    outs = [e.y(op, i) for i in range(len(op.outputs))]
    if len(outs) == 1:
        e.node("Identity", [e.x(op)], outs[0])
        return
    e.node("Split", [e.x(op), e.i64(sizes)], outs, axis=op.attr("axis"))


@rule("slice")
def slice_(e: Emitter, op: Operation) -> None:
    starts, sizes, steps = op.attr("starts"), op.attr("sizes"), op.attr("strides")
    rank = len(starts)
    if rank == 0 or (all(s == 0 for s in starts) and list(sizes) == list(e.xd(op).shape) and all(s == 1 for s in steps)):
        e.node("Identity", [e.x(op)], e.y(op))
        return
    ends = [s + n for s, n in zip(starts, sizes, strict=True)]
    inputs = [e.x(op), e.i64(starts), e.i64(ends), e.i64(list(range(rank)))]
    if any(s != 1 for s in steps):
        inputs.append(e.i64(steps))
    e.node("Slice", inputs, e.y(op))


@rule("expand")
def expand(e: Emitter, op: Operation) -> None:
    e.node("Expand", [e.x(op), e.i64(list(e.yd(op).shape))], e.y(op))


@rule("tile")
def tile(e: Emitter, op: Operation) -> None:
    e.node("Tile", [e.x(op), e.i64(op.attr("repetitions"))], e.y(op))


@rule("reverse")
def reverse(e: Emitter, op: Operation) -> None:
    shape = e.xd(op).shape
    axes = [a for a in op.attr("axes") if shape[a] > 1]  # reversing a size-1 axis is a no-op
    if not axes:
        e.node("Identity", [e.x(op)], e.y(op))
        return
    k = len(axes)
    e.node("Slice", [e.x(op), e.i64([-1] * k), e.i64([INT64_MIN] * k), e.i64(axes), e.i64([-1] * k)], e.y(op))
