"""average_pool2d l2_pool2d max_pool2d: float64 numpy references from the spec, validation."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import webnn

from ._helpers import INT_TYPES, run1

RNG = np.random.default_rng(4321)


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


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
    for opts in (
        dict(window_dimensions=[3, 3], strides=[2, 2], padding=[1, 1, 1, 1], rounding_type="ceil"),
        dict(window_dimensions=[2, 2], padding=[2, 0, 0, 2]),
    ):
        opts_ref = dict(
            window=tuple(opts["window_dimensions"]),
            padding=tuple(opts["padding"]),
            strides=tuple(opts.get("strides", (1, 1))),
            rounding=opts.get("rounding_type", "floor"),
        )
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
        (
            dict(window_dimensions=[3, 2], strides=[2, 2], padding=[1, 2, 0, 1], rounding_type="ceil"),
            dict(window=(3, 2), padding=(1, 2, 0, 1), strides=(2, 2), rounding="ceil"),
        ),
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
