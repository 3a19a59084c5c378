"""resample2d: float64 numpy references from the spec's formulas, validation."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import webnn

from ._helpers import run1

RNG = np.random.default_rng(4322)


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def _coords(in_size, out_size):
    """inputCoordinate = clamp((o + 0.5) / (out / in) - 0.5, 0, in - 1), exactly."""
    return [min(max((o + Fraction(1, 2)) * Fraction(in_size, out_size) - Fraction(1, 2), Fraction(0)), Fraction(in_size - 1)) for o in range(out_size)]


def resample_ref(x, mode, out_sizes, axes=(2, 3)):
    """The spec's formulas; axes[0] is y, axes[1] is x."""
    ay, ax = axes
    cy, cx = _coords(x.shape[ay], out_sizes[0]), _coords(x.shape[ax], out_sizes[1])
    xf = x.astype(np.float64)
    if mode == "nearest-neighbor":
        iy = [math.ceil(c - Fraction(1, 2)) for c in cy]
        ix = [math.ceil(c - Fraction(1, 2)) for c in cx]
        return xf.take(iy, axis=ay).take(ix, axis=ax)
    y0, y1 = [math.floor(c) for c in cy], [math.ceil(c) for c in cy]
    x0, x1 = [math.floor(c) for c in cx], [math.ceil(c) for c in cx]
    shape_y = [1] * x.ndim
    shape_y[ay] = out_sizes[0]
    shape_x = [1] * x.ndim
    shape_x[ax] = out_sizes[1]
    ty = np.array([float(c - f) for c, f in zip(cy, y0, strict=True)]).reshape(shape_y)
    tx = np.array([float(c - f) for c, f in zip(cx, x0, strict=True)]).reshape(shape_x)
    v00 = xf.take(y0, axis=ay).take(x0, axis=ax)
    v10 = xf.take(y0, axis=ay).take(x1, axis=ax)  # (x1, y0)
    v01 = xf.take(y1, axis=ay).take(x0, axis=ax)  # (x0, y1)
    v11 = xf.take(y1, axis=ay).take(x1, axis=ax)
    vy0 = v00 * (1 - tx) + v10 * tx
    vy1 = v01 * (1 - tx) + v11 * tx
    return vy0 * (1 - ty) + vy1 * ty


def test_resample2d_spec_example(ctx):
    x = np.array([[0, 1, 2, 3], [0, 1, 2, 3], [12, 13, 14, 15], [12, 13, 14, 15]], np.float32).reshape(1, 1, 4, 4)
    out = run1(ctx, "resample2d", x, mode="linear", sizes=[8, 8], check_onnx=True)
    expected = np.array(
        [
            [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3],
            [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3],
            [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3],
            [3, 3.25, 3.75, 4.25, 4.75, 5.25, 5.75, 6],
            [9, 9.25, 9.75, 10.25, 10.75, 11.25, 11.75, 12],
            [12, 12.25, 12.75, 13.25, 13.75, 14.25, 14.75, 15],
            [12, 12.25, 12.75, 13.25, 13.75, 14.25, 14.75, 15],
            [12, 12.25, 12.75, 13.25, 13.75, 14.25, 14.75, 15],
        ]
    )
    np.testing.assert_array_equal(out[0, 0], expected)


def test_resample2d_nearest_known_values(ctx):
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 1, 2, 2)
    out = run1(ctx, "resample2d", x, scales=[2.0, 1.5])
    np.testing.assert_array_equal(out[0, 0], [[1, 1, 2], [1, 1, 2], [3, 3, 4], [3, 3, 4]])
    # 36 -> 21 has exact ties (inputCoordinate = k + 0.5): the spec's ceil(c - 0.5) picks k
    x = np.arange(36, dtype=np.float32).reshape(1, 1, 36, 1)
    out = run1(ctx, "resample2d", x, sizes=[21, 1])
    assert out[0, 0, 17, 0] == 29 and out[0, 0, 18, 0] == 31


RESAMPLE_CASES = [
    dict(xs=(1, 2, 3, 4), sizes=[7, 9]),
    dict(xs=(2, 1, 7, 5), sizes=[3, 2]),
    dict(xs=(1, 1, 5, 6), scales=[1.7, 0.5]),
    dict(xs=(1, 1, 4, 6), scales=[2.0, 2.0], sizes=[5, 3]),  # sizes win
    dict(xs=(3, 5, 2, 2), sizes=[6, 4], axes=[0, 1]),
    dict(xs=(1, 4, 3, 2), sizes=[7, 6], axes=[1, 2]),
    dict(xs=(4, 2, 2, 3), sizes=[5, 7], axes=[0, 3]),
    dict(xs=(1, 1, 5, 5), sizes=[5, 5]),
    dict(xs=(2, 3, 4, 4), scales=[1.0, 3.0], axes=[3, 2]),
    dict(xs=(1, 1, 36, 10), sizes=[21, 10]),
]


def _resample_out(case):
    axes = case.get("axes", [2, 3])
    if "sizes" in case:
        return case["sizes"], axes
    return [math.floor(case["xs"][a] * Fraction(float(np.float32(s)))) for a, s in zip(axes, case["scales"], strict=True)], axes


@pytest.mark.parametrize("mode", ["nearest-neighbor", "linear"])
@pytest.mark.parametrize("case", RESAMPLE_CASES, ids=lambda c: str(c))
def test_resample2d_values(ctx, mode, case):
    x = RNG.standard_normal(case["xs"]).astype(np.float32)
    opts = {k: v for k, v in case.items() if k != "xs"}
    out_sizes, axes = _resample_out(case)
    ref = resample_ref(x, mode, out_sizes, axes)
    out = run1(ctx, "resample2d", x, mode=mode, **opts)
    if mode == "nearest-neighbor":
        np.testing.assert_array_equal(out, ref)
    else:
        np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dt", ["float16", "int8", "uint8"])
@pytest.mark.parametrize("mode", ["nearest-neighbor", "linear"])
def test_resample2d_other_types(ctx, dt, mode):
    if dt == "float16":
        x = (RNG.standard_normal((1, 2, 5, 4)) * 4).astype(dt)
    else:
        info = np.iinfo(dt)
        x = RNG.integers(info.min, info.max, size=(1, 2, 5, 4), dtype=dt, endpoint=True)
    out = run1(ctx, "resample2d", x, mode=mode, sizes=[9, 7], check_onnx=True)
    ref = resample_ref(x, mode, [9, 7])
    if mode == "nearest-neighbor":
        np.testing.assert_array_equal(out, ref.astype(dt))
    elif dt == "float16":
        np.testing.assert_allclose(out.astype(np.float64), ref, rtol=4e-3, atol=4e-3)
    else:
        # rounded to the nearest integer, ties to even; float32 arithmetic may only differ on near-ties
        expected = np.round(ref)
        near_tie = np.abs(ref - np.floor(ref) - 0.5) < 1e-3
        assert np.all((out.astype(np.float64) == expected) | near_tie)
        assert np.all(np.abs(out.astype(np.float64) - ref) <= 0.5 + 1e-3)


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        (dict(mode="bilinear"), "mode"),
        (dict(scales=[1.0]), "scales"),
        (dict(scales=[1.0, 0.0]), "scales"),
        (dict(scales=[1.0, -2.0]), "scales"),
        (dict(scales=[1.0, float("inf")]), "scales"),
        (dict(scales=[1.0, 1e39]), "scales"),
        (dict(scales=[0.1, 1.0]), "scales"),  # floor(4 * 0.1) = 0
        (dict(sizes=[4]), "sizes"),
        (dict(sizes=[4, 0]), "sizes"),
        (dict(sizes=[4, -1]), "sizes"),
        (dict(axes=[2]), "axes"),
        (dict(axes=[1, 1]), "axes"),
        (dict(axes=[3, 4]), "axes"),
        (dict(axes=[1, 2, 3]), "axes"),
    ],
)
def test_resample2d_validation(ctx, kwargs, arg):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 2, 4, 4], "float32")
    with pytest.raises(webnn.ValidationError, match=rf"resample2d.*{arg}"):
        b.resample2d(x, **kwargs)


def test_resample2d_operand_validation_and_shapes(ctx):
    b = webnn.MLGraphBuilder(ctx)
    for dt in ("int32", "uint32", "int64", "uint64"):
        with pytest.raises(webnn.ValidationError, match=rf"resample2d.*input.*{dt}"):
            b.resample2d(b.input(dt, [1, 1, 2, 2], dt))
    with pytest.raises(webnn.ValidationError, match=r"resample2d.*input.*rank"):
        b.resample2d(b.input("r", [2, 2, 2], "float32"))
    x = b.input("x", [1, 2, 10, 4], "float32")
    assert b.resample2d(x).shape == [1, 2, 10, 4]
    assert b.resample2d(x, scales=[0.7, 1.25]).shape == [1, 2, 6, 5]  # float32(0.7) * 10 < 7
    assert b.resample2d(x, scales=[3.0, 3.0], sizes=[1, 2]).shape == [1, 2, 1, 2]
    assert b.resample2d(x, sizes=[3, 5], axes=[0, 1]).shape == [3, 5, 10, 4]
