"""quantize_linear / dequantize_linear: numerics against a float64 reference, validation.

Reference (spec): dequantize ``(input - zeroPoint) * scale``; quantize
``saturate(roundEven(input / scale) + zeroPoint)``; scale and zeroPoint are blockwise
broadcast: every element is repeated ``input.shape[d] / scale.shape[d]`` times along ``d``.
"""

from __future__ import annotations

import numpy as np
import pytest

from .test_shape import CTX, assert_same, builder, check_onnx, raises

QTYPES = ("uint8", "int8", "uint32", "int32")
FTYPES = ("float32", "float16")
RANGE = {"uint8": (0, 255), "int8": (-128, 127), "uint32": (0, 2**32 - 1), "int32": (-(2**31), 2**31 - 1)}

# (input shape, scale/zeroPoint shape): per-tensor, per-axis, blockwise on one or several axes, full.
SHAPES = [
    ([], []),
    ([8], [1]),
    ([8], [2]),
    ([4, 6], [1, 1]),
    ([4, 6], [4, 1]),
    ([4, 6], [1, 3]),
    ([4, 6], [2, 3]),
    ([4, 6], [4, 6]),
    ([2, 4, 6], [2, 2, 3]),
    ([2, 3, 4, 6], [1, 3, 1, 2]),
]


def expand_ref(a: np.ndarray, shape) -> np.ndarray:
    """Blockwise broadcast: repeat each element in blocks (not the whole tensor) per axis."""
    for axis, (s, t) in enumerate(zip(a.shape, shape, strict=True)):
        a = np.repeat(a, t // s, axis=axis)
    return a


def quantize_ref(x, scale, zp, out_type):
    s = expand_ref(scale.astype(np.float64), x.shape)
    z = expand_ref(zp.astype(np.float64), x.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        q = np.round(x.astype(np.float64) / s) + z  # np.round rounds half to even
    lo, hi = RANGE[out_type]
    return np.clip(q, lo, hi).astype(out_type)


def dequantize_ref(x, scale, zp):
    d = x.astype(np.int64) - expand_ref(zp.astype(np.int64), x.shape)
    return (d.astype(np.float64) * expand_ref(scale.astype(np.float64), x.shape)).astype(scale.dtype)


def run(opname, x, scale, zp, *, scale_const=True, check=False):
    b = builder()
    xi = b.input("x", list(x.shape), x.dtype.name)
    feeds = {"x": x}
    if scale_const:
        s, z = b.constant(scale), b.constant(zp)
    else:
        s, z = b.input("s", list(scale.shape), scale.dtype.name), b.input("z", list(zp.shape), zp.dtype.name)
        feeds.update(s=scale, z=zp)
    g = b.build({"y": getattr(b, opname)(xi, s, z)})
    if check:
        check_onnx(g)
    return CTX.compute(g, feeds)["y"]


def _zero_points(shape, qt, rng):
    lo, hi = {"uint8": (0, 40), "int8": (-20, 20), "uint32": (0, 1000), "int32": (-1000, 1000)}[qt]
    return rng.integers(lo, hi, shape, endpoint=True).astype(qt)


def _scales(shape, ft, rng):
    return rng.uniform(0.05, 4.0, shape).astype(ft)


def _quantize_inputs(shape, sshape, ft, qt, seed):
    """Inputs whose quotients are at least 0.1 away from a rounding tie (no float32/float64 ambiguity)."""
    rng = np.random.default_rng(seed)
    scale = _scales(sshape, ft, rng)
    zp = _zero_points(sshape, qt, rng)
    k = rng.integers(-300, 300, shape)
    f = rng.uniform(-0.4, 0.4, shape)
    s = expand_ref(scale.astype(np.float64), shape)
    x = ((k + f) * s).astype(ft)
    q = x.astype(np.float64) / s
    near_tie = np.abs(q - np.floor(q) - 0.5) < 0.05  # float16 rounding of x can land near a tie
    x = np.where(near_tie, (k * s).astype(ft), x)
    q = x.astype(np.float64) / s
    assert np.all(np.abs(q - np.floor(q) - 0.5) > 0.05)
    return x, scale, zp


# -- quantizeLinear ----------------------------------------------------------------------
@pytest.mark.parametrize("ft", FTYPES)
@pytest.mark.parametrize("qt", QTYPES)
def test_quantize_types(ft, qt):
    x, scale, zp = _quantize_inputs([4, 6], [2, 3], ft, qt, 1)
    assert_same(run("quantize_linear", x, scale, zp), quantize_ref(x, scale, zp, qt))


@pytest.mark.parametrize("shape,sshape", SHAPES)
@pytest.mark.parametrize("scale_const", [True, False])
def test_quantize_blockwise(shape, sshape, scale_const):
    for ft, qt in (("float32", "int8"), ("float16", "uint8")):
        x, scale, zp = _quantize_inputs(shape, sshape, ft, qt, 2)
        assert_same(run("quantize_linear", x, scale, zp, scale_const=scale_const), quantize_ref(x, scale, zp, qt))


@pytest.mark.parametrize("ft", FTYPES)
def test_quantize_rounds_half_to_even(ft):
    x = np.array([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.25, 0.75, 2.4999], ft)
    scale = np.array([0.5], ft)
    zp = np.array([0], np.int32)
    y = run("quantize_linear", x, scale, zp)
    expected = np.round(x.astype(np.float64) / 0.5).astype(np.int32)
    assert_same(y, expected)
    x2 = np.array([0.5, 1.5, 2.5, -0.5, -1.5], ft)
    assert_same(run("quantize_linear", x2, np.array([1.0], ft), np.array([0], np.int8)), np.array([0, 2, 2, 0, -2], np.int8))


@pytest.mark.parametrize("qt", QTYPES)
@pytest.mark.parametrize("ft", FTYPES)
def test_quantize_saturates(qt, ft):
    vals = [-np.inf, -1e30, -1e10, -5e9, -3e9, -70000, -300, -129, -128.5, -1, 0, 127.5, 128, 255.5, 256, 3e9, 5e9, 1e10, 1e30, np.inf]
    if ft == "float16":
        vals = [v for v in vals if abs(v) <= 65504 or np.isinf(v)]
    x = np.array(vals, ft)
    for zpv in (0, RANGE[qt][0], RANGE[qt][1], 7):
        zp = np.array([zpv], qt)
        scale = np.array([1.0], ft)
        assert_same(run("quantize_linear", x, scale, zp), quantize_ref(x, scale, zp, qt))


def test_quantize_extremes_exact():
    x = np.array([2147483647.0, -2147483648.0, 4294967295.0, 4294967296.0, 16777217.0], np.float32)
    assert_same(
        run("quantize_linear", x, np.array([1.0], np.float32), np.array([0], np.int32)),
        np.array([2147483647, -2147483648, 2147483647, 2147483647, 16777216], np.int32),
    )
    assert_same(
        run("quantize_linear", x, np.array([1.0], np.float32), np.array([0], np.uint32)), np.array([2147483648, 0, 4294967295, 4294967295, 16777216], np.uint32)
    )
    # zeroPoint added exactly in integers: 2**24 + 1 is not a float32 value
    y = run("quantize_linear", np.array([16777216.0], np.float32), np.array([1.0], np.float32), np.array([1], np.int32))
    assert_same(y, np.array([16777217], np.int32))


def test_quantize_onnx_valid():
    x, scale, zp = _quantize_inputs([2, 4, 6], [2, 2, 3], "float16", "int8", 3)
    assert_same(run("quantize_linear", x, scale, zp, scale_const=False, check=True), quantize_ref(x, scale, zp, "int8"))


def test_quantize_validation():
    b = builder()
    x = b.input("x", [4, 6], "float32")
    s = b.input("s", [2, 3], "float32")
    z = b.input("z", [2, 3], "uint8")
    raises(lambda: b.quantize_linear(b.input("xi", [4, 6], "int32"), s, z), "quantize_linear", "input")
    raises(lambda: b.quantize_linear(x, b.input("sh", [2, 3], "float16"), z), "quantize_linear", "scale")
    raises(lambda: b.quantize_linear(x, s, b.input("z64", [2, 3], "int64")), "quantize_linear", "zero_point")
    raises(lambda: b.quantize_linear(x, s, b.input("zf", [2, 3], "float32")), "quantize_linear", "zero_point")
    raises(lambda: b.quantize_linear(x, b.input("s1", [3], "float32"), b.input("z1", [3], "uint8")), "quantize_linear", "scale")
    raises(lambda: b.quantize_linear(x, b.input("s0", [], "float32"), b.input("z0", [], "uint8")), "quantize_linear", "scale")
    raises(lambda: b.quantize_linear(x, s, b.input("z2", [2, 1], "uint8")), "quantize_linear", "zero_point")
    raises(lambda: b.quantize_linear(x, b.input("s4", [4, 4], "float32"), b.input("z4", [4, 4], "uint8")), "quantize_linear", "scale")
    raises(lambda: b.quantize_linear(x, b.input("s5", [8, 6], "float32"), b.input("z5", [8, 6], "uint8")), "quantize_linear", "scale")


# -- dequantizeLinear --------------------------------------------------------------------
def _dequantize_inputs(shape, sshape, qt, ft, seed, *, limit=None):
    rng = np.random.default_rng(seed)
    lo, hi = RANGE[qt]
    if limit is not None:
        lo, hi = max(lo, -limit), min(hi, limit)
    x = rng.integers(lo, hi, shape, endpoint=True).astype(qt)
    zp = _zero_points(sshape, qt, rng)
    return x, _scales(sshape, ft, rng), zp


@pytest.mark.parametrize("ft", FTYPES)
@pytest.mark.parametrize("qt", QTYPES)
def test_dequantize_types(ft, qt):
    # 32-bit inputs: |input - zeroPoint| < 2**12 keeps the product exact before the one rounding.
    x, scale, zp = _dequantize_inputs([4, 6], [2, 3], qt, ft, 4, limit=None if qt in ("uint8", "int8") else 3000)
    assert_same(run("dequantize_linear", x, scale, zp), dequantize_ref(x, scale, zp))


@pytest.mark.parametrize("shape,sshape", SHAPES)
@pytest.mark.parametrize("scale_const", [True, False])
def test_dequantize_blockwise(shape, sshape, scale_const):
    for qt, ft in (("uint8", "float32"), ("int8", "float16")):
        x, scale, zp = _dequantize_inputs(shape, sshape, qt, ft, 5)
        assert_same(run("dequantize_linear", x, scale, zp, scale_const=scale_const), dequantize_ref(x, scale, zp))


@pytest.mark.parametrize("qt", ("int32", "uint32"))
def test_dequantize_full_range_32bit(qt):
    """The exact difference is rounded to float32 before the product: within 1 ulp of float32."""
    lo, hi = RANGE[qt]
    x = np.array([lo, hi, lo + 1, hi - 1, 0, 123456789], qt)
    zp = np.array([hi if qt == "int32" else 3], qt)
    scale = np.array([0.37], np.float32)
    y = run("dequantize_linear", x, scale, zp)
    ref = (x.astype(np.int64) - zp.astype(np.int64)).astype(np.float64) * np.float64(scale[0])
    assert y.dtype == np.float32
    np.testing.assert_array_max_ulp(y, ref.astype(np.float32), maxulp=1)
    # differences that are exact in float32 are exact
    assert y[1] == np.float32(ref[1])


def test_dequantize_onnx_valid():
    x, scale, zp = _dequantize_inputs([2, 4, 6], [2, 2, 3], "int8", "float16", 6)
    assert_same(run("dequantize_linear", x, scale, zp, scale_const=False, check=True), dequantize_ref(x, scale, zp))


def test_dequantize_validation():
    b = builder()
    x = b.input("x", [4, 6], "uint8")
    s = b.input("s", [2, 3], "float32")
    z = b.input("z", [2, 3], "uint8")
    raises(lambda: b.dequantize_linear(b.input("xf", [4, 6], "float32"), s, b.input("zf", [2, 3], "float32")), "dequantize_linear", "input")
    raises(lambda: b.dequantize_linear(b.input("x64", [4, 6], "int64"), s, b.input("z64", [2, 3], "int64")), "dequantize_linear", "input")
    raises(lambda: b.dequantize_linear(x, b.input("si", [2, 3], "int32"), z), "dequantize_linear", "scale")
    raises(lambda: b.dequantize_linear(x, s, b.input("zi8", [2, 3], "int8")), "dequantize_linear", "zero_point")
    raises(lambda: b.dequantize_linear(x, b.input("s1", [2, 3, 1], "float32"), b.input("z1", [2, 3, 1], "uint8")), "dequantize_linear", "scale")
    raises(lambda: b.dequantize_linear(x, s, b.input("z2", [1, 3], "uint8")), "dequantize_linear", "zero_point")
    raises(lambda: b.dequantize_linear(x, b.input("s3", [3, 4], "float32"), b.input("z3", [3, 4], "uint8")), "dequantize_linear", "scale")


def test_quantize_dequantize_round_trip():
    rng = np.random.default_rng(7)
    x = rng.uniform(-5, 5, [4, 8]).astype(np.float32)  # no saturation for these scales
    scale = np.array([[0.1, 0.05], [0.2, 0.08]], np.float32)
    zp = np.array([[0, 3], [-4, 10]], np.int8)
    b = builder()
    xi = b.input("x", [4, 8], "float32")
    s, z = b.constant(scale), b.constant(zp)
    g = b.build({"y": b.dequantize_linear(b.quantize_linear(xi, s, z), s, z)})
    y = CTX.compute(g, {"x": x})["y"]
    q = quantize_ref(x, scale, zp, "int8")
    assert_same(y, dequantize_ref(q, scale, zp))
    assert np.all(np.abs(y - x) <= expand_ref(scale, x.shape) / 2 + 1e-6)


def test_quantize_limits():
    lim = CTX.op_support_limits()
    assert lim["quantizeLinear"]["zeroPoint"]["dataTypes"] == list(QTYPES)
    assert lim["quantizeLinear"]["output"]["dataTypes"] == list(QTYPES)
    assert lim["dequantizeLinear"]["scale"]["dataTypes"] == list(FTYPES)
    assert lim["dequantizeLinear"]["output"]["dataTypes"] == list(FTYPES)
