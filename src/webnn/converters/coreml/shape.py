"""CoreML rules for data movement: reshape transpose concat split slice expand tile reverse."""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from ._mil import Emitter, broadcast_to, mb, rule


@rule("reshape", mil="reshape", moves=True)
def reshape(e: Emitter, op: Operation) -> None:
    e.set(op, mb.reshape(x=e.x(op), shape=np.array(e.yd(op).shape, dtype=np.int32)))


@rule("transpose", mil="transpose (identity permutations: identity)", moves=True)
def transpose(e: Emitter, op: Operation) -> None:
    perm = list(op.attr("permutation"))
    if perm == sorted(perm):
        e.set(op, mb.identity(x=e.x(op)))
    else:
        e.set(op, mb.transpose(x=e.x(op), perm=perm))


@rule("concat", mil="concat", moves=True)
def concat(e: Emitter, op: Operation) -> None:
    xs = e.xs(op)
    if len(xs) == 1:
        e.set(op, mb.identity(x=xs[0]))
    else:
        e.set(op, mb.concat(values=xs, axis=op.attr("axis"), interleave=False))


@rule("split", mil="split (split_sizes)", moves=True)
def split(e: Emitter, op: Operation) -> None:
    sizes = list(op.attr("splits"))
    if len(sizes) == 1:
        e.set(op, mb.identity(x=e.x(op)))
        return
    outs = mb.split(x=e.x(op), split_sizes=np.array(sizes, dtype=np.int32), axis=op.attr("axis"))
    for i, v in enumerate(outs):
        e.set(op, v, i)


@rule("slice", mil="slice_by_index (begin, end, stride)", moves=True)
def slice_(e: Emitter, op: Operation) -> None:
    starts, sizes, strides = list(op.attr("starts")), list(op.attr("sizes")), list(op.attr("strides"))
    shape = list(e.xd(op).shape)
    if not shape or (all(s == 0 for s in starts) and sizes == shape and all(s == 1 for s in strides)):
        e.set(op, mb.identity(x=e.x(op)))
        return
    ends = [s + n for s, n in zip(starts, sizes, strict=True)]
    e.set(
        op,
        mb.slice_by_index(
            x=e.x(op),
            begin=np.array(starts, dtype=np.int32),
            end=np.array(ends, dtype=np.int32),
            stride=np.array(strides, dtype=np.int32),
        ),
    )


@rule("expand", mil="reshape to the output rank + tile", moves=True)
def expand(e: Emitter, op: Operation) -> None:
    shape_in, shape_out = e.xd(op).shape, e.yd(op).shape
    x = e.x(op)
    e.set(op, mb.identity(x=x) if list(shape_in) == list(shape_out) else broadcast_to(x, shape_in, shape_out))


@rule("tile", mil="tile", moves=True)
def tile(e: Emitter, op: Operation) -> None:
    reps = list(op.attr("repetitions"))
    if not reps or all(r == 1 for r in reps):
        e.set(op, mb.identity(x=e.x(op)))
    else:
        e.set(op, mb.tile(x=e.x(op), reps=np.array(reps, dtype=np.int32)))


@rule("reverse", mil="reverse (size-1 axes skipped)", moves=True)
def reverse(e: Emitter, op: Operation) -> None:
    shape = e.xd(op).shape
    axes = [a for a in op.attr("axes") if shape[a] > 1]
    if not axes:
        e.set(op, mb.identity(x=e.x(op)))
    else:
        e.set(op, mb.reverse(x=e.x(op), axes=np.array(axes, dtype=np.int32)))
