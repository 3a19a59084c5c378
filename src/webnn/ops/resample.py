"""Spatial resizing: resample2d (the spec's "resample2d": nearest-neighbor or linear, half-pixel centres)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from ..operand import MLOperand
from . import L, Node, invalid, op
from ._util import INT32_MAX, desc, enum, uints

INTERPOLATION_MODES = ("nearest-neighbor", "linear")


@op(input=L(("float32", "float16", "uint8", "int8"), 4), output=L("same:input", 4))
def resample2d(
    input: MLOperand,
    *,
    mode: str = "nearest-neighbor",
    scales: Sequence[float] | None = None,
    sizes: Sequence[int] | None = None,
    axes: Sequence[int] | None = None,
) -> Node:
    """Resize two axes (nearest-neighbor or linear, half-pixel centres); ``sizes`` win over ``scales``."""
    mode = enum(mode, "mode", INTERPOLATION_MODES)
    if scales is None:
        scale_values = [1.0, 1.0]
    else:
        if isinstance(scales, (str, bytes, dict)) or not hasattr(scales, "__iter__"):
            raise invalid("scales", f"expected a sequence of 2 numbers, got {scales!r}")
        scale_values = []
        for s in scales:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, float, np.integer, np.floating)):
                raise invalid("scales", f"expected numbers, got {s!r}")
            with np.errstate(over="ignore"):
                f = float(np.float32(s))  # IDL float
            if not math.isfinite(f):
                raise invalid("scales", f"values must be finite 32-bit floats, got {s!r}")
            scale_values.append(f)
        if len(scale_values) != 2:
            raise invalid("scales", f"expected 2 values, got {len(scale_values)}")
        if any(s <= 0 for s in scale_values):
            raise invalid("scales", f"values must be greater than 0, got {scale_values}")
    if sizes is not None:
        sizes = uints(sizes, "sizes")
        if len(sizes) != 2:
            raise invalid("sizes", f"expected 2 values, got {len(sizes)}")
        if any(v == 0 for v in sizes):
            raise invalid("sizes", f"values must be greater than 0, got {sizes}")
    if axes is None:
        axes = [2, 3]
    else:
        axes = uints(axes, "axes")
        if len(axes) != 2:
            raise invalid("axes", f"expected 2 values, got {len(axes)}")
        if len(set(axes)) != len(axes):
            raise invalid("axes", f"axes must be unique, got {axes}")
        if any(a >= input.rank for a in axes):
            raise invalid("axes", f"values must be in [0, {input.rank - 1}], got {axes}")
    shape = list(input.shape)
    out_sizes = []
    for i, a in enumerate(axes):
        size = sizes[i] if sizes is not None else math.floor(Fraction(shape[a]) * Fraction(scale_values[i]))
        if not 0 < size <= INT32_MAX:
            raise invalid("sizes" if sizes is not None else "scales", f"output size {size} of axis {a} is not a valid dimension")
        shape[a] = size
        out_sizes.append(size)
    out = desc(input.data_type, shape)
    attrs = dict(mode=mode, axes=axes, sizes=out_sizes, scales=None if sizes is not None else scale_values)
    return Node(out, attrs)


# -- the spec's coordinate computation, exactly (shared by the converters) -------------------
def input_coordinates(in_size: int, out_size: int) -> tuple[np.ndarray, int]:
    """The spec's clamped ``inputCoordinate`` for each output coordinate, exactly, as
    numerators over one denominator: c = clamp((o + 0.5) * in / out - 0.5, 0, in - 1) = num / den."""
    den = 2 * out_size
    big = (2 * out_size + 1) * in_size >= 2**62
    o = np.arange(out_size, dtype=object if big else np.int64)
    num = (2 * o + 1) * in_size - out_size
    return np.minimum(np.maximum(num, 0), (in_size - 1) * den), den


class ResampleAxis:
    """Where resample2d reads along one resized axis, from the spec's formulas in exact arithmetic.

    With c the input coordinate of output coordinate o (:func:`input_coordinates`),
    nearest-neighbor reads ``nearest[o] = ceil(c - 0.5)``; linear reads ``lower[o] = floor(c)``
    and ``upper[o] = ceil(c)`` and mixes them as ``v_lower * lower_weight + v_upper * upper_weight``
    (1 - t and t, t = c - floor(c); float64, shaped to broadcast along ``axis`` of a rank-``rank``
    tensor). ``integral``: every c is an integer, so linear reads ``lower`` alone.
    """

    def __init__(self, axis: int, in_size: int, out_size: int, rank: int) -> None:
        self.axis, self.in_size, self.out_size = axis, in_size, out_size
        num, den = input_coordinates(in_size, out_size)
        self.nearest = -((out_size - num) // den)  # ceil(c - 0.5) = ceil((num - out) / den), den = 2 * out
        self.lower = num // den
        self.upper = -((-num) // den)
        rem = num - self.lower * den  # t = rem / den, exactly
        self.integral = not rem.any()
        shape = [1] * rank
        shape[axis] = out_size
        # int / int in float64 rounds once (both < 2**53 for any valid dimension)
        self.lower_weight = (np.array(den - rem, dtype=np.float64) / den).reshape(shape)
        self.upper_weight = (np.array(rem, dtype=np.float64) / den).reshape(shape)


def resample_axes(input_shape: Sequence[int], output_shape: Sequence[int], axes: Sequence[int]) -> list[ResampleAxis]:
    """The axes a resample2d resizes, the second of ``axes`` first (the spec's x-then-y order for
    linear); an axis whose size does not change is left out."""
    rank = len(input_shape)
    return [ResampleAxis(a, input_shape[a], output_shape[a], rank) for a in reversed(axes) if input_shape[a] != output_shape[a]]
