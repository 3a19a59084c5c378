"""Activations: numerics against float64 references written from the spec's formulas, and validation."""

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


def run(ctx, op: str, x: np.ndarray, *args, **options):
    """Build ``op(input, *args, **options)`` with ``x`` as a graph input; return (output, graph)."""
    b = webnn.MLGraphBuilder(ctx)
    xin = b.input("x", list(x.shape), x.dtype.name)
    y = getattr(b, op)(xin, *args, **options)
    g = b.build({"y": y})
    out = ctx.compute(g, {"x": x})["y"]
    return out, g


def assert_close(actual: np.ndarray, ref: np.ndarray, dtype, *, ulps: float = 4, atol: float = 0.0) -> None:
    """``actual`` (of ``dtype``) within ``ulps`` units in the last place of the float64 ``ref`` (+ atol)."""
    assert actual.dtype == np.dtype(dtype), (actual.dtype, dtype)
    assert actual.shape == np.shape(ref), (actual.shape, np.shape(ref))
    ref = np.asarray(ref, F64)
    a = actual.astype(F64)
    assert np.array_equal(np.isnan(a), np.isnan(ref)), (a, ref)
    finite = np.isfinite(ref)
    assert np.array_equal(a[~finite & ~np.isnan(ref)], ref[~finite & ~np.isnan(ref)])
    with np.errstate(over="ignore"):
        ulp = np.spacing(np.abs(ref[finite]).astype(dtype)).astype(F64)
    err = np.abs(a[finite] - ref[finite])
    bad = err > ulps * ulp + atol
    assert not bad.any(), f"max error {err.max()} at {np.argmax(err - ulps * ulp)}: got {a[finite][bad][:5]}, want {ref[finite][bad][:5]}"


def rand(shape, dtype, lo=-6.0, hi=6.0, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(dtype)


def check_onnx(g) -> None:
    data = default_registry().convert(g.info, "onnx").data
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)


def cast(v: float, dtype) -> F64:
    return F64(np.array(v, F64).astype(dtype))


erf = np.vectorize(math.erf)

# name -> (reference(x64, **options), options)
REFS = {
    "elu": lambda x, alpha=1.0: np.maximum(0, x) + alpha * (np.exp(np.minimum(0, x)) - 1),
    "gelu": lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2))),
    "hard_sigmoid": lambda x, alpha=0.2, beta=0.5: np.maximum(np.minimum(alpha * x + beta, 1), 0),
    "hard_swish": lambda x: x * np.maximum(0, np.minimum(6, x + 3)) / 6,
    "leaky_relu": lambda x, alpha=0.01: np.maximum(0, x) + alpha * np.minimum(0, x),
    "linear": lambda x, alpha=1.0, beta=0.0: alpha * x + beta,
    "relu": lambda x: np.maximum(0, x),
    "sigmoid": lambda x: 1 / (np.exp(-x) + 1),
    "softplus": lambda x: np.logaddexp(0, x),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "tanh": lambda x: np.tanh(x),
}
UNARY = sorted(REFS)
SHAPES = [(), (7,), (3, 4), (2, 3, 4, 5), (1, 2, 1, 3, 1, 2)]


# -- numerics -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("name", UNARY)
def test_unary_default_options(ctx, name, dtype) -> None:
    for i, shape in enumerate(SHAPES):
        x = rand(shape, dtype, seed=i)
        out, _ = run(ctx, name, x)
        ulps = 4 if dtype == "float32" else 2
        atol = 0.0
        if name in ("hard_sigmoid", "hard_swish", "gelu"):
            # alpha * x + beta (and x + 3) cancel near 0: absolute error ~ ulp(0.5)
            # (ulp(3) for hardSwish's float16 steps); erf near 0 likewise.
            atol = {"float32": 2e-7, "float16": 2e-3}[dtype]
        defaults = {"elu": {"alpha": 1.0}, "hard_sigmoid": {"alpha": 0.2, "beta": 0.5}, "leaky_relu": {"alpha": 0.01}}
        opts = {k: cast(v, dtype) for k, v in defaults.get(name, {}).items()}
        assert_close(out, REFS[name](x.astype(F64), **opts), dtype, ulps=ulps, atol=atol)


@pytest.mark.parametrize("name", UNARY)
def test_unary_special_values(ctx, name) -> None:
    x = np.array([0.0, -0.0, 1e-3, -1e-3, 20.0, -20.0, 80.0, -80.0, 1e30, -1e30], np.float32)
    out, _ = run(ctx, name, x)
    with np.errstate(over="ignore", invalid="ignore"):
        ref = REFS[name](x.astype(F64))
    atol = 1e-6 if name in ("gelu", "elu") else 0  # erf/expm1 of tiny arguments
    if name == "linear":
        atol = 0
    assert_close(out, ref, "float32", ulps=4, atol=atol)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_hard_swish_large_values_do_not_overflow(ctx, dtype) -> None:
    big = float(np.finfo(dtype).max)
    x = np.array([3.0, 100.0, 20000.0, big, -big, -3.0], dtype)
    out, _ = run(ctx, "hard_swish", x)
    np.testing.assert_array_equal(out, np.array([3.0, 100.0, 20000.0, big, -0.0, -0.0], dtype))


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_elu_alpha(ctx, dtype) -> None:
    x = rand((4, 5), dtype)
    for alpha in (0.5, 2.0, -1.3, 0.0):
        out, g = run(ctx, "elu", x, alpha=alpha)
        assert g.info.operations[0].attributes == {"alpha": cast(alpha, dtype)}
        assert_close(out, REFS["elu"](x.astype(F64), cast(alpha, dtype)), dtype, ulps=4)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_hard_sigmoid_alpha_beta(ctx, dtype) -> None:
    x = rand((3, 7), dtype)
    for alpha, beta in ((0.1, 0.3), (1 / 3, -0.25), (-0.5, 0.5)):
        out, g = run(ctx, "hard_sigmoid", x, alpha=alpha, beta=beta)
        a, b_ = cast(alpha, dtype), cast(beta, dtype)
        assert g.info.operations[0].attributes == {"alpha": a, "beta": b_}
        assert_close(out, REFS["hard_sigmoid"](x.astype(F64), a, b_), dtype, ulps=2, atol=1e-7)
    # defaults: 0.2, 0.5
    out, g = run(ctx, "hard_sigmoid", np.array([-3.0, 0.0, 1.0, 3.0], np.float32))
    np.testing.assert_allclose(out, [0.0, 0.5, 0.7, 1.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_leaky_relu_alpha(ctx, dtype) -> None:
    x = rand((2, 3, 4), dtype)
    for alpha in (0.2, 1 / 3, -2.0, 5.0):
        out, g = run(ctx, "leaky_relu", x, alpha=alpha)
        a = cast(alpha, dtype)
        assert g.info.operations[0].attributes == {"alpha": a}
        assert_close(out, REFS["leaky_relu"](x.astype(F64), a), dtype, ulps=1)
    out, _ = run(ctx, "leaky_relu", np.array([-100.0, 5.0], np.float32))
    np.testing.assert_allclose(out, [-1.0, 5.0], rtol=1e-6)  # default alpha 0.01


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_linear_alpha_beta(ctx, dtype) -> None:
    x = rand((5, 6), dtype)
    for alpha, beta in ((2.0, 0.5), (1 / 3, -7.25), (-1.5, 0.0)):
        out, g = run(ctx, "linear", x, alpha=alpha, beta=beta)
        a, b_ = cast(alpha, dtype), cast(beta, dtype)
        assert g.info.operations[0].attributes == {"alpha": a, "beta": b_}
        # alpha * x is rounded to the data type, then + beta (as the spec's emulation does).
        prod = (x.astype(F64) * a).astype(dtype).astype(F64)
        assert_close(out, prod + b_, dtype, ulps=0.5)
    out, _ = run(ctx, "linear", np.array([1.5, -2.0], np.float32))
    np.testing.assert_array_equal(out, [1.5, -2.0])  # defaults alpha=1, beta=0


def test_option_cast_overflows_to_infinity(ctx) -> None:
    x = np.array([-1.0, 0.0, 2.0], np.float16)
    out, g = run(ctx, "linear", x, alpha=1e6)  # float16(1e6) is +Infinity
    assert g.info.operations[0].attributes["alpha"] == math.inf
    assert np.isneginf(out[0]) and np.isnan(out[1]) and np.isposinf(out[2])


@pytest.mark.parametrize("dtype", ["float32", "int32", "int64", "int8", "float16"])
def test_relu_all_types(ctx, dtype) -> None:
    if dtype.startswith("int"):
        info = np.iinfo(dtype)
        x = np.array([info.min, -5, -1, 0, 1, 7, info.max, info.min + 1], dtype).reshape(2, 4)
    else:
        x = rand((2, 4), dtype)
    out, g = run(ctx, "relu", x)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, np.maximum(x, np.zeros((), dtype)))
    check_onnx(g)


def test_relu_int64_exact_beyond_float_precision(ctx) -> None:
    x = np.array([2**62 + 1, -(2**62) - 1, 2**53 + 1], np.int64)
    out, _ = run(ctx, "relu", x)
    np.testing.assert_array_equal(out, np.array([2**62 + 1, 0, 2**53 + 1], np.int64))


def prelu_run(ctx, x: np.ndarray, slope: np.ndarray, slope_const: bool = False):
    b = webnn.MLGraphBuilder(ctx)
    xi = b.input("x", list(x.shape), x.dtype.name)
    feeds = {"x": x}
    if slope_const:
        si = b.constant(slope)
    else:
        si = b.input("s", list(slope.shape), slope.dtype.name)
        feeds["s"] = slope
    g = b.build({"y": b.prelu(xi, si)})
    return ctx.compute(g, feeds)["y"], g


def prelu_ref(x, s):
    x, s = x.astype(F64), s.astype(F64)
    return np.maximum(0, x) + s * np.minimum(0, x)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize(
    "xs,ss",
    [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 3, 4), ()), ((2, 3, 4), (3, 1)), ((3, 1), (1, 4)), ((4,), (2, 3, 4)), ((), (5,))],
)
def test_prelu_float_broadcasting(ctx, dtype, xs, ss) -> None:
    x, s = rand(xs, dtype, seed=1), rand(ss, dtype, -2, 2, seed=2)
    for const in (False, True):
        out, g = prelu_run(ctx, x, s, const)
        assert out.shape == np.broadcast_shapes(xs, ss)
        assert_close(out, prelu_ref(x, s), dtype, ulps=0.5)
    check_onnx(g)


@pytest.mark.parametrize("dtype", ["int32", "int64", "int8"])
def test_prelu_integers_exact(ctx, dtype) -> None:
    x = np.array([[-7, -1, 0, 3], [10, -3, -10, 11]], dtype)
    s = np.array([2, -3, 5, 1], dtype)
    out, g = prelu_run(ctx, x, s)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, prelu_ref(x, s).astype(dtype))
    # bidirectional broadcast with integers
    out, _ = prelu_run(ctx, np.array([[-4], [6]], dtype), np.array([[1, 2, -3]], dtype))
    np.testing.assert_array_equal(out, np.array([[-4, -8, 12], [6, 6, 6]], dtype))
    check_onnx(g)


def test_prelu_int64_exact_beyond_float_precision(ctx) -> None:
    x = np.array([-(2**40) - 1, 2**60 + 3], np.int64)
    s = np.array([3, 7], np.int64)
    out, _ = prelu_run(ctx, x, s)
    np.testing.assert_array_equal(out, np.array([-3 * (2**40) - 3, 2**60 + 3], np.int64))


def softmax_ref(x, axis):
    x = x.astype(F64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("shape,axis", [((5,), 0), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4, 5), 2), ((2, 3, 4, 5), 0), ((2, 3, 4, 5), 3)])
def test_softmax(ctx, dtype, shape, axis) -> None:
    x = rand(shape, dtype, -10, 10)
    out, g = run(ctx, "softmax", x, axis)
    assert g.info.operations[0].attributes == {"axis": axis}
    assert_close(out, softmax_ref(x, axis), dtype, ulps=8 if dtype == "float32" else 3, atol=1e-7)
    out2, _ = run(ctx, "softmax", x, axis=axis)
    np.testing.assert_array_equal(out, out2)


def test_softmax_large_values_stable(ctx) -> None:
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]], np.float32)
    out, _ = run(ctx, "softmax", x, 1)
    assert_close(out, softmax_ref(x, 1), "float32", ulps=4)


# -- ONNX validity ------------------------------------------------------------------------
@pytest.mark.parametrize("name", UNARY)
def test_onnx_model_is_valid(ctx, name) -> None:
    for dtype in ("float32", "float16"):
        _, g = run(ctx, name, rand((2, 3), dtype))
        check_onnx(g)


def test_onnx_model_is_valid_softmax(ctx) -> None:
    _, g = run(ctx, "softmax", rand((2, 3), "float16"), 1)
    check_onnx(g)


# -- validation ---------------------------------------------------------------------------
def builder(ctx):
    return webnn.MLGraphBuilder(ctx)


def raises(match: str):
    return pytest.raises(webnn.ValidationError, match=match)


FLOAT_ONLY = ["elu", "gelu", "hard_sigmoid", "hard_swish", "leaky_relu", "linear", "sigmoid", "softplus", "softsign", "tanh"]


@pytest.mark.parametrize("name", FLOAT_ONLY)
@pytest.mark.parametrize("dtype", ["int32", "int8", "uint8", "int64", "uint32", "uint64"])
def test_float_only_rejects_integer_types(ctx, name, dtype) -> None:
    b = builder(ctx)
    x = b.input("x", [2], dtype)
    with raises(rf"^{name}.*'input'.*data type {dtype} is not allowed"):
        getattr(b, name)(x)


@pytest.mark.parametrize("dtype", ["uint8", "uint32", "uint64"])
def test_relu_prelu_reject_unsigned(ctx, dtype) -> None:
    b = builder(ctx)
    x = b.input("x", [2], dtype)
    with raises(r"^relu.*'input'"):
        b.relu(x)
    with raises(r"^prelu.*'input'"):
        b.prelu(x, x)


def test_prelu_validation(ctx) -> None:
    b = builder(ctx)
    x = b.input("x", [2, 3], "float32")
    with raises(r"^prelu.*'slope'.*data type float16 must match input"):
        b.prelu(x, b.input("s16", [3], "float16"))
    with raises(r"^prelu.*'slope'.*not broadcastable"):
        b.prelu(x, b.input("s4", [4], "float32"))
    with raises(r"^prelu.*'slope'.*not broadcastable"):
        b.prelu(x, b.input("s23", [3, 2], "float32"))
    with raises(r"^prelu.*'slope'.*expected an MLOperand"):
        b.prelu(x, 0.1)
    y = b.prelu(x, b.input("s", [4, 1, 3], "float32"))
    assert y.shape == [4, 2, 3] and y.data_type == "float32"


@pytest.mark.parametrize(
    "name,option", [("elu", "alpha"), ("leaky_relu", "alpha"), ("hard_sigmoid", "alpha"), ("hard_sigmoid", "beta"), ("linear", "alpha"), ("linear", "beta")]
)
def test_scalar_options_must_be_finite_numbers(ctx, name, option) -> None:
    b = builder(ctx)
    x = b.input("x", [2], "float32")
    for bad in (math.nan, math.inf, -math.inf, "1", None, True, [1.0]):
        with raises(rf"^{name}.*'{option}'"):
            getattr(b, name)(x, **{option: bad})
    assert getattr(b, name)(x, **{option: 2}).shape == [2]  # an integer is a valid double


def test_unknown_option_rejected(ctx) -> None:
    b = builder(ctx)
    x = b.input("x", [2], "float32")
    with raises(r"^elu.*beta"):
        b.elu(x, beta=1.0)
    with raises(r"^relu"):
        b.relu(x, alpha=1.0)


def test_softmax_validation(ctx) -> None:
    b = builder(ctx)
    x = b.input("x", [2, 3], "float32")
    with raises(r"^softmax.*'axis'.*must be in \[0, 1\]"):
        b.softmax(x, 2)
    with raises(r"^softmax.*'axis'"):
        b.softmax(x, -1)
    with raises(r"^softmax.*'axis'"):
        b.softmax(x, 1.0)
    with raises(r"^softmax.*axis"):
        b.softmax(x)  # axis is required
    with raises(r"^softmax.*'input'.*rank"):
        b.softmax(b.input("s", [], "float32"), 0)
    with raises(r"^softmax.*'input'.*data type int32"):
        b.softmax(b.input("i", [3], "int32"), 0)
    assert b.softmax(x, 1).shape == [2, 3]


def test_label_in_error_message(ctx) -> None:
    b = builder(ctx)
    with raises(r"^gelu \(label 'act1'\).*'input'"):
        b.gelu(b.input("i", [3], "int32"), label="act1")


def test_output_descriptors(ctx) -> None:
    b = builder(ctx)
    for dtype in ("float32", "float16"):
        x = b.input(f"x{dtype}", [2, 1, 3], dtype)
        for name in UNARY:
            y = getattr(b, name)(x)
            assert (y.shape, y.data_type) == ([2, 1, 3], dtype)
    i8 = b.input("i8", [4], "int8")
    assert b.relu(i8).data_type == "int8"


def test_op_support_limits(ctx) -> None:
    lim = ctx.op_support_limits()
    assert lim["relu"]["input"]["dataTypes"] == ["float32", "float16", "int64", "int32", "int8"]
    assert lim["prelu"]["slope"]["dataTypes"] == ["float32", "float16", "int64", "int32", "int8"]
    for name in ("elu", "gelu", "hardSigmoid", "hardSwish", "leakyRelu", "linear", "sigmoid", "softplus", "softsign", "tanh"):
        assert lim[name]["input"]["dataTypes"] == ["float32", "float16"], name
        assert lim[name]["input"]["rankRange"]["min"] == 0
    assert lim["softmax"]["input"]["rankRange"]["min"] == 1
