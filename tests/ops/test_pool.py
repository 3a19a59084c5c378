"""average_pool2d l2_pool2d max_pool2d resample2d pad: float64 numpy references from the spec, validation."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import onnx
import pytest

import webnn
from webnn.converters import default_registry

RNG = np.random.default_rng(4321)
INT_TYPES = ["int8", "uint8", "int32", "uint32", "int64", "uint64"]


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def run1(ctx, fn, x, *args, check_onnx=False, **options):
    """Build input -> fn(input, *args, **options), compute, check shape and type."""
    b = webnn.MLGraphBuilder(ctx)
    xi = b.input("x", list(x.shape), x.dtype.name)
    y = getattr(b, fn)(xi, *args, **options)
    g = b.build({"y": y})
    out = ctx.compute(g, {"x": x})["y"]
    assert list(out.shape) == list(y.shape)
    assert out.dtype == x.dtype
    if check_onnx:
        model = onnx.load_from_string(default_registry().convert(g.info, "onnx").data)
        onnx.checker.check_model(model, full_check=True)
    return out


# -- pooling reference -------------------------------------------------------------------------
def pool_ref(x, kind, window, padding=(0, 0, 0, 0), strides=(1, 1), dilations=(1, 1), out_hw=None, rounding="floor"):
    """NCHW. Window element (i, j) of output (p, q) reads input[p*sh - pb + i*dh, q*sw - pl + j*dw] when inside
    the input; padding never takes part: max ignores it (-inf / the lowest integer when only padding),
    average divides by the number of input elements (NaN when none), l2 is sqrt of the sum of squares."""
    n, c, ih, iw = x.shape
    kh, kw = window
    pb, pe, pl, pr = padding
    if out_hw is None:
        rnd = math.floor if rounding == "floor" else math.ceil
        out_hw = (
            rnd(Fraction(ih - ((kh - 1) * dilations[0] + 1) + pb + pe, strides[0])) + 1,
            rnd(Fraction(iw - ((kw - 1) * dilations[1] + 1) + pl + pr, strides[1])) + 1,
        )
    oh, ow = out_hw
    is_int = x.dtype.kind in "iu"
    out = np.zeros((n, c, oh, ow), dtype=x.dtype if is_int else np.float64)
    for p in range(oh):
        rows = [p * strides[0] - pb + i * dilations[0] for i in range(kh)]
        rows = [r for r in rows if 0 <= r < ih]
        for q in range(ow):
            cols = [q * strides[1] - pl + j * dilations[1] for j in range(kw)]
            cols = [v for v in cols if 0 <= v < iw]
            vals = x[:, :, rows][:, :, :, cols].reshape(n, c, -1)
            if kind == "max":
                empty = np.iinfo(x.dtype).min if is_int else -np.inf
                out[:, :, p, q] = vals.max(axis=2) if vals.shape[2] else empty
            elif kind == "average":
                out[:, :, p, q] = vals.astype(np.float64).mean(axis=2) if vals.shape[2] else np.nan
            else:
                out[:, :, p, q] = np.sqrt((vals.astype(np.float64) ** 2).sum(axis=2))
    return out


POOL_FN = {"average": "average_pool2d", "l2": "l2_pool2d", "max": "max_pool2d"}

POOL_CASES = [
    dict(xs=(1, 2, 4, 4)),  # global: window = spatial size
    dict(xs=(2, 3, 5, 5), window_dimensions=[3, 3]),
    dict(xs=(1, 2, 7, 6), window_dimensions=[3, 2], strides=[2, 2], padding=[1, 1, 0, 1]),
    dict(xs=(1, 2, 7, 7), window_dimensions=[4, 4], strides=[2, 2], padding=[1, 1, 1, 1], output_shape_rounding="ceil"),
    dict(xs=(1, 2, 7, 7), window_dimensions=[4, 4], strides=[2, 2], padding=[1, 1, 1, 1], output_sizes=[4, 4]),
    dict(xs=(1, 2, 7, 7), window_dimensions=[4, 4], strides=[2, 2], padding=[1, 1, 1, 1], rounding_type="ceil", output_sizes=[3, 3]),
    dict(xs=(1, 1, 9, 8), window_dimensions=[2, 3], dilations=[3, 2], padding=[2, 1, 1, 2]),
    dict(xs=(1, 2, 5, 5), window_dimensions=[5, 5], padding=[2, 2, 2, 2]),
    dict(xs=(1, 2, 9, 8), window_dimensions=[3, 3], dilations=[2, 2], padding=[1, 1, 2, 1], strides=[2, 1]),
    dict(xs=(1, 1, 5, 6), window_dimensions=[2, 2], padding=[3, 0, 0, 4], strides=[1, 2]),  # padding >= window
    dict(xs=(1, 2, 5, 5), window_dimensions=[3, 3], strides=[3, 3], padding=[1, 1, 1, 1], rounding_type="ceil"),  # windows of only padding
    dict(xs=(1, 1, 2, 2), window_dimensions=[1, 1], strides=[2, 2], rounding_type="ceil", padding=[0, 1, 0, 1]),
]


def _pool_args(case):
    opts = {k: v for k, v in case.items() if k != "xs"}
    n, c, h, w = case["xs"]
    rounding = opts.get("output_shape_rounding", opts.get("rounding_type", "floor"))
    ref_kw = dict(
        window=tuple(opts.get("window_dimensions", (h, w))),
        padding=tuple(opts.get("padding", (0, 0, 0, 0))),
        strides=tuple(opts.get("strides", (1, 1))),
        dilations=tuple(opts.get("dilations", (1, 1))),
        out_hw=tuple(opts["output_sizes"]) if "output_sizes" in opts else None,
        rounding=rounding,
    )
    return opts, ref_kw


@pytest.mark.parametrize("kind", ["average", "l2", "max"])
@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_pool2d_values(ctx, kind, case, layout):
    x = RNG.standard_normal(case["xs"]).astype(np.float32)
    opts, ref_kw = _pool_args(case)
    ref = pool_ref(x, kind, **ref_kw)
    xin = np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if layout == "nhwc" else x
    out = run1(ctx, POOL_FN[kind], xin, layout=layout, **opts)
    if layout == "nhwc":
        out = out.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["average", "l2", "max"])
def test_pool2d_float16(ctx, kind):
    x = RNG.standard_normal((1, 3, 6, 6)).astype(np.float16)
    for opts in (dict(window_dimensions=[3, 3], strides=[2, 2], padding=[1, 1, 1, 1], rounding_type="ceil"), dict(window_dimensions=[2, 2], padding=[2, 0, 0, 2])):
        opts_ref = dict(window=tuple(opts["window_dimensions"]), padding=tuple(opts["padding"]), strides=tuple(opts.get("strides", (1, 1))), rounding=opts.get("rounding_type", "floor"))
        ref = pool_ref(x, kind, **opts_ref).astype(np.float16).astype(np.float64)
        out = run1(ctx, POOL_FN[kind], x, check_onnx=True, **opts)
        np.testing.assert_allclose(out.astype(np.float64), ref, rtol=2e-3, atol=1e-3)


def test_average_pool2d_excludes_padding(ctx):
    # 5x5 input 1..25, 5x5 window, padding 2: the first output averages the 3x3 top-left corner only.
    x = np.arange(1, 26, dtype=np.float32).reshape(1, 1, 5, 5)
    out = run1(ctx, "average_pool2d", x, window_dimensions=[5, 5], padding=[2, 2, 2, 2])
    assert out[0, 0, 0, 0] == (1 + 2 + 3 + 6 + 7 + 8 + 11 + 12 + 13) / 9
    assert out[0, 0, 2, 2] == 13


@pytest.mark.parametrize("dt", INT_TYPES)
def test_max_pool2d_integer_types(ctx, dt):
    info = np.iinfo(dt)
    x = RNG.integers(info.min, info.max, size=(1, 2, 6, 5), dtype=dt, endpoint=True)
    x[0, 0, 0, 0] = info.max
    x[0, 1, 5, 4] = info.min
    for opts, ref_kw in (
        (dict(), dict(window=(6, 5))),
        (dict(window_dimensions=[3, 2], strides=[2, 2], padding=[1, 2, 0, 1], rounding_type="ceil"), dict(window=(3, 2), padding=(1, 2, 0, 1), strides=(2, 2), rounding="ceil")),
        (dict(window_dimensions=[2, 2], dilations=[2, 3], padding=[2, 0, 3, 0]), dict(window=(2, 2), dilations=(2, 3), padding=(2, 0, 3, 0))),
    ):
        out = run1(ctx, "max_pool2d", x, check_onnx=True, **opts)
        np.testing.assert_array_equal(out, pool_ref(x, "max", **ref_kw))
    out = run1(ctx, "max_pool2d", np.ascontiguousarray(x.transpose(0, 2, 3, 1)), window_dimensions=[2, 3], layout="nhwc")
    np.testing.assert_array_equal(out.transpose(0, 3, 1, 2), pool_ref(x, "max", window=(2, 3)))


@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_max_pool2d_of_minus_infinity(ctx, dt):
    x = np.array([[-np.inf, -np.inf, 1], [-np.inf, -np.inf, np.inf], [2, 3, -4]], dt).reshape(1, 1, 3, 3)
    out = run1(ctx, "max_pool2d", x, window_dimensions=[2, 2])
    np.testing.assert_array_equal(out[0, 0], [[-np.inf, np.inf], [3, np.inf]])
    lowest = np.finfo(dt).min
    out = run1(ctx, "max_pool2d", np.full((1, 1, 2, 2), lowest, dt), window_dimensions=[1, 2])
    if dt == "float16":  # exact: a float16 window whose maximum is the lowest finite value stays finite
        np.testing.assert_array_equal(out[0, 0], [[lowest], [lowest]])


@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: str(c))
def test_max_pool2d_int32_uint64_all_cases(ctx, case):
    # int32/uint32/int64/uint64 have no ONNX Runtime MaxPool: the Slice/Max decomposition must match
    for dt in ("int32", "uint64"):
        info = np.iinfo(dt)
        x = RNG.integers(info.min, info.max, size=case["xs"], dtype=dt, endpoint=True)
        opts, ref_kw = _pool_args(case)
        np.testing.assert_array_equal(run1(ctx, "max_pool2d", x, **opts), pool_ref(x, "max", **ref_kw))


def test_max_pool2d_empty_window_is_minus_infinity(ctx):
    x = np.full((1, 1, 2, 2), -5, np.float32)
    out = run1(ctx, "max_pool2d", x, window_dimensions=[1, 1], strides=[2, 2], padding=[0, 2, 0, 2])
    np.testing.assert_array_equal(out[0, 0], [[-5, -np.inf], [-np.inf, -np.inf]])


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        (dict(window_dimensions=[3]), "window_dimensions"),
        (dict(window_dimensions=[0, 3]), "window_dimensions"),
        (dict(window_dimensions=[8, 2]), "output"),  # window larger than the input
        (dict(window_dimensions=[2, 6]), "output"),
        (dict(padding=[1, 1]), "padding"),
        (dict(strides=[2]), "strides"),
        (dict(strides=[0, 1]), "strides"),
        (dict(dilations=[1, 1, 1]), "dilations"),
        (dict(dilations=[1, 0]), "dilations"),
        (dict(layout="nwhc"), "layout"),
        (dict(rounding_type="round"), "rounding_type"),
        (dict(output_shape_rounding="up"), "output_shape_rounding"),
        (dict(output_shape_rounding="floor", rounding_type="ceil"), "output_shape_rounding"),
        (dict(window_dimensions=[2, 2], padding=[2, 2, 2, 2], strides=[2, 2], output_sizes=[3, 3]), "output_sizes"),  # floor 4 / ceil 5
        (dict(window_dimensions=[2, 2], output_sizes=[1, 2, 4, 4]), "output_sizes"),
        (dict(window_dimensions=[2, 2], output_sizes=[0, 4]), "output_sizes"),
        (dict(window_dimensions=[4, 4], strides=[2, 2], padding=[1, 1, 1, 1], output_sizes=[3, 4]), "output_sizes"),  # mixes floor and ceil
        (dict(padding=[2**32 - 1, 2**32 - 1, 0, 0]), "output"),
        (dict(padding=[0, 0, -1, 0]), "padding"),
    ],
)
@pytest.mark.parametrize("fn", ["average_pool2d", "l2_pool2d", "max_pool2d"])
def test_pool2d_validation(ctx, fn, kwargs, arg):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 2, 5, 5] if "output_sizes" not in kwargs or kwargs["window_dimensions"] != [4, 4] else [1, 2, 7, 7], "float32")
    with pytest.raises(webnn.ValidationError, match=rf"{fn}.*{arg}"):
        getattr(b, fn)(x, **kwargs)


def test_pool2d_operand_validation_and_shapes(ctx):
    b = webnn.MLGraphBuilder(ctx)
    for fn in ("average_pool2d", "l2_pool2d", "max_pool2d"):
        with pytest.raises(webnn.ValidationError, match=rf"{fn}.*input.*rank"):
            getattr(b, fn)(b.input(f"r{fn}", [1, 5, 5], "float32"))
    for fn in ("average_pool2d", "l2_pool2d"):
        for dt in INT_TYPES:
            with pytest.raises(webnn.ValidationError, match=rf"{fn}.*input.*{dt}"):
                getattr(b, fn)(b.input(f"{fn}{dt}", [1, 2, 4, 4], dt))
    x = b.input("x", [1, 3, 7, 7], "float32")
    assert b.max_pool2d(x, window_dimensions=[4, 4], padding=[1, 1, 1, 1], strides=[2, 2]).shape == [1, 3, 3, 3]
    assert b.max_pool2d(x, window_dimensions=[4, 4], padding=[1, 1, 1, 1], strides=[2, 2], rounding_type="ceil").shape == [1, 3, 4, 4]
    assert b.average_pool2d(x, window_dimensions=[4, 4], padding=[1, 1, 1, 1], strides=[2, 2], rounding_type="ceil", output_sizes=[3, 3]).shape == [1, 3, 3, 3]
    assert b.l2_pool2d(b.input("h", [1, 5, 5, 2], "float16"), window_dimensions=[3, 3], layout="nhwc").shape == [1, 3, 3, 2]
    lim = ctx.op_support_limits()
    assert sorted(lim["averagePool2d"]["input"]["dataTypes"]) == ["float16", "float32"]
    assert sorted(lim["l2Pool2d"]["input"]["dataTypes"]) == ["float16", "float32"]
    assert len(lim["maxPool2d"]["input"]["dataTypes"]) == 8


# -- resample2d ---------------------------------------------------------------------------------
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
    ty = np.array([float(c - f) for c, f in zip(cy, y0)]).reshape(shape_y)
    tx = np.array([float(c - f) for c, f in zip(cx, x0)]).reshape(shape_x)
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
    return [math.floor(case["xs"][a] * Fraction(float(np.float32(s)))) for a, s in zip(axes, case["scales"])], axes


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


# -- pad ------------------------------------------------------------------------------------------
def test_pad_spec_examples(ctx):
    x = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    constant = run1(ctx, "pad", x, [1, 2], [1, 2], check_onnx=True)
    np.testing.assert_array_equal(constant, [[0, 0, 0, 0, 0, 0, 0], [0, 0, 1, 2, 3, 0, 0], [0, 0, 4, 5, 6, 0, 0], [0, 0, 0, 0, 0, 0, 0]])
    edge = run1(ctx, "pad", x, [1, 2], [1, 2], mode="edge")
    np.testing.assert_array_equal(edge, [[1, 1, 1, 2, 3, 3, 3], [1, 1, 1, 2, 3, 3, 3], [4, 4, 4, 5, 6, 6, 6], [4, 4, 4, 5, 6, 6, 6]])
    reflection = run1(ctx, "pad", x, [1, 2], [1, 2], mode="reflection")
    np.testing.assert_array_equal(reflection, [[6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1], [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1]])


def pad_ref(x, begin, end, mode, value):
    """output[i] = input[src(i)] per dimension; constant: value outside the input."""
    out = np.empty([b + d + e for b, d, e in zip(begin, x.shape, end)], dtype=x.dtype)
    for idx in np.ndindex(*out.shape):
        src = []
        inside = True
        for i, b, d in zip(idx, begin, x.shape):
            j = i - b
            if 0 <= j < d:
                src.append(j)
            elif mode == "constant":
                inside = False
                break
            elif mode == "edge":
                src.append(min(max(j, 0), d - 1))
            else:  # reflection: mirror around the edge element, not repeating it
                src.append(-j if j < 0 else 2 * (d - 1) - j)
        out[idx] = x[tuple(src)] if inside else value
    return out


@pytest.mark.parametrize("dt", ["float32", "float16"] + INT_TYPES)
@pytest.mark.parametrize("mode", ["constant", "edge", "reflection"])
def test_pad_values_all_types(ctx, dt, mode):
    if dt.startswith("float"):
        x = RNG.standard_normal((2, 3, 4)).astype(dt)
    else:
        info = np.iinfo(dt)
        x = RNG.integers(info.min, info.max, size=(2, 3, 4), dtype=dt, endpoint=True)
    begin, end = [1, 0, 3], [1, 2, 2]
    value = {"float32": -2.5, "float16": 7.25, "int8": -128, "uint8": 255, "int32": -7, "uint32": 2**32 - 1, "int64": -(2**63), "uint64": 2**64 - 1}[dt]
    out = run1(ctx, "pad", x, begin, end, mode=mode, value=value)
    np.testing.assert_array_equal(out, pad_ref(x, begin, end, mode, value))
    if mode != "constant":
        np.testing.assert_array_equal(out, np.pad(x, list(zip(begin, end)), mode={"edge": "edge", "reflection": "reflect"}[mode]))


def test_pad_value_cast_and_ranks(ctx):
    # the value is cast to the input's type: clamped and rounded to nearest even for integers
    x = np.zeros((2,), np.uint8)
    np.testing.assert_array_equal(run1(ctx, "pad", x, [1], [1], value=300), [255, 0, 0, 255])
    np.testing.assert_array_equal(run1(ctx, "pad", x.astype(np.int8), [1], [1], value=-2.5), [-2, 0, 0, -2])
    np.testing.assert_array_equal(run1(ctx, "pad", x.astype(np.int32), [1], [0], value=3.5), [4, 0, 0])
    np.testing.assert_array_equal(run1(ctx, "pad", x.astype(np.int64), [0], [1], value=2**63 - 1), [0, 0, 2**63 - 1])
    h = run1(ctx, "pad", x.astype(np.float16), [1], [1], value=1e6)
    assert np.isinf(h[0]) and h[0] > 0
    f = run1(ctx, "pad", x.astype(np.float32), [1], [0], value=float("nan"))
    assert np.isnan(f[0])
    s = run1(ctx, "pad", np.array(5, np.float32), [], [])
    assert s.shape == () and s == 5
    x5 = RNG.standard_normal((1, 2, 1, 2, 3)).astype(np.float32)
    out = run1(ctx, "pad", x5, [0, 1, 0, 1, 2], [0, 0, 0, 1, 2], mode="reflection")
    np.testing.assert_array_equal(out, pad_ref(x5, [0, 1, 0, 1, 2], [0, 0, 0, 1, 2], "reflection", 0))


@pytest.mark.parametrize(
    "args, kwargs, arg",
    [
        (([1, 1, 1], [1, 1]), {}, "ending_padding"),
        (([1], [1, 1, 1]), {}, "beginning_padding"),
        (([1, 1, -1], [1, 1, 1]), {}, "beginning_padding"),
        (([1, 1, 1], [0, 0, 2**32]), {}, "ending_padding"),
        (([0, 0, 0], [0, 0, 0]), dict(mode="reflect"), "mode"),
        (([0, 0, 0], [0, 0, 0]), dict(value="1"), "value"),
        (([0, 0, 3], [0, 0, 0]), dict(mode="reflection"), "beginning_padding"),  # must be < 3
        (([0, 0, 0], [0, 2, 0]), dict(mode="reflection"), "ending_padding"),  # must be < 2
        (([2**31, 0, 0], [0, 0, 0]), {}, "output"),
    ],
)
def test_pad_validation(ctx, args, kwargs, arg):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 2, 3], "float32")
    with pytest.raises(webnn.ValidationError, match=rf"pad.*{arg}"):
        b.pad(x, *args, **kwargs)


def test_pad_edge_of_size_one_and_shapes(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 2, 3], "int64")
    assert b.pad(x, [0, 1, 2], [3, 0, 2], mode="edge").shape == [4, 3, 7]
    assert b.pad(x, [0, 1, 2], [0, 1, 2], mode="reflection").shape == [1, 4, 7]
    with pytest.raises(webnn.ValidationError, match=r"pad.*beginning_padding"):
        b.pad(x, [1, 0, 0], [0, 0, 0], mode="reflection")
