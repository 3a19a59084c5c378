"""CoreML rule for pad, and the padding and slicing helpers the pooling rules share.

MIL's ``pad`` serves float types (edge/reflection only on the last two dimensions, where CoreML
implements them); otherwise the padded tensor is a ``concat`` of constant blocks, edge slices
tiled, or reversed slices (reflection), dimension by dimension, for every data type.
"""

from __future__ import annotations

import numpy as np

from ...errors import ConversionError
from ...graph import Operation
from ._io import INT32_MAX, INT32_MIN, WIDE
from ._mil import Emitter, mb, rule

_FLOATS = ("float32", "float16")


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


def slice_axis(x, shape: list[int], axis: int, start: int, stop: int, stride: int = 1):
    """``x[start:stop:stride]`` along ``axis`` (``shape`` is ``x``'s shape)."""
    b = [0] * len(shape)
    en = list(shape)
    st = [1] * len(shape)
    b[axis], en[axis], st[axis] = start, stop, stride
    return mb.slice_by_index(x=x, begin=np.array(b, np.int32), end=np.array(en, np.int32), stride=np.array(st, np.int32))


_NATIVE_MODE = {"constant": "constant", "edge": "replicate", "reflection": "reflect"}


@rule("pad", mil="pad (floats; edge/reflection on the last two dimensions); otherwise concat of constant/edge/reflected blocks", wide=True)
def pad(e: Emitter, op: Operation) -> None:
    begin, end = list(op.attr("beginning_padding")), list(op.attr("ending_padding"))
    x = e.x(op)
    shape, dt = list(e.xd(op).shape), e.xd(op).data_type
    mode = op.attr("mode")
    if not any(begin) and not any(end):
        e.set(op, mb.identity(x=x))
        return
    rank = len(shape)
    padded_dims = [i for i in range(rank) if begin[i] or end[i]]
    if mode == "constant":
        value = op.attr("value")
        if dt in WIDE and not (INT32_MIN if dt == "int64" else 0) <= value <= INT32_MAX:
            raise ConversionError(
                f"coreml: pad of {dt} with value {value} is not supported: CoreML ML Programs compute integers in "
                f"int32 only and the value is outside int32's range"
            )
        e.set(op, pad_constant(e, x, shape, begin, end, value))
        return
    if dt in _FLOATS and padded_dims[0] >= rank - 2:
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
                blk = slice_axis(x, cur, i, 0, 1)
                parts.append(_tile_axis(blk, cur, i, begin[i]))
            else:
                parts.append(mb.reverse(x=slice_axis(x, cur, i, 1, begin[i] + 1), axes=[i]))
        parts.append(x)
        if end[i]:
            if mode == "edge":
                blk = slice_axis(x, cur, i, d - 1, d)
                parts.append(_tile_axis(blk, cur, i, end[i]))
            else:
                parts.append(mb.reverse(x=slice_axis(x, cur, i, d - 1 - end[i], d - 1), axes=[i]))
        x = mb.concat(values=parts, axis=i)
        cur[i] = d + begin[i] + end[i]
    e.set(op, x)


def _tile_axis(x, shape: list[int], axis: int, n: int):
    if n == 1:
        return x
    reps = [1] * len(shape)
    reps[axis] = n
    return mb.tile(x=x, reps=np.array(reps, dtype=np.int32))
