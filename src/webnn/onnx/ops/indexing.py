"""Gather / Scatter families, OneHot, CumSum, ArgMax / ArgMin, TopK (k = 1), Compress."""

from __future__ import annotations

import numpy as np

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import iota, need_types, reshape

INDEX_TYPES = ("int32", "int64")


def _indices(n: NodeContext, i: int) -> MLOperand:
    need_types(n, i, INDEX_TYPES, "gather")
    return n.x(i)


@onnx_op("Gather", since=1, note="negative indices count from the end (WebNN clamps indices out of range; ONNX leaves them undefined)")
def gather(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    return n.b.gather(x, _indices(n, 1), axis=n.axis(n.attr("axis", 0), x.rank))


@onnx_op("GatherElements", since=11)
def gather_elements(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    return n.b.gather_elements(x, _indices(n, 1), axis=n.axis(n.attr("axis", 0), x.rank))


@onnx_op("GatherND", since=11, note="batch_dims > 0: the batch coordinates are prepended to the indices")
def gather_nd(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    idx = _indices(n, 1)
    bd = int(n.attr("batch_dims", 0)) if n.version >= 12 else 0
    if bd == 0:
        return n.b.gather_nd(x, idx)
    # Coordinates of the batch dimensions, broadcast over indices.shape[:-1], then the given ones.
    lead = list(idx.shape[:-1])
    coords = []
    for a in range(bd):
        c = iota(n, lead[a], a, len(lead), idx.data_type)
        coords.append(n.b.reshape(n.b.expand(c, lead), lead + [1]))
    full = n.b.concat(coords + [idx], len(lead))
    return n.b.gather_nd(x, full)


def _reduction(n: NodeContext) -> None:
    r = n.attr("reduction", "none") if n.version >= 16 else "none"
    if r != "none":
        raise n.refuse("reduction", f"reduction={r!r}")


SCATTER_REFUSES = {"reduction": "reduction other than 'none' (WebNN scatters replace values)"}


@onnx_op("ScatterElements", since=11, refuses=SCATTER_REFUSES)
def scatter_elements(n: NodeContext) -> MLOperand:
    n.dtype(0)
    _reduction(n)
    x = n.x(0)
    return n.b.scatter_elements(x, _indices(n, 1), n.x(2), axis=n.axis(n.attr("axis", 0), x.rank))


@onnx_op("Scatter", since=9, note="the deprecated ScatterElements")
def scatter(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    return n.b.scatter_elements(x, _indices(n, 1), n.x(2), axis=n.axis(n.attr("axis", 0), x.rank))


@onnx_op("ScatterND", since=11, refuses=SCATTER_REFUSES)
def scatter_nd(n: NodeContext) -> MLOperand:
    n.dtype(0)
    _reduction(n)
    return n.b.scatter_nd(n.x(0), _indices(n, 1), n.x(2))


@onnx_op("OneHot", since=9, kind="decomposition", note="equal(indices, iota) selecting the on / off values (depth must be known)")
def one_hot(n: NodeContext) -> MLOperand:
    depth = int(np.asarray(n.const(1, "depth")).reshape(-1)[0])
    if depth <= 0:
        raise n.refuse("empty", f"depth {depth}")
    values = n.x(2)
    idx = n.x(0)
    if idx.data_type not in ("int32", "int64"):
        idx = n.b.cast(idx, "int64")  # ONNX converts non-integer indices to integers
    zero = n.scalar(0, idx.data_type)
    idx = n.b.where(n.b.lesser(idx, zero), n.b.add(idx, n.scalar(depth, idx.data_type)), idx)
    rank = idx.rank + 1
    axis = n.axis(n.attr("axis", -1), rank)
    shape = list(idx.shape)
    shape.insert(axis, 1)
    hot = n.b.equal(reshape(n, idx, shape), iota(n, depth, axis, rank, idx.data_type))
    off = n.b.slice(values, [0], [1]) if values.shape else values
    on = n.b.slice(values, [1], [1])
    return n.b.where(hot, reshape(n, on, []), reshape(n, off, []))


@onnx_op("CumSum", since=11)
def cum_sum(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    axis = n.axis(int(n.ints(1, "axis")[0]), x.rank)
    return n.b.cumulative_sum(x, axis, exclusive=bool(n.attr("exclusive", 0)), reversed=bool(n.attr("reverse", 0)))


def _arg(n: NodeContext, op: str) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    if x.rank == 0:
        raise ValueError("input must have rank >= 1")
    axis = n.axis(n.attr("axis", 0), x.rank)
    keep = bool(n.attr("keepdims", 1))
    if n.version >= 12 and int(n.attr("select_last_index", 0)):
        # The last extreme: the first one of the reversed axis, mapped back.
        r = getattr(n.b, op)(n.b.reverse(x, axes=[axis]), axis, keep_dimensions=keep, output_data_type="int64")
        return n.b.sub(n.scalar(x.shape[axis] - 1, "int64"), r)
    return getattr(n.b, op)(x, axis, keep_dimensions=keep, output_data_type="int64")


@onnx_op("ArgMax", since=1, note="select_last_index=1: argMax of the reversed axis")
def arg_max(n: NodeContext) -> MLOperand:
    return _arg(n, "arg_max")


@onnx_op("ArgMin", since=1, note="select_last_index=1: argMin of the reversed axis")
def arg_min(n: NodeContext) -> MLOperand:
    return _arg(n, "arg_min")


@onnx_op("TopK", since=10, kind="decomposition", refuses={"k": "k > 1 (WebNN has no sort)"}, note="k = 1: reduceMax / reduceMin and argMax / argMin")
def top_k(n: NodeContext) -> list[MLOperand]:
    n.dtype(0)
    x = n.x(0)
    k = int(np.asarray(n.const(1, "K")).reshape(-1)[0])
    axis = n.axis(n.attr("axis", -1), x.rank)
    if k == 0:
        raise n.refuse("empty", "K = 0")
    if k != 1 and not (k == x.shape[axis] == 1):
        raise n.refuse("k", f"K = {k}")
    largest = bool(n.attr("largest", 1)) if n.version >= 11 else True
    values = (n.b.reduce_max if largest else n.b.reduce_min)(x, axes=[axis], keep_dimensions=True)
    idx = (n.b.arg_max if largest else n.b.arg_min)(x, axis, keep_dimensions=True, output_data_type="int64")
    return [values, idx]


@onnx_op("Compress", since=9, kind="decomposition", note="gather of the selected indices (condition must be known)")
def compress(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    cond = np.asarray(n.const(1, "condition")).reshape(-1).astype(bool)
    axis = n.attr("axis")
    if axis is None:
        x = reshape(n, x, [x.descriptor.size])
        axis = 0
    axis = n.axis(axis, x.rank)
    sel = np.nonzero(cond[: x.shape[axis]])[0]
    if sel.size == 0:
        raise n.refuse("empty", "the condition selects nothing")
    return n.b.gather(x, n.constant(sel.astype(np.int64)), axis=axis)


@onnx_op("TensorScatter", since=24, kind="decomposition", note="scatterElements with indices computed at import (write_indices must be known)")
def tensor_scatter(n: NodeContext) -> MLOperand:
    n.dtype(0)
    past, update = n.x(0), n.x(1)
    rank = past.rank
    axis = n.axis(n.attr("axis", -2), rank)
    if axis == 0:
        raise ValueError("axis must not be the batch axis 0")
    batch, max_seq, seq = past.shape[0], past.shape[axis], update.shape[axis]
    starts = n.ints(2, "write_indices") if n.has(2) else [0] * batch
    circular = n.attr("mode", "linear") == "circular"
    shape = [1] * rank
    shape[0], shape[axis] = batch, seq
    idx = np.empty((batch, seq), dtype=np.int64)
    for bi in range(batch):
        pos = int(starts[bi]) + np.arange(seq)
        if circular:
            pos %= max_seq
        elif pos[-1] >= max_seq or pos[0] < 0:
            raise ValueError(f"write index {starts[bi]} + {seq} updates exceed the cache length {max_seq}")
        idx[bi] = pos
    full = np.broadcast_to(idx.reshape(shape), update.shape)
    return n.b.scatter_elements(past, n.constant(np.array(full, order="C")), update, axis=axis)
