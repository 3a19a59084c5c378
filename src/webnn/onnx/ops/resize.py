"""Resize and Upsample.

Resizing is separable: along each resized axis, output element ``o`` is a weighted sum of
input elements. The weights follow ONNX's definition (coordinate transformation, nearest
rounding, linear / cubic kernels, antialiasing, exclude_outside, edge clamping) and are
computed exactly at import in float64. When they equal WebNN ``resample2d``'s (half-pixel
centres, the two resized axes of a 4-D tensor) the node maps to ``resample2d``; otherwise
nearest modes become a ``gather`` per axis and the others a ``matmul`` with the weight
matrix (plus ``where`` for tf_crop_and_resize's extrapolation value).
"""

from __future__ import annotations

import math

import numpy as np

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import FLOATS

MODES = ("nearest", "linear", "cubic")
REFUSES = {
    "int_interpolation": "linear or cubic interpolation of integer tensors (ONNX's rounding of the result is not specified)",
}


# -- the per-axis weights (ONNX's definition) ------------------------------------------------
def _source_coords(ctm: str, out_w: int, in_w: int, scale: float, roi: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray | None]:
    y = np.arange(out_w, dtype=np.float64)
    length = scale * in_w
    extrap = None
    if ctm == "align_corners":
        x = np.zeros(out_w) if length == 1 else y * (in_w - 1) / (length - 1)
    elif ctm == "asymmetric":
        x = y / scale
    elif ctm == "tf_crop_and_resize":
        assert roi is not None
        if length == 1:
            x = np.full(out_w, (roi[1] - roi[0]) * (in_w - 1) / 2)
        else:
            x = y * (roi[1] - roi[0]) * (in_w - 1) / (length - 1)
        x = x + roi[0] * (in_w - 1)
        extrap = (x < 0) | (x > in_w - 1)
    elif ctm == "pytorch_half_pixel":
        x = np.full(out_w, -0.5) if length == 1 else (y + 0.5) / scale - 0.5
    elif ctm == "half_pixel":
        x = (y + 0.5) / scale - 0.5
    elif ctm == "half_pixel_symmetric":
        adjustment = out_w / length
        x = in_w / 2 * (1 - adjustment) + (y + 0.5) / scale - 0.5
    else:
        raise ValueError(f"coordinate_transformation_mode {ctm!r} is not an ONNX value")
    return x, extrap


def _coeffs(mode: str, ratio: float, scale: float, nearest_mode: str, a: float, antialias: bool) -> np.ndarray:
    if mode == "nearest":
        if ratio == 1.0:
            return np.array([0.0, 1.0])
        pick = {
            "round_prefer_floor": ratio > 0.5,
            "round_prefer_ceil": ratio >= 0.5,
            "floor": False,
            "ceil": True,
        }[nearest_mode]
        return np.array([0.0, 1.0]) if pick else np.array([1.0, 0.0])
    if mode == "linear":
        if not antialias:
            return np.array([1 - ratio, ratio])
        s = min(scale, 1.0)
        start = int(math.floor(-1 / s) + 1)
        args = (np.arange(start, start + 2 - 2 * start) - ratio) * s
        c = np.clip(1 - np.abs(args), 0, 1)
        return c / c.sum()
    if not antialias:
        r = ratio
        return np.array([
            ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
            ((a * ((1 - r) + 1) - 5 * a) * ((1 - r) + 1) + 8 * a) * ((1 - r) + 1) - 4 * a,
        ])
    s = min(scale, 1.0)

    def k(x: float) -> float:
        x = abs(x)
        if x <= 1:
            return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
        if x < 2:
            return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a
        return 0.0

    start = int(math.floor(-2 / s) + 1)
    c = np.array([k(s * (i - ratio)) for i in range(start, 2 - start)])
    return c / c.sum()


def axis_weights(mode: str, ctm: str, nearest_mode: str, a: float, exclude_outside: bool, antialias: bool,
                 in_w: int, out_w: int, scale: float, roi: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray | None]:
    """``(W, extrapolated)``: output = W @ input along the axis (W is [out_w, in_w], float64)."""
    x, extrap = _source_coords(ctm, out_w, in_w, scale, roi)
    W = np.zeros((out_w, in_w), dtype=np.float64)
    for o in range(out_w):
        xo = float(x[o])
        xi = math.floor(xo)
        ratio = 1.0 if xo == xi else xo - xi
        c = _coeffs(mode, ratio, scale, nearest_mode, a, antialias)
        m = len(c)
        pad = math.ceil(m / 2)
        xp = xo + pad
        p = math.floor(xp)
        frac = xp - p
        if m % 2 == 0:
            off = -(m // 2) if frac == 0 else -(m // 2) + 1
        else:
            off = -((m - 1) // 2) + (0 if frac <= 0.5 else 1)
        idx = p + off + np.arange(m) - pad
        if exclude_outside:
            c = np.where((idx < 0) | (idx >= in_w), 0.0, c)
            total = c.sum()
            c = c / (total if total != 0 else 1.0)
        for j, w in zip(np.clip(idx, 0, in_w - 1), c, strict=False):
            W[o, j] += w
    return W, extrap


def _webnn_weights(mode: str, in_w: int, out_w: int) -> np.ndarray:
    """WebNN resample2d's weights (half-pixel centres, coordinates clamped, ties round down)."""
    W = np.zeros((out_w, in_w), dtype=np.float64)
    for o in range(out_w):
        c = min(max((o + 0.5) * in_w / out_w - 0.5, 0.0), in_w - 1)
        if mode == "nearest":
            W[o, math.ceil(c - 0.5)] = 1.0
        else:
            i0 = math.floor(c)
            i1 = min(i0 + 1, in_w - 1)
            t = c - i0
            W[o, i0] += 1 - t
            W[o, i1] += t
    return W


# -- applying them ------------------------------------------------------------------------
def _apply(n: NodeContext, x: MLOperand, plan: list[tuple[int, np.ndarray, np.ndarray | None]], mode: str, extrap_value: float) -> MLOperand:
    b = n.b
    dt = x.data_type
    for axis, W, extrap in plan:
        if mode == "nearest" and ((W == 0) | (W == 1)).all() and (W.sum(axis=1) == 1).all():
            x = b.gather(x, n.constant(W.argmax(axis=1).astype(np.int64)), axis=axis)
        else:
            last = x.rank - 1
            perm = list(range(x.rank))
            perm[axis], perm[last] = last, axis
            moved = x if axis == last else b.transpose(x, permutation=perm)
            y = b.matmul(moved, n.constant(W.T.astype(np.dtype(dt))))
            x = y if axis == last else b.transpose(y, permutation=perm)
        if extrap is not None and extrap.any():
            shape = [1] * x.rank
            shape[axis] = len(extrap)
            x = b.where(n.constant(extrap.reshape(shape).astype(np.uint8)), n.scalar(extrap_value, dt), x)
    return x


def _resize(n: NodeContext, x: MLOperand, scales: list[float] | None, sizes: list[int] | None, axes: list[int], *,
            mode: str, ctm: str, nearest_mode: str, a: float, exclude_outside: bool, antialias: bool,
            roi: list[float] | None, extrap_value: float, policy: str) -> MLOperand:
    r = x.rank
    in_shape = list(x.shape)
    if sizes is not None:
        out = list(in_shape)
        for i, d in enumerate(axes):
            out[d] = int(sizes[i])
        sf = [out[i] / in_shape[i] for i in range(r)]
        if policy != "stretch":
            pick = min if policy == "not_larger" else max
            s = pick(sf[d] for d in axes)
            sf = [s if i in axes else 1.0 for i in range(r)]
            out = [int(s * in_shape[i] + 0.5) if i in axes else in_shape[i] for i in range(r)]
    else:
        assert scales is not None
        sf = [1.0] * r
        for i, d in enumerate(axes):
            sf[d] = float(scales[i])
        out = [int(sf[i] * in_shape[i]) for i in range(r)]
    if any(d <= 0 for d in out):
        raise n.refuse("empty", f"output shape {out}")
    full_roi = None
    if roi is not None and len(roi):
        full_roi = [0.0] * r + [1.0] * r
        for i, d in enumerate(axes):
            full_roi[d], full_roi[r + d] = float(roi[i]), float(roi[len(axes) + i])
    plan = []
    for d in axes:
        axis_roi = None if full_roi is None else (full_roi[d], full_roi[r + d])
        if math.isclose(sf[d], 1.0) and out[d] == in_shape[d] and (axis_roi is None or (math.isclose(axis_roi[0], 0) and math.isclose(axis_roi[1], 1))):
            continue
        if ctm == "tf_crop_and_resize" and axis_roi is None:
            axis_roi = (0.0, 1.0)
        W, extrap = axis_weights(mode, ctm, nearest_mode, a, exclude_outside, antialias, in_shape[d], out[d], sf[d], axis_roi)
        plan.append((d, W, extrap))
    if not plan:
        return n.b.identity(x)
    if x.data_type not in FLOATS and mode != "nearest":
        raise n.refuse("int_interpolation", f"{mode} interpolation of {x.data_type}")
    moved = [d for d, _, _ in plan]
    if (r == 4 and mode in ("nearest", "linear") and len(moved) <= 2 and x.data_type in ("float32", "float16", "int8", "uint8")
            and all(e is None or not e.any() for _, _, e in plan)
            and all(np.array_equal(W, _webnn_weights(mode, W.shape[1], W.shape[0])) for _, W, _ in plan)):
        pair = sorted(moved) if len(moved) == 2 else sorted({moved[0], 2 if moved[0] == 3 else 3})
        return n.b.resample2d(x, mode="nearest-neighbor" if mode == "nearest" else "linear",
                              sizes=[out[pair[0]], out[pair[1]]], axes=pair)
    return _apply(n, x, plan, mode, extrap_value)


@onnx_op("Resize", since=11, refuses=REFUSES,
         note="resample2d when ONNX's weights equal WebNN's; otherwise gather (nearest) or matmul by the weights, per axis")
def resize(n: NodeContext) -> MLOperand:
    n.dtype(0)
    x = n.x(0)
    mode = n.attr("mode", "nearest")
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not an ONNX value")
    ctm = n.attr("coordinate_transformation_mode", "half_pixel")
    roi = None
    if ctm == "tf_crop_and_resize" and n.has(1):
        if not n.is_const(1):
            raise n.refuse("dynamic", "roi (tf_crop_and_resize) is computed at run time")
        roi = [float(v) for v in np.asarray(n.const(1)).reshape(-1)]
    scales = [float(v) for v in np.asarray(n.const(2, "scales")).reshape(-1)] if n.has(2) and n.shape(2) != (0,) else None
    sizes = n.ints(3, "sizes") if n.has(3) and n.shape(3) != (0,) else None
    if scales is None and sizes is None:
        raise ValueError("one of scales and sizes is required")
    axes = n.attr("axes") if n.version >= 18 else None
    axes = list(range(x.rank)) if axes is None else n.axes([int(v) for v in axes], x.rank)
    if roi is not None and len(roi) == 2 * x.rank and len(axes) != x.rank:  # a roi for every axis
        roi = [roi[d] for d in axes] + [roi[x.rank + d] for d in axes]
    return _resize(
        n, x, scales, sizes, axes, mode=mode, ctm=ctm, nearest_mode=n.attr("nearest_mode", "round_prefer_floor"),
        a=float(n.attr("cubic_coeff_a", -0.75)), exclude_outside=bool(n.attr("exclude_outside", 0)),
        antialias=bool(n.attr("antialias", 0)) if n.version >= 18 else False, roi=roi,
        extrap_value=float(n.attr("extrapolation_value", 0.0)),
        policy=n.attr("keep_aspect_ratio_policy", "stretch") if n.version >= 18 else "stretch",
    )


def _asymmetric(n: NodeContext, scales: list[float]) -> MLOperand:
    x = n.x(0)
    mode = n.attr("mode", "nearest")
    if mode not in ("nearest", "linear"):
        raise ValueError(f"mode {mode!r} is not an ONNX value")
    return _resize(n, x, scales, None, list(range(x.rank)), mode=mode, ctm="asymmetric", nearest_mode="floor", a=-0.75,
                   exclude_outside=False, antialias=False, roi=None, extrap_value=0.0, policy="stretch")


@onnx_op("Resize", since=10, until=10, refuses=REFUSES, note="asymmetric coordinates, nearest rounds down (opset 10)")
def resize_10(n: NodeContext) -> MLOperand:
    n.dtype(0)
    return _asymmetric(n, [float(v) for v in np.asarray(n.const(1, "scales")).reshape(-1)])


@onnx_op("Upsample", since=7, refuses=REFUSES, note="asymmetric coordinates, nearest rounds down")
def upsample(n: NodeContext) -> MLOperand:
    n.dtype(0)
    if n.version >= 9:
        scales = [float(v) for v in np.asarray(n.const(1, "scales")).reshape(-1)]
    else:
        scales = [float(v) for v in n.attr("scales")]
    return _asymmetric(n, scales)
