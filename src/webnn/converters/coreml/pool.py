"""CoreML rules for average_pool2d l2_pool2d max_pool2d.

Pooling (WebNN): padding never takes part in a window: averagePool2d divides by the number
of input elements in the window, maxPool2d ignores padding, l2Pool2d adds nothing for it. The
output size (floor, ceil or ``output_sizes``) is the op's: it is reproduced by adding the
padding the last window needs at the end and pooling in floor mode (``ceil_mode=False``).
MIL's ``avg_pool`` (``exclude_padding_from_average``), ``max_pool`` and ``l2_pool`` are used
when they can express the op: float input (int8/uint8 max pooling runs on float16, exact for
8-bit values), no dilation (MIL pools have none), padding smaller than the window and no
window made only of padding. Otherwise the op is decomposed exactly on the explicitly padded
input: max by shifted ``slice_by_index`` + ``maximum`` (O(log window) ops per axis, every
integer type), average and l2 by a depthwise ``conv`` with a ones kernel (dilations allowed)
divided by the static count of input elements per window (an empty window is 0/0 = NaN) or
followed by ``sqrt``.
"""

from __future__ import annotations

import math

import numpy as np

from ...graph import Operation
from ...ops.conv import NCHW_TO_NHWC, NHWC_TO_NCHW, split_input
from ...ops.pool import PoolWindow as Dim
from ...ops.pool import pool_windows
from ._mil import Emitter, mb, rule
from .pad import pad_constant, slice_axis

_FLOATS = ("float32", "float16")


def _lowest(data_type: str) -> float:
    return -math.inf if data_type in _FLOATS else float(-(2**31))  # int types are carried in int32


def _max_by_slices(x, shape: list[int], h: Dim, w: Dim):
    """Max pooling of the padded NCHW input with slices and maximum (see :meth:`PoolWindow.max_shifts`)."""
    shape = list(shape)
    for axis, dim in ((3, w), (2, h)):
        for shift in dim.max_shifts():
            lo = slice_axis(x, shape, axis, 0, shape[axis] - shift)
            hi = slice_axis(x, shape, axis, shift, shape[axis])
            x = mb.maximum(x=lo, y=hi)
            shape[axis] -= shift
        last = (dim.out_size - 1) * dim.s + 1
        if dim.s != 1 or last != shape[axis]:
            x = slice_axis(x, shape, axis, 0, last, dim.s)
        shape[axis] = dim.out_size
    return x


@rule(
    "average_pool2d",
    "l2_pool2d",
    "max_pool2d",
    mil={
        "average_pool2d": "avg_pool (exclude padding); dilations/large padding/empty windows: depthwise conv of ones / counts",
        "l2_pool2d": "l2_pool; dilations/large padding/empty windows: sqrt(depthwise conv of ones over x*x)",
        "max_pool2d": "max_pool (int8/uint8 via float16); dilations/large padding/empty windows/32-64-bit ints: slices + maximum",
    },
    wide=("max_pool2d",),
)
def pool2d(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    dt = xd.data_type
    layout, (kh, kw) = op.attr("layout"), op.attr("window_dimensions")
    h, w = pool_windows(xd.shape, e.yd(op).shape, layout, [kh, kw], op.attr("strides"), op.attr("dilations"), op.attr("padding"))
    batches, channels = split_input(xd.shape, layout)[:2]
    ishape = [batches, channels, h.in_size, w.in_size]
    x = e.x(op)
    if layout == "nhwc":
        x = mb.transpose(x=x, perm=NHWC_TO_NCHW)
    native = all(dim.native_padding_ok and dim.d == 1 and not dim.has_empty_window for dim in (h, w))
    common = dict(kernel_sizes=[kh, kw], strides=[h.s, w.s], pad_type="custom", pad=[h.begin, h.end, w.begin, w.end], ceil_mode=False)
    padded_shape = [batches, channels, h.in_size + h.begin + h.end, w.in_size + w.begin + w.end]

    def padded(value):
        return pad_constant(e, x, ishape, [0, 0, h.begin, w.begin], [0, 0, h.end, w.end], value)

    if op.type == "max_pool2d":
        if native and dt in _FLOATS:
            y = mb.max_pool(x=x, **common)
        elif native and dt in ("int8", "uint8"):
            y = mb.cast(x=mb.max_pool(x=mb.cast(x=x, dtype="fp16"), **common), dtype="int32")
        else:
            y = _max_by_slices(padded(_lowest(dt)), padded_shape, h, w)
    elif native:
        if op.type == "l2_pool2d":
            y = mb.l2_pool(x=x, **common)
        else:
            y = mb.avg_pool(x=x, exclude_padding_from_average=True, **common)
    else:
        carrier = e.carrier_of_var(x)
        ones = e.const(np.ones((channels, 1, kh, kw)), carrier)
        src = padded(0)
        if op.type == "l2_pool2d":
            src = mb.mul(x=src, y=src)
        sums = mb.conv(x=src, weight=ones, strides=[h.s, w.s], pad_type="valid", dilations=[h.d, w.d], groups=channels)
        if op.type == "l2_pool2d":
            y = mb.sqrt(x=sums)
        else:
            counts = np.outer(h.counts, w.counts).reshape(1, 1, h.out_size, w.out_size)
            y = mb.real_div(x=sums, y=e.const(counts, carrier))
    if layout == "nhwc":
        y = mb.transpose(x=y, perm=NCHW_TO_NHWC)
    e.set(op, y)
