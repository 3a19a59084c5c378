"""ONNX rules for reductions, argMin/argMax and cumulativeSum.

ONNX Runtime's CPU kernels for these ops cover float32 (float16 through the float16 pass),
int32 and int64 (ReduceMax/ReduceMin/ArgMax/ArgMin also int8 and uint8). Two gaps are
filled exactly:

- Its integer ReduceSum/ReduceProd/ReduceL1/ReduceSumSquare accumulate through double:
  int64 results lose precision beyond 2^53 and saturate instead of wrapping. For int64,
  uint32 and uint64 these reductions are therefore computed as a tree of element-wise
  Add/Mul (exact, wrapping modulo 2^64 / 2^32) over the reduced elements. int32 keeps the
  native kernel, which is exact whenever the result is representable.
- Types without a kernel are computed in a wider or same-width signed type: int8/uint8 in
  int32 and uint32 in int64 (cast there and back), uint64 in int64 with the bit pattern kept;
  for ordering (max, min, argMax, argMin) uint64's sign bit is flipped (XOR 2^63), which maps
  unsigned order onto signed order, and flipped back afterwards.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import Operation
from . import Emitter, rule

_REDUCE = {
    "reduce_l1": "ReduceL1",
    "reduce_l2": "ReduceL2",
    "reduce_log_sum": "ReduceLogSum",
    "reduce_log_sum_exp": "ReduceLogSumExp",
    "reduce_max": "ReduceMax",
    "reduce_mean": "ReduceMean",
    "reduce_min": "ReduceMin",
    "reduce_product": "ReduceProd",
    "reduce_sum": "ReduceSum",
    "reduce_sum_square": "ReduceSumSquare",
}
_ORDERED = ("reduce_max", "reduce_min", "arg_max", "arg_min")
_UNSIGNED = ("uint8", "uint32", "uint64")


def _native(kind: str, data_type: str) -> bool:
    """Whether ONNX Runtime's CPU provider computes WebNN op ``kind`` on ``data_type`` directly."""
    if data_type in ("float32", "float16", "int32", "int64"):  # float16 via the float16 pass
        return True
    if kind in _ORDERED and data_type in ("int8", "uint8"):
        return True
    return False


def _sign_flip(e: Emitter, x_int64: str) -> str:
    """XOR the sign bit: maps uint64 order (bits read as int64) onto int64 order and back."""
    return e.node("BitwiseXor", [x_int64, e.scalar(np.iinfo(np.int64).min, "int64")])


def to_work(e: Emitter, x: str, data_type: str, ordered: bool) -> tuple[str, str]:
    """``x`` in a type ONNX Runtime computes with: (tensor name, work data type)."""
    if data_type in ("int8", "uint8"):
        return e.cast(x, "int32"), "int32"
    if data_type == "uint32":
        return e.cast(x, "int64"), "int64"
    if data_type == "uint64":
        w = e.cast(x, "int64")
        return (_sign_flip(e, w) if ordered else w), "int64"
    return x, data_type


def from_work(e: Emitter, y: str, data_type: str, ordered: bool, output: str) -> None:
    """Write work-type result ``y`` to ``output`` in ``data_type`` (inverse of :func:`to_work`)."""
    if data_type == "uint64" and ordered:
        y = _sign_flip(e, y)
    e.cast(y, data_type, output)


def tree_reduce(e: Emitter, x: str, shape: list[int], axes: list[int], keep: bool, binop: str, output: str) -> None:
    """Reduce ``axes`` of ``x`` with an element-wise ONNX op (Add, Mul, Max, Min) applied pairwise.

    The reduced axes are moved last and flattened to one axis of size K, which is halved
    ceil(log2 K) times (x[:h] op x[h:2h], the odd element carried along): only exact
    element-wise arithmetic, and static shapes throughout.
    """
    rank = len(shape)
    kept = [i for i in range(rank) if i not in axes]
    red = sorted(axes)
    if kept + red != list(range(rank)):
        x = e.node("Transpose", [x], 1, perm=kept + red)
    k = 1
    for i in red:
        k *= shape[i]
    x = e.node("Reshape", [x, e.i64([shape[i] for i in kept] + [k])], 1)
    last = e.i64([-1])
    while k > 1:
        h = k // 2
        lo = e.node("Slice", [x, e.i64([0]), e.i64([h]), last], 1)
        hi = e.node("Slice", [x, e.i64([h]), e.i64([2 * h]), last], 1)
        y = e.node(binop, [lo, hi], 1)
        if k % 2:
            tail = e.node("Slice", [x, e.i64([2 * h]), e.i64([k]), last], 1)
            y = e.node("Concat", [y, tail], 1, axis=-1)
        x, k = y, h + k % 2
    out_shape = [1 if i in axes else d for i, d in enumerate(shape)] if keep else [shape[i] for i in kept]
    e.node("Reshape", [x, e.i64(out_shape)], output)


#: Reductions ONNX Runtime computes inexactly on 64-bit / unsigned integers, as element-wise trees.
_TREE = {
    "reduce_sum": "Add",
    "reduce_l1": "Add",  # of |x|
    "reduce_sum_square": "Add",  # of x * x
    "reduce_product": "Mul",
}


@rule(*_REDUCE)
def reduce(e: Emitter, op: Operation) -> None:
    x, out = e.x(op), e.y(op)
    xd = e.xd(op)
    dt = xd.data_type
    axes = op.attr("axes")
    keep = op.attr("keep_dimensions")
    kind = op.type
    if not axes:
        # No dimension reduced (empty axes, or a scalar input): the reduction function of one value.
        if kind == "reduce_sum_square":
            e.node("Mul", [x, x], out)
        elif kind == "reduce_l2" or (kind == "reduce_l1" and dt not in _UNSIGNED):
            e.node("Abs", [x], out)
        elif kind == "reduce_log_sum":
            e.node("Log", [x], out)
        else:  # l1 of unsigned, log_sum_exp (log(exp(x)) = x), max, min, mean, product, sum
            e.node("Identity", [x], out)
        return
    if kind in _TREE and dt in ("int64", "uint32", "uint64"):
        if kind == "reduce_l1" and dt == "int64":
            x = e.node("Abs", [x], 1)
        elif kind == "reduce_sum_square":
            x = e.node("Mul", [x, x], 1)
        tree_reduce(e, x, list(xd.shape), axes, keep, _TREE[kind], out)
        return
    onnx_op = _REDUCE[kind]
    ordered = kind in _ORDERED
    if _native(kind, dt):
        e.node(onnx_op, [x, e.i64(axes)], out, keepdims=int(keep))
        return
    w, _ = to_work(e, x, dt, ordered)
    y = e.node(onnx_op, [w, e.i64(axes)], 1, keepdims=int(keep))
    from_work(e, y, dt, ordered, out)


@rule("arg_min", "arg_max")
def arg_min_max(e: Emitter, op: Operation) -> None:
    x, out = e.x(op), e.y(op)
    dt = e.xd(op).data_type
    onnx_op = "ArgMin" if op.type == "arg_min" else "ArgMax"
    if not _native(op.type, dt):
        x, _ = to_work(e, x, dt, ordered=True)
    attrs = dict(axis=op.attr("axis"), keepdims=int(op.attr("keep_dimensions")), select_last_index=0)
    if op.attr("output_data_type") == "int64":
        e.node(onnx_op, [x], out, **attrs)
    else:
        e.cast(e.node(onnx_op, [x], 1, **attrs), op.attr("output_data_type"), out)


@rule("cumulative_sum")
def cumulative_sum(e: Emitter, op: Operation) -> None:
    x, out = e.x(op), e.y(op)
    dt = e.xd(op).data_type
    attrs: dict[str, Any] = dict(exclusive=int(op.attr("exclusive")), reverse=int(op.attr("reversed")))
    axis = e.i64(op.attr("axis"))
    if _native(op.type, dt):
        e.node("CumSum", [x, axis], out, **attrs)
        return
    w, _ = to_work(e, x, dt, ordered=False)
    from_work(e, e.node("CumSum", [w, axis], 1, **attrs), dt, False, out)
