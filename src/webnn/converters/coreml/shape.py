"""CoreML rules for data movement: reshape transpose concat split slice expand tile reverse."""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from ._mil import Emitter, mb, rule


@rule("reshape", mil="reshape")
def reshape(e: Emitter, op: Operation) -> None:
    e.set(op, mb.reshape(x=e.x(op), shape=np.array(e.yd(op).shape, dtype=np.int32)))


@rule("transpose", mil="transpose (identity permutations: identity)")
def transpose(e: Emitter, op: Operation) -> None:
    perm = list(op.attributes["permutation"])
    if perm == sorted(perm):
        e.set(op, mb.identity(x=e.x(op)))
    else:
        e.set(op, mb.transpose(x=e.x(op), perm=perm))


@rule("concat", mil="concat")
def concat(e: Emitter, op: Operation) -> None:
    xs = e.xs(op)
    if len(xs) == 1:
        e.set(op, mb.identity(x=xs[0]))
    else:
        e.set(op, mb.concat(values=xs, axis=op.attributes["axis"], interleave=False))


@rule("split", mil="split (split_sizes)")
def split(e: Emitter, op: Operation) -> None:
    sizes = list(op.attributes["splits"])
    if len(sizes) == 1:
        e.set(op, mb.identity(x=e.x(op)))
        return
    outs = mb.split(x=e.x(op), split_sizes=np.array(sizes, dtype=np.int32), axis=op.attributes["axis"])
    for i, v in enumerate(outs):
        e.set(op, v, i)


@rule("slice", mil="slice_by_index (begin, end, stride)")
def slice_(e: Emitter, op: Operation) -> None:
    a = op.attributes
    starts, sizes, strides = list(a["starts"]), list(a["sizes"]), list(a["strides"])
    shape = list(e.xd(op).shape)
    if not shape or (all(s == 0 for s in starts) and sizes == shape and all(s == 1 for s in strides)):
        e.set(op, mb.identity(x=e.x(op)))
        return
    ends = [s + n for s, n in zip(starts, sizes)]
    e.set(
        op,
        mb.slice_by_index(
            x=e.x(op),
            begin=np.array(starts, dtype=np.int32),
            end=np.array(ends, dtype=np.int32),
            stride=np.array(strides, dtype=np.int32),
        ),
    )


def broadcast_to(e: Emitter, x, shape_in, shape_out):
    """``x`` broadcast to ``shape_out`` exactly: reshape to the output rank, then tile the size-1 axes."""
    shape_in, shape_out = list(shape_in), list(shape_out)
    if shape_in == shape_out:
        return mb.identity(x=x)
    padded = [1] * (len(shape_out) - len(shape_in)) + shape_in
    if padded != shape_in:
        x = mb.reshape(x=x, shape=np.array(padded, dtype=np.int32))
    reps = [o // i for i, o in zip(padded, shape_out)]
    if any(r != 1 for r in reps):
        x = mb.tile(x=x, reps=np.array(reps, dtype=np.int32))
    return x


@rule("expand", mil="reshape to the output rank + tile")
def expand(e: Emitter, op: Operation) -> None:
    e.set(op, broadcast_to(e, e.x(op), e.xd(op).shape, e.yd(op).shape))


@rule("tile", mil="tile")
def tile(e: Emitter, op: Operation) -> None:
    reps = list(op.attributes["repetitions"])
    if not reps or all(r == 1 for r in reps):
        e.set(op, mb.identity(x=e.x(op)))
    else:
        e.set(op, mb.tile(x=e.x(op), reps=np.array(reps, dtype=np.int32)))


@rule("reverse", mil="reverse (size-1 axes skipped)")
def reverse(e: Emitter, op: Operation) -> None:
    shape = e.xd(op).shape
    axes = [a for a in op.attributes["axes"] if shape[a] > 1]
    if not axes:
        e.set(op, mb.identity(x=e.x(op)))
    else:
        e.set(op, mb.reverse(x=e.x(op), axes=np.array(axes, dtype=np.int32)))
