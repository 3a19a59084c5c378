"""WPT validation cases (webnn/validation_tests/elementwise-binary.https.any.js) for add sub mul
div max min pow: the two inputs must share a data type, be bidirectionally broadcastable, come from
this builder, and the output must fit maxTensorByteLength. Every data type is allowed (spec)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import webnn

ALL = list(webnn.DATA_TYPES)
OPS = ["add", "sub", "mul", "div", "max", "min", "pow"]


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def inp(b: webnn.MLGraphBuilder, dt: str, shape: list[int]) -> webnn.MLOperand:
    inp.n = getattr(inp, "n", 0) + 1
    return b.input(f"x{inp.n}", webnn.MLOperandDescriptor(dt, shape))


@pytest.mark.parametrize("op", OPS)
def test_same_data_type(ctx, op):
    b = webnn.MLGraphBuilder(ctx)
    for dt_a, dt_b in itertools.product(ALL, ALL):
        a, c = inp(b, dt_a, [2, 3]), inp(b, dt_b, [2, 3])
        if dt_a == dt_b:
            y = getattr(b, op)(a, c)
            assert (y.data_type, list(y.shape)) == (dt_a, [2, 3])
        else:
            with pytest.raises(webnn.ValidationError, match=op):
                getattr(b, op)(a, c, label="binary")


BROADCAST = [  # (a, b, output shape or None)
    ([], [2, 3], [2, 3]), ([1], [2, 3], [2, 3]), ([3], [2, 3], [2, 3]), ([2, 1], [1, 3], [2, 3]),
    ([4, 1, 3], [2, 1], [4, 2, 3]), ([1, 1, 1, 1], [2, 2, 2, 3], [2, 2, 2, 3]),
    ([2], [3], None), ([2, 3], [3, 2], None), ([2, 3, 4], [2, 4, 4], None), ([5, 2], [2, 3, 2], None),
]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("sa,sb,out", BROADCAST)
def test_broadcast(ctx, op, sa, sb, out):
    b = webnn.MLGraphBuilder(ctx)
    a, c = inp(b, "float32", sa), inp(b, "float32", sb)
    for x, y in ((a, c), (c, a)):
        if out is None:
            with pytest.raises(webnn.ValidationError, match=op):
                getattr(b, op)(x, y)
        else:
            assert list(getattr(b, op)(x, y).shape) == out


@pytest.mark.parametrize("op", OPS)
def test_inputs_from_another_builder(ctx, op):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    x, y = inp(b, "float32", [2, 2]), inp(other, "float32", [2, 2])
    for args in ((y, x), (x, y)):
        with pytest.raises(webnn.ValidationError):
            getattr(b, op)(*args)


@pytest.mark.parametrize("op", OPS)
def test_output_over_max_tensor_byte_length(ctx, op):
    limit = ctx.op_support_limits()["maxTensorByteLength"]
    b = webnn.MLGraphBuilder(ctx)
    a = inp(b, "float32", [limit // 4, 1])
    c = inp(b, "float32", [1, 5])
    with pytest.raises(webnn.ValidationError, match=op):
        getattr(b, op)(a, c)


def test_non_operand_arguments(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = inp(b, "float32", [2])
    for bad in (1.0, None, [x], "x"):
        with pytest.raises(webnn.ValidationError):
            b.add(x, bad)
        with pytest.raises(webnn.ValidationError):
            b.mul(bad, x)


@pytest.mark.parametrize("dt", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
def test_pow_integer_types_compute(ctx, dt):
    """Every data type is allowed for pow; ONNX Pow lacks int8/uint8/uint32/uint64 bases."""
    base = np.array([[2, 3, 0], [1, 5, 7]], dtype=dt)
    exp = np.array([3, 2, 4], dtype=dt)
    b = webnn.MLGraphBuilder(ctx)
    g = b.build({"y": b.pow(b.input("base", webnn.MLOperandDescriptor(dt, [2, 3])), b.constant(exp))})
    out = ctx.compute(g, {"base": base})["y"]
    assert out.dtype == np.dtype(dt)
    want = np.array([[int(x) ** int(e) for x, e in zip(row, exp, strict=True)] for row in base.tolist()], dtype=object)
    want = np.array([[w % (1 << (8 * out.itemsize)) for w in r] for r in want], dtype=np.uint64).astype(dt)
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("dt", ["int8", "int32", "int64"])
def test_div_signed_integer_edges(ctx, dt):
    """Truncation toward zero; MIN / -1 wraps to MIN (ONNX Runtime's Div trapped with SIGFPE for
    int32/int64, killing the process); a zero divisor is a runtime error, not a crash."""
    lo = int(np.iinfo(dt).min)
    a = np.array([lo, 7, -7, 7, -7, lo, 0], dtype=dt)
    d = np.array([-1, 2, 2, -2, -2, 1, -1], dtype=dt)
    b = webnn.MLGraphBuilder(ctx)
    g = b.build({"q": b.div(b.input("a", webnn.MLOperandDescriptor(dt, [7])), b.input("d", webnn.MLOperandDescriptor(dt, [7])))})
    np.testing.assert_array_equal(ctx.compute(g, {"a": a, "d": d})["q"], np.array([lo, 3, -3, -3, 3, lo, 0], dtype=dt))
    with pytest.raises(webnn.GraphError):
        ctx.compute(g, {"a": a, "d": np.zeros(7, dt)})
