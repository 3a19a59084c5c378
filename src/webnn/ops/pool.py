"""Pooling: average_pool2d l2_pool2d max_pool2d (the spec's "create a pooling operation")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..operand import MLOperand
from ..types import FLOAT_TYPES
from . import ANY, L, Node, define, invalid
from ._util import INT32_MAX, desc, enum
from .conv import INPUT_LAYOUTS, conv_output_size, join_output, list_option, split_input

ROUNDING_TYPES = ("floor", "ceil")


# -- pooling ---------------------------------------------------------------------------------
def window_counts(in_size: int, out_size: int, k: int, s: int, d: int, begin: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """For each of ``out_size`` windows (``k`` taps ``d`` apart, window ``o`` starting at
    ``o * s - begin``), how many taps fall in ``[lo, hi)`` (default: the input, ``[0, in_size)``).

    Closed form per window (O(out_size), no loop over the taps): the taps in range are
    ``j`` from ``ceil((lo - start) / d)`` to ``floor((hi - 1 - start) / d)``, clipped to ``[0, k)``.
    """
    hi = in_size if hi is None else hi
    start = np.arange(out_size, dtype=np.int64) * s - begin
    first = np.maximum(-((start - lo) // d), 0)  # ceil((lo - start) / d)
    last = np.minimum((hi - 1 - start) // d, k - 1)
    return np.maximum(last - first + 1, 0).astype(np.int64)


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
        self.counts = window_counts(in_size, out_size, k, s, d, begin)

    @property
    def native_padding_ok(self) -> bool:
        """Padding smaller than the window (what native pooling kernels accept)."""
        return self.begin < self.k and self.end < self.k

    @property
    def has_empty_window(self) -> bool:
        return bool((self.counts == 0).any())

    def max_shifts(self) -> list[int]:
        """The separable max pooling along this axis, as shifts: with m the (padded) input,
        each shift ``t`` takes ``m[i] = max(m[i], m[i + t])`` (the length shrinking by ``t``);
        afterwards ``m[i]`` is the max of the window starting at ``i``, and every ``s``-th of the
        first ``(out_size - 1) * s + 1`` values is an output. The taps covered double each step
        (n taps -> 2n with shift n * d) and a last overlapping step reaches k: O(log k) steps."""
        shifts = []
        span = 1
        while 2 * span <= self.k:
            shifts.append(span * self.d)
            span *= 2
        if span < self.k:
            shifts.append((self.k - span) * self.d)
        return shifts


def pool_windows(
    input_shape: Sequence[int], output_shape: Sequence[int], layout: str, window: Sequence[int], strides: Sequence[int],
    dilations: Sequence[int], padding: Sequence[int],
) -> tuple[PoolWindow, PoolWindow]:
    """The height and width :class:`PoolWindow` of a pooling from ``input_shape`` to ``output_shape``
    (both in ``layout``) with the op's window dimensions, strides, dilations and padding."""
    _, _, in_h, in_w = split_input(input_shape, layout)
    _, _, out_h, out_w = split_input(output_shape, layout)
    h = PoolWindow(in_h, out_h, window[0], strides[0], dilations[0], padding[0], padding[1])
    w = PoolWindow(in_w, out_w, window[1], strides[1], dilations[1], padding[2], padding[3])
    return h, w


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
    window_dimensions: Sequence[int] | None = None,
    padding: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    layout: str = "nchw",
    output_shape_rounding: str | None = None,
    rounding_type: str | None = None,
    output_sizes: Sequence[int] | None = None,
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
            raise invalid(
                "output",
                f"output {what} {v} is not a valid dimension "
                f"(window {window}, padding {padding}, strides {strides}, dilations {dilations}, input {list(input.shape)})",
            )
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
    return Node(out, attrs)


FLOAT_POOL_LIMITS: dict[str, Any] = dict(input=L(FLOAT_TYPES, 4), output=L("same:input", 4))
define("average_pool2d", _pool, **FLOAT_POOL_LIMITS)
define("l2_pool2d", _pool, **FLOAT_POOL_LIMITS)
define("max_pool2d", _pool, input=L(ANY, 4), output=L("same:input", 4))
