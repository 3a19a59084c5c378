"""Quantization: quantize_linear dequantize_linear (with blockwise broadcast scale/zero point)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from ..operand import MLOperand
from ..types import FLOAT_TYPES
from . import L, Node, invalid, op
from ._util import desc

QUANT_TYPES = ("uint8", "int8", "uint32", "int32")


def blockwise_broadcastable(src: list[int], dst: list[int]) -> bool:
    """The spec's 'blockwise broadcasting': same rank and each ``dst`` dimension a multiple of ``src``'s."""
    return len(src) == len(dst) and all(t % f == 0 for f, t in zip(src, dst, strict=True))


class BlockStep(NamedTuple):
    """One axis of the spec's ``blockwiseExpand``: view the tensor as ``[before, size, 1, after]``,
    repeat the third axis ``repeats`` times, and view the result as ``shape``."""

    before: int
    size: int
    repeats: int
    after: int
    shape: list[int]


def blockwise_steps(shape: Sequence[int], target: Sequence[int]) -> list[BlockStep]:
    """The spec's ``blockwiseExpand`` of a tensor of ``shape`` to ``target`` (same rank, each
    dimension a multiple), as steps for the axes that grow; axes of size 1 are left to broadcasting."""
    cur = list(shape)
    steps = []
    for axis, (s, t) in enumerate(zip(shape, target, strict=True)):
        if s == t or s == 1:
            continue
        before = math.prod(cur[:axis])
        after = math.prod(cur[axis + 1 :])
        cur[axis] = t
        steps.append(BlockStep(before, s, t // s, after, list(cur)))
    return steps


def _check(input: MLOperand, scale: MLOperand, zero_point: MLOperand) -> None:
    if list(scale.shape) != list(zero_point.shape):
        raise invalid("zero_point", f"shape {zero_point.shape} must equal scale's shape {scale.shape}")
    if not blockwise_broadcastable(scale.shape, input.shape):
        raise invalid("scale", f"shape {scale.shape} is not blockwise broadcastable to input shape {input.shape} (each input dimension must be a multiple)")
    if not blockwise_broadcastable(zero_point.shape, input.shape):
        raise invalid("zero_point", f"shape {zero_point.shape} is not blockwise broadcastable to input shape {input.shape}")


@op(
    input=L(QUANT_TYPES),
    scale=L(FLOAT_TYPES, "same:input"),
    zero_point=L("same:input", "same:input"),
    output=L("same:scale", "same:input"),
)
def dequantize_linear(input: MLOperand, scale: MLOperand, zero_point: MLOperand) -> Node:
    """``(input - zeroPoint) * scale`` with scale/zeroPoint blockwise broadcast to ``input``."""
    _check(input, scale, zero_point)
    return Node(desc(scale.data_type, input.shape), {})


@op(
    input=L(FLOAT_TYPES),
    scale=L("same:input", "same:input"),
    zero_point=L(QUANT_TYPES, "same:input"),
    output=L("same:zero_point", "same:input"),
)
def quantize_linear(input: MLOperand, scale: MLOperand, zero_point: MLOperand) -> Node:
    """``saturate(roundEven(input / scale) + zeroPoint)`` in zeroPoint's data type."""
    _check(input, scale, zero_point)
    return Node(desc(zero_point.data_type, input.shape), {})
