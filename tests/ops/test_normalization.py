"""Normalizations: numerics against float64 references written from the spec's formulas, and validation."""

from __future__ import annotations

import math

import numpy as np
import onnx
import pytest

import webnn
from webnn.converters import default_registry

F64 = np.float64


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def rand(shape, dtype, lo=-5.0, hi=5.0, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(dtype)


def run(ctx, op: str, arrays: dict, *, constants=(), **options):
    """Build ``op`` with the operands in ``arrays`` (first = input; others by name, positional for
    batchNormalization's mean/variance); names in ``constants`` become graph constants."""
    b = webnn.MLGraphBuilder(ctx)
    operands, feeds = {}, {}
    for name, arr in arrays.items():
        if name in constants:
            operands[name] = b.constant(arr)
        else:
            operands[name] = b.input(name, list(arr.shape), arr.dtype.name)
            feeds[name] = arr
    names = list(arrays)
    args = [operands[names[0]]]
    if op == "batch_normalization":
        args += [operands["mean"], operands["variance"]]
    for opt in ("scale", "bias"):
        if opt in operands:
            options[opt] = operands[opt]
    g = b.build({"y": getattr(b, op)(*args, **options)})
    return ctx.compute(g, feeds)["y"], g


def tolerance(dtype, ref) -> dict:
    scale = max(1.0, float(np.max(np.abs(ref)))) if np.size(ref) else 1.0
    return {"float32": dict(rtol=2e-5, atol=2e-6 * scale), "float16": dict(rtol=4e-3, atol=4e-3 * scale)}[dtype]


def check(actual, ref, dtype) -> None:
    assert actual.dtype == np.dtype(dtype)
    assert actual.shape == np.shape(ref)
    np.testing.assert_allclose(actual.astype(F64), ref, **tolerance(dtype, ref))


def check_onnx(g) -> None:
    data = default_registry().convert(g.info, "onnx").data
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)


def cast(v: float, dtype) -> F64:
    return F64(np.array(v, F64).astype(dtype))


# -- batchNormalization -------------------------------------------------------------------
def bn_ref(x, mean, var, scale=None, bias=None, axis=1, eps=1e-5):
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    r = lambda a: a.astype(F64).reshape(shape)  # noqa: E731
    y = (x.astype(F64) - r(mean)) / np.sqrt(r(var) + eps)
    if scale is not None:
        y = y * r(scale)
    if bias is not None:
        y = y + r(bias)
    return y


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("shape,axis", [((6,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4, 5), 1), ((2, 3, 4, 5), 3), ((2, 3, 2, 2, 3), 2)])
@pytest.mark.parametrize("with_scale,with_bias", [(False, False), (True, True), (True, False), (False, True)])
def test_batch_normalization(ctx, dtype, shape, axis, with_scale, with_bias) -> None:
    c = shape[axis]
    arrays = {"x": rand(shape, dtype), "mean": rand((c,), dtype, -2, 2, 1), "variance": rand((c,), dtype, 0.1, 3, 2)}
    if with_scale:
        arrays["scale"] = rand((c,), dtype, -2, 2, 3)
    if with_bias:
        arrays["bias"] = rand((c,), dtype, -2, 2, 4)
    opts = {} if axis == 1 else {"axis": axis}
    out, g = run(ctx, "batch_normalization", arrays, constants=("mean",), **opts)
    assert g.info.operations[0].attributes == {"axis": axis, "epsilon": cast(1e-5, dtype)}
    ref = bn_ref(arrays["x"], arrays["mean"], arrays["variance"], arrays.get("scale"), arrays.get("bias"), axis, cast(1e-5, dtype))
    check(out, ref, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_batch_normalization_epsilon(ctx, dtype) -> None:
    x = rand((2, 3, 4), dtype)
    mean = np.zeros(3, dtype)
    var = np.array([0.0, 0.01, 1.0], dtype)
    for eps in (1e-3, 0.5, 1e-5):
        out, g = run(ctx, "batch_normalization", {"x": x, "mean": mean, "variance": var}, epsilon=eps)
        assert g.info.operations[0].attributes["epsilon"] == cast(eps, dtype)
        check(out, bn_ref(x, mean, var, eps=cast(eps, dtype)), dtype)
    # variance 0 and epsilon 0: 0 / 0 is NaN, x / 0 is +-Infinity
    out, _ = run(
        ctx, "batch_normalization", {"x": np.array([[1.0, -2.0], [0.0, 3.0]], dtype), "mean": np.zeros(2, dtype), "variance": np.zeros(2, dtype)}, epsilon=0
    )
    assert np.isposinf(out[0, 0]) and np.isneginf(out[0, 1]) and np.isnan(out[1, 0]) and np.isposinf(out[1, 1])


def test_batch_normalization_onnx_valid(ctx) -> None:
    for dtype in ("float32", "float16"):
        arrays = {
            "x": rand((2, 3, 4), dtype),
            "mean": rand((4,), dtype),
            "variance": rand((4,), dtype, 0.5, 1),
            "scale": rand((4,), dtype),
            "bias": rand((4,), dtype),
        }
        _, g = run(ctx, "batch_normalization", arrays, axis=2)
        check_onnx(g)


def test_batch_normalization_validation(ctx) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3, 4], "float32")
    m3 = b.input("m3", [3], "float32")
    m4 = b.input("m4", [4], "float32")
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'axis'.*\[0, 2\].*got 3"):
        b.batch_normalization(x, m3, m3, axis=3)
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'axis'"):
        b.batch_normalization(x, m3, m3, axis=-1)
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'mean'.*expected shape \[3\]"):
        b.batch_normalization(x, m4, m3)
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'variance'.*expected shape \[3\]"):
        b.batch_normalization(x, m3, m4)
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'mean'.*rank 1"):
        b.batch_normalization(x, b.input("m2", [1, 3], "float32"), m3)
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'variance'.*data type float16"):
        b.batch_normalization(x, m3, b.input("v16", [3], "float16"))
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'scale'.*expected shape \[4\]"):
        b.batch_normalization(x, m4, m4, axis=2, scale=m3)
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'bias'.*expected shape \[3\]"):
        b.batch_normalization(x, m3, m3, bias=m4)
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'bias'.*data type int32"):
        b.batch_normalization(x, m3, m3, bias=b.input("bi", [3], "int32"))
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'input'.*data type int32"):
        b.batch_normalization(b.input("xi", [2, 3], "int32"), m3, m3)
    with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'input'.*rank"):
        b.batch_normalization(b.input("x0", [], "float32"), m3, m3, axis=0)
    for bad in (math.nan, math.inf, "x"):
        with pytest.raises(webnn.ValidationError, match=r"^batch_normalization.*'epsilon'"):
            b.batch_normalization(x, m3, m3, epsilon=bad)
    y = b.batch_normalization(x, m4, m4, axis=2, scale=m4, bias=m4, epsilon=1e-3)
    assert (y.shape, y.data_type) == ([2, 3, 4], "float32")


# -- instanceNormalization ----------------------------------------------------------------
def in_ref(x, scale=None, bias=None, eps=1e-5, layout="nchw"):
    x = x.astype(F64)
    spatial, cshape = ((2, 3), (1, -1, 1, 1)) if layout == "nchw" else ((1, 2), (1, 1, 1, -1))
    mean = x.mean(axis=spatial, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=spatial, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if scale is not None:
        y = y * scale.astype(F64).reshape(cshape)
    if bias is not None:
        y = y + bias.astype(F64).reshape(cshape)
    return y


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("with_scale,with_bias", [(False, False), (True, True), (True, False), (False, True)])
def test_instance_normalization(ctx, dtype, layout, with_scale, with_bias) -> None:
    shape = (2, 3, 4, 5) if layout == "nchw" else (2, 4, 5, 3)
    arrays = {"x": rand(shape, dtype, -3, 7)}
    if with_scale:
        arrays["scale"] = rand((3,), dtype, -2, 2, 3)
    if with_bias:
        arrays["bias"] = rand((3,), dtype, -2, 2, 4)
    opts = {} if layout == "nchw" else {"layout": layout}
    out, g = run(ctx, "instance_normalization", arrays, constants=("scale",), **opts)
    assert g.info.operations[0].attributes == {"epsilon": cast(1e-5, dtype), "layout": layout}
    check(out, in_ref(arrays["x"], arrays.get("scale"), arrays.get("bias"), cast(1e-5, dtype), layout), dtype)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_instance_normalization_epsilon(ctx, dtype) -> None:
    x = rand((1, 2, 3, 3), dtype, 0, 0.2)
    for eps in (0.01, 1.0):
        out, g = run(ctx, "instance_normalization", {"x": x}, epsilon=eps)
        check(out, in_ref(x, eps=cast(eps, dtype)), dtype)
        check_onnx(g)


def test_instance_normalization_nhwc_onnx_valid(ctx) -> None:
    arrays = {"x": rand((1, 2, 2, 3), "float16"), "scale": rand((3,), "float16"), "bias": rand((3,), "float16")}
    _, g = run(ctx, "instance_normalization", arrays, layout="nhwc")
    check_onnx(g)


def test_instance_normalization_validation(ctx) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 3, 4, 5], "float32")
    s3 = b.input("s3", [3], "float32")
    s5 = b.input("s5", [5], "float32")
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'input'.*rank 4"):
        b.instance_normalization(b.input("x3", [3, 4, 5], "float32"))
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'input'.*data type int8"):
        b.instance_normalization(b.input("xi", [1, 3, 4, 5], "int8"))
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'layout'.*'nchw', 'nhwc'"):
        b.instance_normalization(x, layout="nchwc")
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'scale'.*expected shape \[3\]"):
        b.instance_normalization(x, scale=s5)
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'scale'.*expected shape \[5\]"):
        b.instance_normalization(x, scale=s3, layout="nhwc")
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'bias'.*expected shape \[3\]"):
        b.instance_normalization(x, bias=s5)
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'bias'.*data type float16"):
        b.instance_normalization(x, bias=b.input("b16", [3], "float16"))
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'scale'.*rank 1"):
        b.instance_normalization(x, scale=b.input("s2", [1, 3], "float32"))
    with pytest.raises(webnn.ValidationError, match=r"^instance_normalization.*'epsilon'"):
        b.instance_normalization(x, epsilon=math.nan)
    assert b.instance_normalization(x, scale=s5, bias=s5, layout="nhwc").shape == [1, 3, 4, 5]


# -- layerNormalization -------------------------------------------------------------------
def ln_ref(x, axes, scale=None, bias=None, eps=1e-5):
    x = x.astype(F64)
    ax = tuple(axes)
    mean = x.mean(axis=ax, keepdims=True) if ax else x
    var = ((x - mean) ** 2).mean(axis=ax, keepdims=True) if ax else np.zeros_like(x)
    y = (x - mean) / np.sqrt(var + eps)

    def place(t):  # scale/bias dims follow ``axes``' order; move them onto the input's axes
        t = t.astype(F64)
        if not ax:
            return t
        order = np.argsort(ax)
        t = np.transpose(t, order)
        shape = [1] * x.ndim
        for a in ax:
            shape[a] = x.shape[a]
        return t.reshape(shape)

    if scale is not None:
        y = y * place(scale)
    if bias is not None:
        y = y + place(bias)
    return y


LN_CASES = [
    ((), None),
    ((5,), None),
    ((5,), [0]),
    ((3, 6), None),
    ((2, 3, 4), None),
    ((2, 3, 4, 5), None),
    ((2, 3, 4, 5), [2]),
    ((2, 3, 4, 5), [0, 2]),
    ((2, 3, 4, 5), [3, 1, 2]),
    ((2, 3, 4, 5), [3, 2]),
    ((2, 3, 4, 5), [1, 0]),
    ((2, 3, 4, 5), [0, 1, 2, 3]),
    ((2, 3, 2, 2, 3), [1, 4]),
    ((3, 4), []),
]


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("shape,axes", LN_CASES)
@pytest.mark.parametrize("with_scale,with_bias", [(False, False), (True, True), (False, True)])
def test_layer_normalization(ctx, dtype, shape, axes, with_scale, with_bias) -> None:
    eff = list(range(1, len(shape))) if axes is None else axes
    pshape = tuple(shape[a] for a in eff)
    arrays = {"x": rand(shape, dtype, -4, 6)}
    if with_scale:
        arrays["scale"] = rand(pshape, dtype, -2, 2, 3)
    if with_bias:
        arrays["bias"] = rand(pshape, dtype, -2, 2, 4)
    opts = {} if axes is None else {"axes": axes}
    out, g = run(ctx, "layer_normalization", arrays, constants=("bias",), **opts)
    assert g.info.operations[0].attributes == {"axes": eff, "epsilon": cast(1e-5, dtype)}
    ref = ln_ref(arrays["x"], eff, arrays.get("scale"), arrays.get("bias"), cast(1e-5, dtype))
    check(out, ref, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_layer_normalization_epsilon_and_special_values(ctx, dtype) -> None:
    x = rand((2, 8), dtype, 0, 0.1)
    for eps in (1e-2, 1.0):
        out, g = run(ctx, "layer_normalization", {"x": x}, epsilon=eps)
        assert g.info.operations[0].attributes["epsilon"] == cast(eps, dtype)
        check(out, ln_ref(x, [1], eps=cast(eps, dtype)), dtype)
    # empty axes: mean = x, variance = 0 -> (x - x) / sqrt(eps): NaN where x is infinite or NaN
    x = np.array([1.0, np.inf, np.nan, -3.0], dtype)
    out, _ = run(ctx, "layer_normalization", {"x": x, "bias": np.array(2.0, dtype)}, axes=[])
    np.testing.assert_array_equal(out, np.array([2.0, np.nan, np.nan, 2.0], dtype))
    # ... and with epsilon 0, 0 / 0 is NaN everywhere
    out, _ = run(ctx, "layer_normalization", {"x": x[:1]}, axes=[], epsilon=0.0)
    assert np.isnan(out).all()


def test_layer_normalization_onnx_valid(ctx) -> None:
    for dtype in ("float32", "float16"):
        for axes in ([3, 1], [2, 3], []):
            x = rand((1, 2, 3, 4), dtype)
            p = tuple(x.shape[a] for a in axes)
            _, g = run(ctx, "layer_normalization", {"x": x, "scale": rand(p, dtype), "bias": rand(p, dtype)}, axes=axes)
            check_onnx(g)


def test_layer_normalization_validation(ctx) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3, 4], "float32")
    s34 = b.input("s34", [3, 4], "float32")
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'axes'.*out of range"):
        b.layer_normalization(x, axes=[3])
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'axes'.*unique"):
        b.layer_normalization(x, axes=[1, 1])
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'axes'"):
        b.layer_normalization(x, axes=[-1])
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'axes'"):
        b.layer_normalization(x, axes=2)
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'scale'.*rank 2 must equal the number of axes 1"):
        b.layer_normalization(x, axes=[2], scale=s34)
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'scale'.*expected shape \[4, 3\]"):
        b.layer_normalization(x, axes=[2, 1], scale=s34)
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'bias'.*rank 2 must equal the number of axes 0"):
        b.layer_normalization(x, axes=[], bias=s34)
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'bias'.*data type float16"):
        b.layer_normalization(x, bias=b.input("b16", [3, 4], "float16"))
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'input'.*data type int64"):
        b.layer_normalization(b.input("xi", [2, 3], "int64"))
    with pytest.raises(webnn.ValidationError, match=r"^layer_normalization.*'epsilon'"):
        b.layer_normalization(x, epsilon=math.inf)
    # defaults: all axes but the first (so scale [3, 4]); a scalar input has no axes
    assert b.layer_normalization(x, scale=s34, bias=s34).shape == [2, 3, 4]
    assert b.layer_normalization(b.input("x0", [], "float32"), scale=b.input("s0", [], "float32")).shape == []


def test_op_support_limits(ctx) -> None:
    lim = ctx.op_support_limits()
    bn = lim["batchNormalization"]
    assert set(bn) == {"input", "mean", "variance", "scale", "bias", "output"}
    assert bn["input"]["dataTypes"] == ["float32", "float16"] and bn["input"]["rankRange"]["min"] == 1
    assert bn["mean"]["rankRange"] == {"min": 1, "max": 1}
    inn = lim["instanceNormalization"]
    assert inn["input"]["rankRange"] == {"min": 4, "max": 4} and inn["scale"]["rankRange"] == {"min": 1, "max": 1}
    ln = lim["layerNormalization"]
    assert ln["input"]["rankRange"]["min"] == 0 and ln["scale"]["rankRange"]["min"] == 0
