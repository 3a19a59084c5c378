"""ONNX rules for average_pool2d l2_pool2d max_pool2d.

Pooling semantics (WebNN): padding elements never take part in a window: averagePool2d
divides by the number of input elements in the window (ONNX ``count_include_pad=0``),
maxPool2d ignores them, l2Pool2d adds nothing for them. The output size (floor, ceil or
``output_sizes``) is the op's; it is reproduced exactly by adding the padding the last
window needs at the end and pooling in ONNX's floor mode (ONNX's ceil mode drops a last
window that starts in the padding, WebNN's does not).

ONNX Runtime's pooling kernels reject padding >= the kernel size and give an unusable
value (the type's lowest value, or 0/0) for a window made only of padding. In those cases
the padding is applied explicitly and the pooling done without padding:
- max: Pad with -inf (the lowest integer for integer types), so an empty window is -inf;
- average: Pad with 0, a depthwise Conv with a ones kernel sums each window, then a
  division by the static count of input elements (an empty window is 0/0 = NaN);
- l2: Pad with 0, LpPool (an empty window is 0).
ONNX Runtime's float MaxPool also turns a window of only -inf into -FLT_MAX: float32 results
equal to -FLT_MAX are mapped back to -inf (so a float32 window whose true maximum is exactly
-FLT_MAX reads -inf; float16 is computed in float32 and is exact).
maxPool2d on int32/uint32/int64/uint64 (no ONNX Runtime MaxPool kernel) is computed with
Slice and Max on the padded input (separable, O(log window) nodes): exact for every type.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...graph import Operation
from ...ops.conv import NCHW_TO_NHWC, NHWC_TO_NCHW, split_input
from ...ops.pool import PoolWindow as Dim
from ...ops.pool import pool_windows
from . import Emitter, rule

NATIVE_MAXPOOL_TYPES = ("float32", "float16", "int8", "uint8")


def _lowest(data_type: str) -> float | int:
    dt = np.dtype(data_type)
    return -math.inf if dt.kind == "f" else int(np.iinfo(dt).min)


def _pad_spatial(e: Emitter, x: str, data_type: str, h: Dim, w: Dim, value: float | int) -> str:
    if not (h.begin or h.end or w.begin or w.end):
        return x
    pads = e.i64([0, 0, h.begin, w.begin, 0, 0, h.end, w.end])
    return e.node("Pad", [x, pads, e.scalar(value, data_type)], 1, mode="constant")


@rule("average_pool2d", "l2_pool2d", "max_pool2d")
def pool2d(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    dt = xd.data_type
    layout, (kh, kw) = op.attr("layout"), op.attr("window_dimensions")
    h, w = pool_windows(xd.shape, e.yd(op).shape, layout, [kh, kw], op.attr("strides"), op.attr("dilations"), op.attr("padding"))
    nhwc = layout == "nhwc"
    x = e.node("Transpose", [e.x(op)], 1, perm=NHWC_TO_NCHW) if nhwc else e.x(op)
    out = e.tmp("pool") if nhwc else e.y(op)
    common: dict[str, Any] = dict(kernel_shape=[kh, kw], strides=[h.s, w.s], dilations=[h.d, w.d])
    native = h.native_padding_ok and w.native_padding_ok
    pads = [h.begin, w.begin, h.end, w.end]

    if op.type == "max_pool2d":
        if dt in NATIVE_MAXPOOL_TYPES:
            # ORT's MaxPool starts from the lowest finite value: a window of only -inf gives
            # -FLT_MAX. float16 runs in float32 (see fp16.py) and rounds that back to -inf.
            fix = dt == "float32"
            target = e.tmp("maxpool") if fix else out
            if native and not (h.has_empty_window or w.has_empty_window):
                e.node("MaxPool", [x], target, pads=pads, **common)
            else:
                e.node("MaxPool", [_pad_spatial(e, x, dt, h, w, _lowest(dt))], target, **common)
            if fix:
                lowest = e.scalar(np.finfo(np.float32).min, dt)
                e.node("Where", [e.node("Equal", [target, lowest], 1), e.scalar(-np.inf, dt), target], out)
        else:
            _max_by_slices(e, _pad_spatial(e, x, dt, h, w, _lowest(dt)), out, h, w)
    elif op.type == "l2_pool2d":
        if native:
            e.node("LpPool", [x], out, p=2, pads=pads, **common)
        else:
            e.node("LpPool", [_pad_spatial(e, x, dt, h, w, 0)], out, p=2, **common)
    else:  # average_pool2d
        if native and not (h.has_empty_window or w.has_empty_window):
            e.node("AveragePool", [x], out, pads=pads, count_include_pad=0, **common)
        else:
            channels = split_input(xd.shape, layout)[1]
            ones = e.const(np.ones((channels, 1, kh, kw), dtype=dt))
            sums = e.node("Conv", [_pad_spatial(e, x, dt, h, w, 0), ones], 1, group=channels, **common)
            counts = np.outer(h.counts, w.counts).reshape(1, 1, h.out_size, w.out_size).astype(dt)
            with np.errstate(divide="ignore", invalid="ignore"):
                e.node("Div", [sums, e.const(counts)], out)
    if nhwc:
        e.node("Transpose", [out], e.y(op), perm=NCHW_TO_NHWC)


def _max_by_slices(e: Emitter, xp: str, out: str, h: Dim, w: Dim) -> None:
    """Max pooling of the (already padded) NCHW input with Slice and Max only.

    The window is a product of one window per axis, so the max is taken along W, then H, by
    the shifts of :meth:`PoolWindow.max_shifts` (O(log window) nodes per axis); a strided slice
    then picks every stride-th window.
    """
    x = xp
    for axis, dim in ((3, w), (2, h)):
        ax = e.i64([axis])
        length = dim.in_size + dim.begin + dim.end
        for shift in dim.max_shifts():
            lo = e.node("Slice", [x, e.i64([0]), e.i64([length - shift]), ax], 1)
            hi = e.node("Slice", [x, e.i64([shift]), e.i64([length]), ax], 1)
            x, length = e.node("Max", [lo, hi], 1), length - shift
        last = (dim.out_size - 1) * dim.s + 1
        if dim.s != 1 or last != length:
            x = e.node("Slice", [x, e.i64([0]), e.i64([last]), ax, e.i64([dim.s])], 1)
    e.node("Identity", [x], out)
