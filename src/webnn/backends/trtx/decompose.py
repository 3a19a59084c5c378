"""Pooling TensorRT-RTX cannot build, decomposed exactly (one legalization pass).

TensorRT-RTX's pooling takes no dilations other than 1, and its max pooling only float16,
float32 and int8 (int32/int64 inputs, e.g. emulated uint8/uint32, are refused). Such nodes are
rewritten with the window geometry of :class:`webnn.ops.pool.PoolWindow` (static shapes):

- ``MaxPool``: explicit padding with the type's lowest value (-inf for floats), then per
  spatial axis the separable maximum as O(log window) shifted ``Max``es
  (:meth:`PoolWindow.max_shifts`) and a strided ``Slice`` picking every stride-th window;
- ``AveragePool``: zero padding, a depthwise ``Conv`` with a ones kernel (dilated, strided)
  summing each window, divided by the count of elements each window averages (inputs only,
  or inputs and explicit padding with ``count_include_pad``); float16 is summed in float32;
- ``LpPool``: ``(sum |x|^p)^(1/p)`` with the same depthwise ``Conv`` (p = 2: ``sqrt(sum x*x)``).
"""

from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import TensorProto

from ...ops.pool import PoolWindow, window_counts
from .graphedit import GraphEdit, Shape, attr, infer, np_dtype, refuse

POOLS = ("MaxPool", "AveragePool", "LpPool")
NATIVE_MAXPOOL = (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.INT8)


def _needs(n: onnx.NodeProto, types: dict[str, int]) -> bool:
    if n.op_type not in POOLS:
        return False
    if any(d != 1 for d in attr(n, "dilations", []) or []):
        return True
    return n.op_type == "MaxPool" and types.get(n.input[0]) not in NATIVE_MAXPOOL


def candidates(model: onnx.ModelProto) -> bool:
    """Cheap pre-check: a pooling node that may need decomposing."""
    return any(n.op_type in POOLS for n in model.graph.node)


def _windows(n: onnx.NodeProto, in_shape: Shape, out_shape: Shape) -> tuple[list[PoolWindow], list[int]]:
    """One :class:`PoolWindow` per spatial axis (auto_pad resolved; the output size from inference),
    and each axis' declared end padding (before the extra padding a ceil-mode last window needs)."""
    if in_shape is None or any(d is None for d in in_shape) or len(in_shape) < 3:
        raise refuse(n, "TensorRT-RTX cannot pool with these attributes, and decomposing the node needs a static input shape")
    spatial = [int(d) for d in in_shape[2:]]  # type: ignore[arg-type]
    nd = len(spatial)
    k = [int(v) for v in attr(n, "kernel_shape")]
    s = [int(v) for v in (attr(n, "strides") or [1] * nd)]
    d = [int(v) for v in (attr(n, "dilations") or [1] * nd)]
    pads = [int(v) for v in (attr(n, "pads") or [0] * (2 * nd))]
    auto = attr(n, "auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    ceil = bool(attr(n, "ceil_mode", 0))
    out, ends = [], []
    for i in range(nd):
        eff = (k[i] - 1) * d[i] + 1
        b, e = pads[i], pads[i + nd]
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            o = -(-spatial[i] // s[i])
            total = max(0, (o - 1) * s[i] + eff - spatial[i])
            b = total // 2 if auto == "SAME_UPPER" else total - total // 2
            e = total - b
        elif auto == "VALID":
            b = e = 0
        if out_shape is not None and len(out_shape) == nd + 2 and out_shape[2 + i] is not None:
            o = int(out_shape[2 + i])  # type: ignore[arg-type]
        else:
            span = spatial[i] + b + e - eff
            o = (-(-span // s[i]) if ceil else span // s[i]) + 1
            if ceil and (o - 1) * s[i] >= spatial[i] + b:  # a last window starting in the end padding is dropped
                o -= 1
        out.append(PoolWindow(spatial[i], o, k[i], s[i], d[i], b, e))
        ends.append(e)
    return out, ends


def _pad(e: GraphEdit, x: str, wins: list[PoolWindow], value: float | int, dtype: np.dtype) -> str:
    if not any(w.begin or w.end for w in wins):
        return x
    pads = [0, 0] + [w.begin for w in wins] + [0, 0] + [w.end for w in wins]
    return e.node("Pad", [x, e.const(np.array(pads, np.int64)), e.const(np.array(value, dtype))], mode="constant")


def _max_pool(e: GraphEdit, n: onnx.NodeProto, x: str, t: int, wins: list[PoolWindow], out: str) -> None:
    dt = np_dtype(t)
    lowest = -math.inf if dt.kind == "f" else int(np.iinfo(dt).min)
    x = _pad(e, x, wins, lowest, dt)
    for i, w in enumerate(wins):
        axis = e.const(np.array([2 + i], np.int64))
        length = w.in_size + w.begin + w.end
        for shift in w.max_shifts():
            lo = e.node("Slice", [x, e.const(np.array([0], np.int64)), e.const(np.array([length - shift], np.int64)), axis])
            hi = e.node("Slice", [x, e.const(np.array([shift], np.int64)), e.const(np.array([length], np.int64)), axis])
            x, length = e.node("Max", [lo, hi]), length - shift
        last = (w.out_size - 1) * w.s + 1
        if w.s != 1 or last != length:
            x = e.node("Slice", [x, e.const(np.array([0], np.int64)), e.const(np.array([last], np.int64)), axis, e.const(np.array([w.s], np.int64))])
    e.node("Identity", [x], out, name=n.name or None)


def _window_sums(e: GraphEdit, x: str, channels: int, wins: list[PoolWindow]) -> str:
    """Depthwise Conv of float32 ``x`` (already padded) with a ones kernel: each window's sum."""
    kernel = e.const(np.ones((channels, 1, *[w.k for w in wins]), np.float32))
    y = e.node("Conv", [x, kernel], group=channels, kernel_shape=[w.k for w in wins], strides=[w.s for w in wins], dilations=[w.d for w in wins])
    # The padded input may hold more windows than the pooling outputs (larger explicit padding).
    for i, w in enumerate(wins):
        length = (w.in_size + w.begin + w.end - (w.k - 1) * w.d - 1) // w.s + 1
        if length != w.out_size:
            axis = e.const(np.array([2 + i], np.int64))
            y = e.node("Slice", [y, e.const(np.array([0], np.int64)), e.const(np.array([w.out_size], np.int64)), axis])
    return y


def _average_pool(e: GraphEdit, n: onnx.NodeProto, x: str, t: int, channels: int, wins: list[PoolWindow], ends: list[int], out: str) -> None:
    if t != TensorProto.FLOAT:
        x = e.node("Cast", [x], to=TensorProto.FLOAT)
    include_pad = bool(attr(n, "count_include_pad", 0))
    counts: np.ndarray = np.ones((1, 1), np.float64)
    for w, end in zip(wins, ends, strict=True):
        # count_include_pad counts the declared padding, never the extra end padding of ceil mode
        lo, hi = (-w.begin, w.in_size + end) if include_pad else (0, w.in_size)
        counts = np.multiply.outer(counts, window_counts(w.in_size, w.out_size, w.k, w.s, w.d, w.begin, lo, hi).astype(np.float64))
    counts = counts.reshape((1, 1, *[w.out_size for w in wins])).astype(np.float32)
    sums = _window_sums(e, _pad(e, x, wins, 0.0, np.dtype(np.float32)), channels, wins)
    if t == TensorProto.FLOAT:
        e.node("Div", [sums, e.const(counts)], out, name=n.name or None)
    else:
        e.node("Cast", [e.node("Div", [sums, e.const(counts)])], out, to=t, name=n.name or None)


def _lp_pool(e: GraphEdit, n: onnx.NodeProto, x: str, t: int, channels: int, wins: list[PoolWindow], out: str) -> None:
    p = int(attr(n, "p", 2))
    if t != TensorProto.FLOAT:
        x = e.node("Cast", [x], to=TensorProto.FLOAT)
    x = _pad(e, x, wins, 0.0, np.dtype(np.float32))
    powered = e.node("Mul", [x, x]) if p == 2 else e.node("Pow", [e.node("Abs", [x]), e.const(np.array(p, np.float32))])
    sums = _window_sums(e, powered, channels, wins)
    y = e.node("Sqrt", [sums]) if p == 2 else e.node("Pow", [sums, e.const(np.array(1.0 / p, np.float32))])
    if t == TensorProto.FLOAT:
        e.node("Identity", [y], out, name=n.name or None)
    else:
        e.node("Cast", [y], out, to=t, name=n.name or None)


def decompose_pools(model: onnx.ModelProto) -> list[str]:
    """Rewrite the pooling nodes TensorRT-RTX cannot build; returns what changed."""
    if not candidates(model):
        return []
    types, shapes = infer(model)
    if not any(_needs(n, types) for n in model.graph.node):
        return []
    e = GraphEdit(model)
    for n in model.graph.node:
        if not _needs(n, types):
            e.keep(n)
            continue
        e.at(n)
        if len(n.output) > 1 and n.output[1]:
            raise refuse(n, "TensorRT-RTX cannot build this pooling, and its decomposition has no Indices output")
        x, t = n.input[0], types.get(n.input[0])
        if t is None:
            raise refuse(n, "TensorRT-RTX cannot build this pooling, and the input type is unknown")
        shape = shapes.get(x)
        wins, ends = _windows(n, shape, shapes.get(n.output[0]))
        channels = int(shape[1]) if shape is not None and shape[1] is not None else 0
        dil = [w.d for w in wins]
        why = f"dilations {dil}" if any(v != 1 for v in dil) else f"{TensorProto.DataType.Name(t).lower()} input"
        if n.op_type == "MaxPool":
            _max_pool(e, n, x, t, wins, n.output[0])
            e.note(f"MaxPool {n.name!r} ({why}) -> padding and O(log window) shifted Max")
        elif n.op_type == "AveragePool":
            _average_pool(e, n, x, t, channels, wins, ends, n.output[0])
            e.note(f"AveragePool {n.name!r} ({why}) -> depthwise Conv sum / count")
        else:
            _lp_pool(e, n, x, t, channels, wins, n.output[0])
            e.note(f"LpPool {n.name!r} ({why}) -> depthwise Conv of |x|^p")
    return e.commit()
