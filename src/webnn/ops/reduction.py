"""Reductions: reduceL1 reduceL2 reduceLogSum reduceLogSumExp reduceMax reduceMean reduceMin
reduceProduct reduceSum reduceSumSquare; argMin argMax; cumulativeSum."""

from __future__ import annotations

from collections.abc import Sequence

from ..operand import MLOperand
from . import L, Node, define, invalid, op
from ._util import axes as _axes
from ._util import axis as _axis
from ._util import boolean, data_type, desc, reduce_shape, same

FLOATS = ("float32", "float16")
#: reduceL1 / reduceProduct / reduceSum / reduceSumSquare.
NUMERIC = FLOATS + ("int32", "uint32", "int64", "uint64")

#: op name -> allowed input data types (None: any data type), per the spec's method steps.
REDUCTIONS: dict[str, tuple[str, ...] | None] = {
    "reduce_l1": NUMERIC,
    "reduce_l2": FLOATS,
    "reduce_log_sum": FLOATS,
    "reduce_log_sum_exp": FLOATS,
    "reduce_max": None,
    "reduce_mean": FLOATS,
    "reduce_min": None,
    "reduce_product": NUMERIC,
    "reduce_sum": NUMERIC,
    "reduce_sum_square": NUMERIC,
}

#: Largest value of each output data type argMin/argMax may produce.
_INDEX_MAX = {"int32": 2**31 - 1, "int64": 2**63 - 1}


def _reduce(input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False) -> Node:
    """The spec's 'create reduction operation' (data types are checked by the tensor limits).

    Attributes: ``axes`` (the axes to reduce, all of them when not given; an empty list means
    the reduction function is applied to each value on its own) and ``keep_dimensions``.
    """
    keep = boolean(keep_dimensions, "keep_dimensions")
    ax = _axes(axes, input.rank, "axes")
    return Node(desc(input.data_type, reduce_shape(input.shape, ax, keep)), {"axes": ax, "keep_dimensions": keep})


for _name, _types in REDUCTIONS.items():
    define(_name, _reduce, input=L(_types) if _types else L(), output=L("same:input"))


def _arg_min_max(input: MLOperand, axis: int, *, keep_dimensions: bool = False, output_data_type: str = "int32") -> Node:
    """The spec's 'create an argMin/argMax operation'. Ties resolve to the first index."""
    ax = _axis(axis, input.rank, "axis")
    keep = boolean(keep_dimensions, "keep_dimensions")
    out_type = data_type(output_data_type, "output_data_type", tuple(_INDEX_MAX))
    if input.shape[ax] > _INDEX_MAX[out_type]:
        raise invalid("output_data_type", f"{out_type} cannot hold indices of dimension {ax} (size {input.shape[ax]})")
    shape = reduce_shape(input.shape, [ax], keep)
    return Node(desc(out_type, shape), {"axis": ax, "keep_dimensions": keep, "output_data_type": out_type})


for _name in ("arg_min", "arg_max"):
    define(_name, _arg_min_max, input=L(ranks=(1, None)), output=L(tuple(_INDEX_MAX)))


@op("cumulative_sum", input=L(ranks=(1, None)), output=L("same:input", "same:input"))
def cumulative_sum(input: MLOperand, axis: int, *, exclusive: bool = False, reversed: bool = False) -> Node:
    """Prefix sums of ``input`` along ``axis`` (inclusive unless ``exclusive``; backward if ``reversed``)."""
    ax = _axis(axis, input.rank, "axis")
    excl = boolean(exclusive, "exclusive")
    rev = boolean(reversed, "reversed")
    return Node(same(input), {"axis": ax, "exclusive": excl, "reversed": rev})
