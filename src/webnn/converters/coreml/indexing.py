"""CoreML rules for indexing: gather gather_elements gather_nd scatter_elements scatter_nd.

WebNN clamps each index into [-N, N) (N the size of the dimension it indexes) and counts
negative indices from the end. Each rule therefore feeds MIL non-negative int32 indices
already in range: computed at conversion time for constant indices, otherwise with
maximum/minimum/less/select. int64/uint32 index tensors are carried as int32 saturated into
int32's range (on the host for graph inputs), which the clamp makes exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...graph import Operation
from ._mil import Emitter, mb, rule


def indices(e: Emitter, op: Operation, bounds: Sequence[int]):
    """The op's ``indices`` input as int32 indices in [0, N), ``bounds`` the N per coordinate (one
    value, or one per entry of the last dimension for gatherND/scatterND)."""
    n = np.array(bounds, dtype=np.int64)
    if len(bounds) == 1:
        n = n.reshape(())
    const = e.const_value(op, "indices")
    if const is not None:
        idx = np.clip(const.astype(np.int64), -n, n - 1)
        idx = np.where(idx < 0, idx + n, idx)
        return e.const(idx.astype(np.int32), "int32")
    n32 = n.astype(np.int32)
    x = mb.minimum(x=mb.maximum(x=e.x(op, "indices"), y=-n32), y=n32 - 1)
    return e.select(mb.less(x=x, y=np.int32(0)), mb.add(x=x, y=n32), x)


@rule("gather", mil="gather (indices clamped)", moves=True, index_inputs=("indices",))
def gather(e: Emitter, op: Operation) -> None:
    axis = op.attr("axis")
    idx = indices(e, op, [e.xd(op).shape[axis]])
    e.set(op, mb.gather(x=e.x(op), indices=idx, axis=axis, validate_indices=False))


@rule("gather_elements", mil="gather_along_axis (indices clamped)", moves=True, index_inputs=("indices",))
def gather_elements(e: Emitter, op: Operation) -> None:
    axis = op.attr("axis")
    idx = indices(e, op, [e.xd(op).shape[axis]])
    e.set(op, mb.gather_along_axis(x=e.x(op), indices=idx, axis=axis, validate_indices=False))


@rule("gather_nd", mil="gather_nd (indices clamped per coordinate)", moves=True, index_inputs=("indices",))
def gather_nd(e: Emitter, op: Operation) -> None:
    k = e.xd(op, "indices").shape[-1]
    idx = indices(e, op, list(e.xd(op).shape[:k]))
    e.set(op, mb.gather_nd(x=e.x(op), indices=idx, validate_indices=False))


@rule("scatter_elements", mil="scatter_along_axis mode=update (indices clamped)", wide=True, index_inputs=("indices",))
def scatter_elements(e: Emitter, op: Operation) -> None:
    axis = op.attr("axis")
    idx = indices(e, op, [e.xd(op).shape[axis]])
    e.set(op, mb.scatter_along_axis(data=e.x(op), indices=idx, updates=e.x(op, "updates"), axis=axis, mode="update", validate_indices=False))


@rule("scatter_nd", mil="scatter_nd mode=update (indices clamped per coordinate)", wide=True, index_inputs=("indices",))
def scatter_nd(e: Emitter, op: Operation) -> None:
    k = e.xd(op, "indices").shape[-1]
    idx = indices(e, op, list(e.xd(op).shape[:k]))
    e.set(op, mb.scatter_nd(data=e.x(op), indices=idx, updates=e.x(op, "updates"), mode="update", validate_indices=False))
