"""CoreML rules for average_pool2d l2_pool2d max_pool2d, pad and resample2d.

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

pad: MIL's ``pad`` (float types; edge/reflection only on the last two dimensions, where CoreML
implements them); otherwise ``concat`` of constant blocks, edge slices tiled, or reversed
slices (reflection), dimension by dimension, for every data type.

resample2d: the spec's formulas with ``gather`` at indices (and linear weights) computed
exactly at conversion time, as in the ONNX rule: nearest-neighbor gathers ``ceil(c - 0.5)``,
linear computes ``v0 * (1 - t) + v1 * t`` along the second axis, then the first; int8/uint8
linear is interpolated in float32 and rounded to the nearest integer (ties to even).
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import ConversionError
from ...graph import Operation
from ._io import INT32_MAX, INT32_MIN, WIDE
from ._mil import Emitter, mb, rule
from ...ops.pool import PoolWindow as Dim
from .conv import NCHW_TO_NHWC, NHWC_TO_NCHW

_FLOATS = ("float32", "float16")


def _lowest(data_type: str) -> float:
    return -math.inf if data_type in _FLOATS else float(-(2**31))  # int types are carried in int32


def pad_constant(e: Emitter, x, shape: list[int], begin: list[int], end: list[int], value):
    """``x`` padded with ``value`` (any carrier type)."""
    if not any(begin) and not any(end):
        return x
    carrier = e.carrier_of_var(x)
    if carrier in ("fp32", "fp16"):
        first = next(i for i in range(len(shape)) if begin[i] or end[i])
        pads = [v for i in range(first, len(shape)) for v in (begin[i], end[i])]
        return mb.pad(x=x, pad=np.array(pads, dtype=np.int32), mode="constant", constant_val=e.s(value, x))
    cur = list(shape)
    for i in range(len(shape)):
        parts = []
        for n in (begin[i], end[i]):
            block = list(cur)
            block[i] = n
            parts.append(e.const(np.full(block, value), carrier) if n else None)
        if parts[0] is None and parts[1] is None:
            continue
        x = mb.concat(values=[p for p in (parts[0], x, parts[1]) if p is not None], axis=i)
        cur[i] += begin[i] + end[i]
    return x


def _slice(x, shape: list[int], axis: int, start: int, stop: int, stride: int = 1):
    b = [0] * len(shape)
    en = list(shape)
    st = [1] * len(shape)
    b[axis], en[axis], st[axis] = start, stop, stride
    return mb.slice_by_index(x=x, begin=np.array(b, np.int32), end=np.array(en, np.int32), stride=np.array(st, np.int32))


def _max_by_slices(x, shape: list[int], h: Dim, w: Dim):
    """Max pooling of the padded NCHW input with slices and maximum (see the ONNX rule)."""
    shape = list(shape)
    for axis, dim in ((3, w), (2, h)):
        length = shape[axis]

        def shifted_max(t, length: int, shift: int):
            sh = list(shape)
            sh[axis] = length
            lo = _slice(t, sh, axis, 0, length - shift)
            hi = _slice(t, sh, axis, shift, length)
            return mb.maximum(x=lo, y=hi), length - shift

        span = 1
        while 2 * span <= dim.k:
            x, length = shifted_max(x, length, span * dim.d)
            span *= 2
        if span < dim.k:
            x, length = shifted_max(x, length, (dim.k - span) * dim.d)
        last = (dim.out_size - 1) * dim.s + 1
        if dim.s != 1 or last != length:
            sh = list(shape)
            sh[axis] = length
            x = _slice(x, sh, axis, 0, last, dim.s)
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
)
def pool2d(e: Emitter, op: Operation) -> None:
    a = op.attributes
    xd, yd = e.xd(op), e.yd(op)
    dt = xd.data_type
    nhwc = a["layout"] == "nhwc"
    ishape = [xd.shape[i] for i in NHWC_TO_NCHW] if nhwc else list(xd.shape)
    oshape = [yd.shape[i] for i in NHWC_TO_NCHW] if nhwc else list(yd.shape)
    (kh, kw), (sh, sw), (dh, dw), p = a["window_dimensions"], a["strides"], a["dilations"], a["padding"]
    h = Dim(ishape[2], oshape[2], kh, sh, dh, p[0], p[1])
    w = Dim(ishape[3], oshape[3], kw, sw, dw, p[2], p[3])
    x = e.x(op)
    if nhwc:
        x = mb.transpose(x=x, perm=NHWC_TO_NCHW)
    native = all(dim.native_padding_ok and dim.d == 1 and not dim.has_empty_window for dim in (h, w))
    common = dict(kernel_sizes=[kh, kw], strides=[sh, sw], pad_type="custom", pad=[h.begin, h.end, w.begin, w.end], ceil_mode=False)
    padded_shape = [ishape[0], ishape[1], ishape[2] + h.begin + h.end, ishape[3] + w.begin + w.end]

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
        channels = ishape[1]
        ones = e.const(np.ones((channels, 1, kh, kw)), carrier)
        src = padded(0)
        if op.type == "l2_pool2d":
            src = mb.mul(x=src, y=src)
        sums = mb.conv(x=src, weight=ones, strides=[sh, sw], pad_type="valid", dilations=[dh, dw], groups=channels)
        if op.type == "l2_pool2d":
            y = mb.sqrt(x=sums)
        else:
            counts = np.outer(h.counts, w.counts).reshape(1, 1, h.out_size, w.out_size)
            y = mb.real_div(x=sums, y=e.const(counts, carrier))
    if nhwc:
        y = mb.transpose(x=y, perm=NCHW_TO_NHWC)
    e.set(op, y)


# -- pad -------------------------------------------------------------------------------------
_NATIVE_MODE = {"constant": "constant", "edge": "replicate", "reflection": "reflect"}


@rule("pad", mil="pad (floats; edge/reflection on the last two dimensions); otherwise concat of constant/edge/reflected blocks")
def pad(e: Emitter, op: Operation) -> None:
    a = op.attributes
    begin, end = list(a["beginning_padding"]), list(a["ending_padding"])
    x = e.x(op)
    shape = list(e.xd(op).shape)
    mode = a["mode"]
    if not any(begin) and not any(end):
        e.set(op, mb.identity(x=x))
        return
    rank = len(shape)
    padded_dims = [i for i in range(rank) if begin[i] or end[i]]
    floats = e.xd(op).data_type in _FLOATS
    if mode == "constant":
        dt = e.xd(op).data_type
        if dt in WIDE and not (INT32_MIN if dt == "int64" else 0) <= a["value"] <= INT32_MAX:
            raise ConversionError(
                f"coreml: pad of {dt} with value {a['value']} is not supported: CoreML ML Programs compute integers in "
                f"int32 only and the value is outside int32's range"
            )
        e.set(op, pad_constant(e, x, shape, begin, end, a["value"]))
        return
    if floats and padded_dims[0] >= rank - 2:
        first = rank - 2 if rank >= 2 else 0
        pads = [v for i in range(first, rank) for v in (begin[i], end[i])]
        e.set(op, mb.pad(x=x, pad=np.array(pads, dtype=np.int32), mode=_NATIVE_MODE[mode]))
        return
    cur = list(shape)
    for i in padded_dims:
        d = cur[i]
        parts = []
        if begin[i]:
            if mode == "edge":
                blk = _slice(x, cur, i, 0, 1)
                parts.append(_tile_axis(blk, cur, i, begin[i]))
            else:
                parts.append(mb.reverse(x=_slice(x, cur, i, 1, begin[i] + 1), axes=[i]))
        parts.append(x)
        if end[i]:
            if mode == "edge":
                blk = _slice(x, cur, i, d - 1, d)
                parts.append(_tile_axis(blk, cur, i, end[i]))
            else:
                parts.append(mb.reverse(x=_slice(x, cur, i, d - 1 - end[i], d - 1), axes=[i]))
        x = mb.concat(values=parts, axis=i)
        cur[i] = d + begin[i] + end[i]
    e.set(op, x)


def _tile_axis(x, shape: list[int], axis: int, n: int):
    if n == 1:
        return x
    reps = [1] * len(shape)
    reps[axis] = n
    return mb.tile(x=x, reps=np.array(reps, dtype=np.int32))


# -- resample2d ------------------------------------------------------------------------------
def input_coordinates(in_size: int, out_size: int) -> tuple[np.ndarray, int]:
    """The spec's clamped input coordinate of each output coordinate as numerators over one
    denominator: c = clamp((o + 0.5) * in / out - 0.5, 0, in - 1) = num / den."""
    den = 2 * out_size
    big = (2 * out_size + 1) * in_size >= 2**62
    o = np.arange(out_size, dtype=object if big else np.int64)
    num = (2 * o + 1) * in_size - out_size
    return np.minimum(np.maximum(num, 0), (in_size - 1) * den), den


def _bshape(rank: int, axis: int, n: int) -> list[int]:
    s = [1] * rank
    s[axis] = n
    return s


def _gather(x, idx: np.ndarray, axis: int):
    return mb.gather(x=x, indices=np.asarray(idx, dtype=np.int32), axis=axis, validate_indices=False)


@rule("resample2d", mil="gather at exact indices (nearest-neighbor); gather, mul, add with exact weights (linear)")
def resample2d(e: Emitter, op: Operation) -> None:
    a = op.attributes
    xd, yd = e.xd(op), e.yd(op)
    rank = len(xd.shape)
    x = e.x(op)
    steps = [(ax, xd.shape[ax], yd.shape[ax]) for ax in reversed(a["axes"]) if xd.shape[ax] != yd.shape[ax]]
    if not steps:
        e.set(op, mb.identity(x=x))
        return
    if a["mode"] == "nearest-neighbor":
        for ax, i, o in steps:
            num, den = input_coordinates(i, o)
            x = _gather(x, -((o - num) // den), ax)
        e.set(op, x)
        return
    dt = xd.data_type
    compute = "fp32" if dt == "float32" else "fp16" if dt == "float16" else "fp32"
    if dt not in _FLOATS:
        x = mb.cast(x=x, dtype="fp32")
    for ax, i, o in steps:
        num, den = input_coordinates(i, o)
        i0 = num // den
        i1 = -((-num) // den)
        rem = num - i0 * den
        if not rem.any():
            x = _gather(x, i0, ax)
            continue
        shape = _bshape(rank, ax, o)
        w0 = e.const((np.array(den - rem, dtype=np.float64) / den).reshape(shape), compute)
        w1 = e.const((np.array(rem, dtype=np.float64) / den).reshape(shape), compute)
        x = mb.add(x=mb.mul(x=_gather(x, i0, ax), y=w0), y=mb.mul(x=_gather(x, i1, ax), y=w1))
    if dt not in _FLOATS:
        x = mb.cast(x=mb.round(x=x), dtype="int32")
    e.set(op, x)
