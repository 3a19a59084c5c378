"""Pooling and spatial resizing: average_pool2d l2_pool2d max_pool2d resample2d pad."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from ..operand import MLOperand
from ..types import FLOAT_TYPES
from . import ANY, L, Node, define, invalid, op
from ._util import INT32_MAX, desc, enum, is_int, number, uints
from .conv import INPUT_LAYOUTS, conv_output_size, join_output, list_option, split_input

ROUNDING_TYPES = ("floor", "ceil")
PADDING_MODES = ("constant", "edge", "reflection")
INTERPOLATION_MODES = ("nearest-neighbor", "linear")


# -- pooling ---------------------------------------------------------------------------------
class PoolWindow:
    """Where a pooling window falls along one spatial dimension (shared by the converters).

    ``end`` is the end padding that makes a floor-mode pooling produce ``out_size`` windows
    (WebNN's ceil rounding keeps a last window starting in the padding); ``counts[o]`` is how
    many input elements window ``o`` covers (0 for a window made only of padding).
    """

    def __init__(self, in_size: int, out_size: int, k: int, s: int, d: int, begin: int, end: int) -> None:
        self.in_size, self.out_size, self.k, self.s, self.d, self.begin = in_size, out_size, k, s, d, begin
        needed = (out_size - 1) * s + (k - 1) * d + 1
        self.end = end + max(0, needed - (in_size + begin + end))
        self.counts = np.array(
            [sum(1 for j in range(k) if 0 <= o * s - begin + j * d < in_size) for o in range(out_size)], dtype=np.int64
        )

    @property
    def native_padding_ok(self) -> bool:
        """Padding smaller than the window (what native pooling kernels accept)."""
        return self.begin < self.k and self.end < self.k

    @property
    def has_empty_window(self) -> bool:
        return bool((self.counts == 0).any())


def _rounding(output_shape_rounding: Any, rounding_type: Any) -> str:
    """``outputShapeRounding`` (the spec's IDL name) or ``roundingType`` (WPT / Chromium's name)."""
    if output_shape_rounding is not None and rounding_type is not None and output_shape_rounding != rounding_type:
        raise invalid("output_shape_rounding", f"conflicts with rounding_type ({output_shape_rounding!r} vs {rounding_type!r})")
    value = output_shape_rounding if output_shape_rounding is not None else rounding_type
    arg = "output_shape_rounding" if output_shape_rounding is not None else "rounding_type"
    return enum("floor" if value is None else value, arg, ROUNDING_TYPES)


def _pool(
    input: MLOperand,
    *,
    window_dimensions: Any = None,
    padding: Any = None,
    strides: Any = None,
    dilations: Any = None,
    layout: Any = "nchw",
    output_shape_rounding: Any = None,
    rounding_type: Any = None,
    output_sizes: Any = None,
) -> Node:
    """The spec's "create a pooling operation" (allowed data types come from the op's limits).

    Two steps of the spec text are not applied, as they contradict the rest of the
    algorithm and WPT (webmachinelearning/webnn#770): "if outputSizes exists, set padding
    to [0, 0, 0, 0]" and "outputSizes items must be smaller than strides". Padding always
    applies, and ``output_sizes`` must be the floor or the ceil of the computed sizes.
    """
    layout = enum(layout, "layout", INPUT_LAYOUTS)
    batches, channels, in_h, in_w = split_input(input.shape, layout)
    window = list_option(window_dimensions, "window_dimensions", 2, [in_h, in_w], positive=True)
    padding = list_option(padding, "padding", 4, [0, 0, 0, 0])
    strides = list_option(strides, "strides", 2, [1, 1], positive=True)
    if output_sizes is not None:
        output_sizes = list_option(output_sizes, "output_sizes", 2, [])
    dilations = list_option(dilations, "dilations", 2, [1, 1], positive=True)
    rounding = _rounding(output_shape_rounding, rounding_type)

    num_h, s_h = conv_output_size(in_h, window[0], padding[0], padding[1], strides[0], dilations[0])
    num_w, s_w = conv_output_size(in_w, window[1], padding[2], padding[3], strides[1], dilations[1])
    floor_hw = (num_h // s_h + 1, num_w // s_w + 1)
    ceil_hw = (-(-num_h // s_h) + 1, -(-num_w // s_w) + 1)
    if output_sizes is not None:
        out_h, out_w = output_sizes
        if (out_h, out_w) != floor_hw and (out_h, out_w) != ceil_hw:
            raise invalid(
                "output_sizes",
                f"{output_sizes} must be the floor {list(floor_hw)} or the ceil {list(ceil_hw)} of the computed output sizes",
            )
    else:
        out_h, out_w = floor_hw if rounding == "floor" else ceil_hw
    for v, what in ((out_h, "height"), (out_w, "width")):
        if not 0 < v <= INT32_MAX:
            raise invalid("output", f"output {what} {v} is not a valid dimension (window {window}, padding {padding}, strides {strides}, dilations {dilations}, input {list(input.shape)})")
    out = desc(input.data_type, join_output(batches, channels, out_h, out_w, layout))
    attrs = dict(
        window_dimensions=window,
        padding=padding,
        strides=strides,
        dilations=dilations,
        layout=layout,
        output_shape_rounding=rounding,
        output_sizes=None if output_sizes is None else list(output_sizes),
    )
    return Node([input], out, attrs)


FLOAT_POOL_LIMITS = dict(input=L(FLOAT_TYPES, 4), output=L("same:input", 4))
define("average_pool2d", _pool, **FLOAT_POOL_LIMITS)
define("l2_pool2d", _pool, **FLOAT_POOL_LIMITS)
define("max_pool2d", _pool, input=L(ANY, 4), output=L("same:input", 4))


# -- pad -------------------------------------------------------------------------------------
_INT_BOUNDS = {
    "int8": (-(2**7), 2**7 - 1),
    "uint8": (0, 2**8 - 1),
    "int32": (-(2**31), 2**31 - 1),
    # The spec's cast table says ConvertToInt(x, 32, "signed") for uint32: an evident typo.
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}


def _round_to_float(x: int, data_type: str) -> float:
    """An integer rounded to the nearest ``data_type`` value (ties to even), overflowing to +-inf
    (the spec's ConvertToFloat; converting through float64 could round twice)."""
    t = np.dtype(data_type).type
    big = t(np.finfo(t).max)
    ulp = Fraction(float(big)) - Fraction(float(np.nextafter(big, t(0))))
    if abs(x) >= Fraction(float(big)) + ulp / 2:
        return math.copysign(math.inf, x)
    approx = t(float(x))  # within one ulp of x
    bits = np.uint32 if data_type == "float32" else np.uint16
    best: tuple[Fraction, bool, float] | None = None
    with np.errstate(over="ignore"):
        candidates = (np.nextafter(approx, t(-np.inf)), approx, np.nextafter(approx, t(np.inf)))
    for c in candidates:
        if not np.isfinite(c):
            continue
        dist = abs(Fraction(float(c)) - x)
        even = int(np.array(c).view(bits)) % 2 == 0
        if best is None or dist < best[0] or (dist == best[0] and even):
            best = (dist, even, float(c))
    assert best is not None
    return best[2] + 0.0  # no -0 from an integer


def cast_number(x: float | int, data_type: str) -> float | int:
    """The spec's "cast" of an MLNumber to ``data_type`` (ConvertToFloat / ConvertToInt)."""
    if data_type in ("float32", "float16"):
        if is_int(x):
            return _round_to_float(int(x), data_type)
        with np.errstate(over="ignore"):
            return float(np.dtype(data_type).type(x))
    lo, hi = _INT_BOUNDS[data_type]
    if isinstance(x, float):
        if math.isnan(x):
            return 0
        if x <= lo:
            return lo
        if x >= hi:
            return hi
        return int(round(Fraction(x)))  # ties to even; -0 becomes 0
    return min(max(int(x), lo), hi)


@op(input=L(ANY, (0, None)), output=L("same:input", "same:input"))
def pad(input: MLOperand, beginning_padding: Any, ending_padding: Any, *, mode: Any = "constant", value: Any = 0) -> Node:
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
    return Node([input], out, attrs)


# -- resample2d ------------------------------------------------------------------------------
@op(input=L(("float32", "float16", "uint8", "int8"), 4), output=L("same:input", 4))
def resample2d(input: MLOperand, *, mode: Any = "nearest-neighbor", scales: Any = None, sizes: Any = None, axes: Any = None) -> Node:
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
    return Node([input], out, attrs)
