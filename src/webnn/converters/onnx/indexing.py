"""ONNX rules for indexing: gather gather_elements gather_nd scatter_elements scatter_nd.

WebNN clamps each index into [-N, N) (N the size of the dimension it indexes) and counts
negative indices from the end; ONNX fails at run time on an out-of-range index. Each rule
therefore feeds ONNX int64 indices already clamped and made non-negative: computed once
at conversion time for constant indices, otherwise with Min/Max/Less/Where nodes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...graph import Operation
from . import Emitter, rule


def _indices(e: Emitter, op: Operation, bounds: Sequence[int]) -> str:
    """Tensor name of the op's ``indices`` input as int64 indices in [0, N), ``bounds`` the N per coordinate.

    ``bounds`` has one value (broadcast over every index) or one per entry of the indices'
    last dimension (gatherND/scatterND coordinates).
    """
    n = np.array(bounds, dtype=np.int64)
    if len(bounds) == 1:
        n = n.reshape(())
    oid = op.input("indices")
    const = e.info.constants.get(oid) if oid is not None else None
    if const is not None:
        idx = np.clip(const.astype(np.int64), -n, n - 1)
        idx = np.where(idx < 0, idx + n, idx)
        return e.const(idx.astype(np.int64))
    name = e.x(op, "indices")
    if e.xd(op, "indices").data_type != "int64":
        name = e.cast(name, "int64")
    name = e.node("Max", [e.node("Min", [name, e.const(n - 1)]), e.const(-n)])
    neg = e.node("Less", [name, e.const(np.zeros((), np.int64))])
    return e.node("Where", [neg, e.node("Add", [name, e.const(n)]), name])


@rule("gather")
def gather(e: Emitter, op: Operation) -> None:
    axis = op.attr("axis")
    idx = _indices(e, op, [e.xd(op).shape[axis]])
    e.node("Gather", [e.x(op), idx], e.y(op), axis=axis)


@rule("gather_elements")
def gather_elements(e: Emitter, op: Operation) -> None:
    axis = op.attr("axis")
    idx = _indices(e, op, [e.xd(op).shape[axis]])
    e.node("GatherElements", [e.x(op), idx], e.y(op), axis=axis)


@rule("gather_nd")
def gather_nd(e: Emitter, op: Operation) -> None:
    k = e.xd(op, "indices").shape[-1]
    idx = _indices(e, op, list(e.xd(op).shape[:k]))
    e.node("GatherND", [e.x(op), idx], e.y(op))


@rule("scatter_elements")
def scatter_elements(e: Emitter, op: Operation) -> None:
    axis = op.attr("axis")
    idx = _indices(e, op, [e.xd(op).shape[axis]])
    e.node("ScatterElements", [e.x(op), idx, e.x(op, "updates")], e.y(op), axis=axis)


@rule("scatter_nd")
def scatter_nd(e: Emitter, op: Operation) -> None:
    k = e.xd(op, "indices").shape[-1]
    idx = _indices(e, op, list(e.xd(op).shape[:k]))
    e.node("ScatterND", [e.x(op), idx, e.x(op, "updates")], e.y(op))
