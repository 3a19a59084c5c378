"""Normalizations: batchNormalization, instanceNormalization, layerNormalization."""

from __future__ import annotations

from ..operand import MLOperand
from ..types import FLOAT_TYPES
from . import L, Node, invalid, op
from ._util import axes as check_axes
from ._util import cast_option, enum, optional_shape_is, same, shape_is, uint

LAYOUTS = ("nchw", "nhwc")


@op(
    input=L(FLOAT_TYPES, (1, None)),
    mean=L("same:input", 1),
    variance=L("same:input", 1),
    scale=L("same:input", 1),
    bias=L("same:input", 1),
    output=L("same:input", "same:input"),
)
def batch_normalization(
    input: MLOperand,
    mean: MLOperand,
    variance: MLOperand,
    *,
    scale: MLOperand | None = None,
    bias: MLOperand | None = None,
    axis: int = 1,
    epsilon: float = 1e-5,
) -> Node:
    """``(input - mean) / sqrt(variance + epsilon) * scale + bias`` along ``axis``."""
    a = uint(axis, "axis")
    if a >= input.rank:
        raise invalid("axis", f"must be in [0, {input.rank - 1}] for an input of rank {input.rank}, got {a}")
    channels = [input.shape[a]]
    shape_is(mean, channels, "mean")
    shape_is(variance, channels, "variance")
    eps = cast_option(epsilon, "epsilon", input.data_type)
    optional_shape_is(scale, channels, "scale")
    optional_shape_is(bias, channels, "bias")
    return Node(same(input), {"axis": a, "epsilon": eps})


@op(
    input=L(FLOAT_TYPES, 4),
    scale=L("same:input", 1),
    bias=L("same:input", 1),
    output=L("same:input", 4),
)
def instance_normalization(
    input: MLOperand,
    *,
    scale: MLOperand | None = None,
    bias: MLOperand | None = None,
    epsilon: float = 1e-5,
    layout: str = "nchw",
) -> Node:
    """Normalise each channel of each batch over the spatial dimensions."""
    lay = enum(layout, "layout", LAYOUTS)
    eps = cast_option(epsilon, "epsilon", input.data_type)
    channels = [input.shape[1 if lay == "nchw" else 3]]
    optional_shape_is(scale, channels, "scale")
    optional_shape_is(bias, channels, "bias")
    return Node(same(input), {"epsilon": eps, "layout": lay})


@op(
    input=L(FLOAT_TYPES),
    scale=L("same:input"),
    bias=L("same:input"),
    output=L("same:input", "same:input"),
)
def layer_normalization(
    input: MLOperand,
    *,
    scale: MLOperand | None = None,
    bias: MLOperand | None = None,
    axes: list[int] | None = None,
    epsilon: float = 1e-5,
) -> Node:
    """Normalise over ``axes`` (all but the first by default)."""
    if axes is None:
        ax = list(range(1, input.rank))
    else:
        ax = check_axes(axes, input.rank, "axes")
    eps = cast_option(epsilon, "epsilon", input.data_type)
    want = [input.shape[a] for a in ax]
    for name, operand in (("scale", scale), ("bias", bias)):
        if operand is None:
            continue
        if operand.rank != len(ax):
            raise invalid(name, f"rank {operand.rank} must equal the number of axes {len(ax)} (axes {ax})")
        if operand.shape != want:
            raise invalid(name, f"expected shape {want} (the input's dimensions at axes {ax}), got {operand.shape}")
    return Node(same(input), {"axes": ax, "epsilon": eps})
