"""CoreML rules for reductions, argMin/argMax and cumulativeSum.

- An empty ``axes`` (or a rank-0 input) applies the reduction function to each value alone,
  as in the ONNX rules (MIL would read an empty axes list as "all axes").
- Integer reductions are computed in int32 (the carrier of every integer type; int64/uint64/
  uint32 sums and products are refused, their results can leave int32's range). l1 and
  sumSquare of integers are ``reduce_sum(abs(x))`` / ``reduce_sum(x * x)`` (exact int32
  arithmetic rather than MIL's norm ops).
- argMin/argMax: MIL's ``reduce_argmax`` does not say which index wins a tie, WebNN wants the
  first: the index is ``reduce_min(select(x == reduce_max(x), iota, N))``.
- cumulativeSum: ``cumsum`` (int8/uint8 results wrapped mod 2^8).
"""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from ._mil import Emitter, mb, rule

_FLOATS = ("float32", "float16")
#: WebNN op -> MIL op (most have the same name).
_MIL = {n: n for n in "reduce_log_sum reduce_log_sum_exp reduce_max reduce_mean reduce_min reduce_sum reduce_sum_square".split()} | {
    "reduce_l1": "reduce_l1_norm",
    "reduce_l2": "reduce_l2_norm",
    "reduce_product": "reduce_prod",
}


@rule(*_MIL, mil={k: v + " (empty axes: element-wise)" for k, v in _MIL.items()}, wide=("reduce_max", "reduce_min"))
def reduce(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    dt = e.xd(op).data_type
    axes = list(op.attr("axes"))
    keep = bool(op.attr("keep_dimensions"))
    kind = op.type
    if not axes:
        if kind == "reduce_sum_square":
            y = mb.mul(x=x, y=x)
        elif kind == "reduce_l2" or (kind == "reduce_l1" and dt not in ("uint8", "uint32", "uint64")):
            y = mb.abs(x=x)
        elif kind == "reduce_log_sum":
            y = mb.log(x=x, epsilon=e.s(0, x))
        else:
            y = mb.identity(x=x)
        e.set(op, y)
        return
    if dt not in _FLOATS and kind in ("reduce_l1", "reduce_sum_square"):
        x = mb.abs(x=x) if kind == "reduce_l1" else mb.mul(x=x, y=x)
        e.set(op, mb.reduce_sum(x=x, axes=axes, keep_dims=keep))
        return
    e.set(op, getattr(mb, _MIL[kind])(x=x, axes=axes, keep_dims=keep))


def first_index(e: Emitter, x, axis: int, keep: bool, largest: bool):
    """Index of the first maximum (or minimum) of ``x`` along ``axis`` (int32)."""
    shape = list(x.shape)
    n = shape[axis]
    ext = mb.reduce_max(x=x, axes=[axis], keep_dims=True) if largest else mb.reduce_min(x=x, axes=[axis], keep_dims=True)
    hit = mb.equal(x=x, y=ext)
    iota_shape = [1] * len(shape)
    iota_shape[axis] = n
    iota = np.arange(n, dtype=np.int32).reshape(iota_shape)
    idx = e.select(hit, iota, np.int32(n))
    return mb.reduce_min(x=idx, axes=[axis], keep_dims=keep)


@rule("arg_min", "arg_max", mil="reduce_max/min, equal, select(iota), reduce_min: the first index on ties", wide=True)
def arg_min_max(e: Emitter, op: Operation) -> None:
    e.set(op, first_index(e, e.x(op), op.attr("axis"), bool(op.attr("keep_dimensions")), op.type == "arg_max"))


@rule("cumulative_sum", mil="cumsum (int8/uint8: wrapped mod 2^8)")
def cumulative_sum(e: Emitter, op: Operation) -> None:
    y = mb.cumsum(x=e.x(op), axis=op.attr("axis"), exclusive=bool(op.attr("exclusive")), reverse=bool(op.attr("reversed")))
    e.set(op, e.wrap(y, e.yd(op).data_type))
