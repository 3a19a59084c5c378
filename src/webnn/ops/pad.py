"""Padding: pad (the spec's "pad": constant, edge or reflection padding of every dimension)."""

from __future__ import annotations

from collections.abc import Sequence

from ..operand import MLOperand
from . import ANY, L, Node, invalid, op
from ._util import cast_number, desc, enum, number, uints

PADDING_MODES = ("constant", "edge", "reflection")


@op(input=L(ANY, (0, None)), output=L("same:input", "same:input"))
def pad(
    input: MLOperand, beginning_padding: Sequence[int], ending_padding: Sequence[int], *, mode: str = "constant", value: float = 0
) -> Node:
    """Pad every dimension; ``mode`` is the spec's constant / edge / reflection."""
    begin = uints(beginning_padding, "beginning_padding")
    end = uints(ending_padding, "ending_padding")
    if len(begin) != input.rank:
        raise invalid("beginning_padding", f"expected {input.rank} values (the input's rank), got {len(begin)}")
    if len(end) != input.rank:
        raise invalid("ending_padding", f"expected {input.rank} values (the input's rank), got {len(end)}")
    mode = enum(mode, "mode", PADDING_MODES)
    value = number(value, "value")
    shape = list(input.shape)
    for i, d in enumerate(shape):
        if mode == "reflection":
            if begin[i] >= d:
                raise invalid("beginning_padding", f"reflection padding {begin[i]} must be smaller than the size {d} of dimension {i}")
            if end[i] >= d:
                raise invalid("ending_padding", f"reflection padding {end[i]} must be smaller than the size {d} of dimension {i}")
        shape[i] = d + begin[i] + end[i]
    out = desc(input.data_type, shape)
    attrs = dict(beginning_padding=begin, ending_padding=end, mode=mode, value=cast_number(value, input.data_type))
    return Node(out, attrs)
