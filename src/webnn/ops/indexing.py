"""Indexing: gather gather_elements gather_nd scatter_elements scatter_nd.

Index values outside [-N, N) (N the size of the indexed dimension) are clamped into that
range at run time and negative values count from the end, as the spec's notes describe,
so a bad index never fails a computation.
"""

from __future__ import annotations

from ..operand import MLOperand
from . import ANY, L, Node, invalid, op
from ._util import axis as _axis
from ._util import desc, same

INDEX_TYPES = ("int32", "uint32", "int64")


@op(input=L(ANY, (1, None)), indices=L(INDEX_TYPES), output=L("same:input"))
def gather(input: MLOperand, indices: MLOperand, *, axis: int = 0) -> Node:
    """Take slices of ``input`` along ``axis``; output shape = in[:axis] + indices + in[axis+1:]."""
    a = _axis(axis, input.rank)
    shape = list(input.shape[:a]) + list(indices.shape) + list(input.shape[a + 1 :])
    return Node(desc(input.data_type, shape), {"axis": a})


@op(input=L(ANY, (1, None)), indices=L(INDEX_TYPES, "same:input"), output=L("same:input", "same:input"))
def gather_elements(input: MLOperand, indices: MLOperand, *, axis: int = 0) -> Node:
    """out[i][j]... = input[..., indices[i][j]..., ...] along ``axis``; output has ``indices``' shape."""
    a = _axis(axis, input.rank)
    expected = list(input.shape)
    expected[a] = indices.shape[a]
    if list(indices.shape) != expected:
        raise invalid("indices", f"shape {indices.shape} must equal input shape {input.shape} except on axis {a} (expected {expected})")
    return Node(desc(input.data_type, indices.shape), {"axis": a})


def _nd_shape(input: MLOperand, indices: MLOperand) -> list[int]:
    k = indices.shape[-1]
    if k > input.rank:
        raise invalid("indices", f"last dimension {k} (coordinate size) exceeds the input rank {input.rank}")
    return list(indices.shape[:-1]) + list(input.shape[k:])


@op(spec_name="gatherND", input=L(ANY, (1, None)), indices=L(INDEX_TYPES, (1, None)), output=L("same:input"))
def gather_nd(input: MLOperand, indices: MLOperand) -> Node:
    """Gather the slices of ``input`` addressed by the coordinates in ``indices``' last dimension."""
    shape = _nd_shape(input, indices)
    return Node(desc(input.data_type, shape), {})


@op(
    input=L(ANY, (1, None)),
    indices=L(INDEX_TYPES, "same:input"),
    updates=L("same:input", "same:input"),
    output=L("same:input", "same:input"),
)
def scatter_elements(input: MLOperand, indices: MLOperand, updates: MLOperand, *, axis: int = 0) -> Node:
    """A copy of ``input`` with ``updates`` written at ``indices`` along ``axis``."""
    a = _axis(axis, input.rank)
    expected = list(input.shape)
    expected[a] = indices.shape[a]
    if list(indices.shape) != expected:
        raise invalid("indices", f"shape {indices.shape} must equal input shape {input.shape} except on axis {a} (expected {expected})")
    if list(updates.shape) != list(indices.shape):
        raise invalid("updates", f"shape {updates.shape} must equal indices shape {indices.shape}")
    return Node(same(input), {"axis": a})


@op(
    spec_name="scatterND",
    input=L(ANY, (1, None)),
    indices=L(INDEX_TYPES, (1, None)),
    updates=L("same:input"),
    output=L("same:input", (1, None)),
)
def scatter_nd(input: MLOperand, indices: MLOperand, updates: MLOperand) -> Node:
    """A copy of ``input`` with the slices of ``updates`` written at the coordinates in ``indices``."""
    expected = _nd_shape(input, indices)
    if list(updates.shape) != expected:
        raise invalid("updates", f"shape {updates.shape} must be {expected} (indices.shape[:-1] + input.shape[indices.shape[-1]:])")
    return Node(same(input), {})
