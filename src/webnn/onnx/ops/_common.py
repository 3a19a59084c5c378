"""Helpers shared by the handlers: pads, auto_pad, broadcasting, iotas."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from ...operand import MLOperand
from .._importer import NodeContext

FLOATS = ("float32", "float16")


def prod(values: Iterable[int]) -> int:
    return int(math.prod(int(v) for v in values))


def broadcast(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    """numpy (ONNX multidirectional) broadcasting of two shapes; ValueError when incompatible."""
    return tuple(np.broadcast_shapes(tuple(a), tuple(b)))


def reshape(n: NodeContext, x: MLOperand, shape: Sequence[int]) -> MLOperand:
    """``x`` reshaped (no operation when the shape does not change)."""
    shape = [int(d) for d in shape]
    if list(x.shape) == shape:
        return x
    return n.b.reshape(x, shape)


def spatial_pads(n: NodeContext, in_sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int], dilations: Sequence[int]) -> list[tuple[int, int]]:
    """(begin, end) padding per spatial axis from ``auto_pad`` / ``pads`` (conv and pooling)."""
    k = len(in_sizes)
    auto = n.attr("auto_pad", "NOTSET")
    if auto in ("", "NOTSET"):
        pads = n.attr("pads") or [0] * (2 * k)
        if len(pads) != 2 * k:
            raise ValueError(f"pads has {len(pads)} values, expected {2 * k}")
        if any(p < 0 for p in pads):
            raise n.refuse("attr", f"negative pads {list(pads)}")
        return [(int(pads[i]), int(pads[i + k])) for i in range(k)]
    if auto == "VALID":
        return [(0, 0)] * k
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for i in range(k):
            o = -(-in_sizes[i] // strides[i])
            eff = (kernel[i] - 1) * dilations[i] + 1
            total = max(0, (o - 1) * strides[i] + eff - in_sizes[i])
            small, big = total // 2, total - total // 2
            out.append((small, big) if auto == "SAME_UPPER" else (big, small))
        return out
    raise ValueError(f"auto_pad {auto!r} is not an ONNX value")


def webnn_padding(pads: Sequence[tuple[int, int]]) -> list[int]:
    """[(bh, eh), (bw, ew)] -> WebNN's [beginH, endH, beginW, endW]."""
    return [pads[0][0], pads[0][1], pads[1][0], pads[1][1]]


def iota(n: NodeContext, size: int, axis: int, rank: int, data_type: str = "int64") -> MLOperand:
    """A constant 0..size-1 laid along ``axis`` of a rank-``rank`` broadcastable shape."""
    shape = [1] * rank
    shape[axis] = size
    return n.constant(np.arange(size, dtype=np.dtype(data_type)).reshape(shape))


def zeros_like_bool(n: NodeContext, x: MLOperand) -> MLOperand:
    """A uint8 tensor of zeros with ``x``'s shape (computed, so it has x's shape exactly)."""
    return n.b.expand(n.scalar(0, "uint8"), list(x.shape)) if x.shape else n.b.identity(n.scalar(0, "uint8"))


def need_types(n: NodeContext, i: int, allowed: Sequence[str], op: str) -> str:
    """Input ``i``'s WebNN data type, which must be one WebNN's ``op`` takes (else "dtype")."""
    dt = n.dtype(i)
    if dt not in allowed:
        raise n.refuse("dtype", f"WebNN {op} does not take {dt} (it takes {', '.join(allowed)})")
    return dt
