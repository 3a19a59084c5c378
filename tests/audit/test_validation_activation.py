"""WPT validation cases (webnn/validation_tests: elu gelu hardSigmoid hardSwish leakyRelu linear
prelu relu sigmoid softmax softplus softsign tanh) checked against the spec's tensor limits.

Where WPT and the spec disagree the spec wins: an older elu validation file throws for
alpha <= 0, the spec puts no constraint on alpha (and WPT's conformance file computes a negative
alpha), so a negative alpha builds here."""

from __future__ import annotations

import itertools
import math

import pytest

import webnn

ALL = list(webnn.DATA_TYPES)
FLOATS = ["float32", "float16"]
SIGNED = ["float32", "float16", "int64", "int32", "int8"]
SHAPES = [[], [2], [2, 3], [2, 3, 4], [2, 3, 4, 5], [1, 2, 3, 4, 5]]
UNARY = {
    "elu": FLOATS, "gelu": FLOATS, "hard_sigmoid": FLOATS, "hard_swish": FLOATS, "leaky_relu": FLOATS,
    "linear": FLOATS, "relu": SIGNED, "sigmoid": FLOATS, "softplus": FLOATS, "softsign": FLOATS, "tanh": FLOATS,
}
FLOAT_OPTIONS = {"elu": ["alpha"], "hard_sigmoid": ["alpha", "beta"], "leaky_relu": ["alpha"], "linear": ["alpha", "beta"]}


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def inp(b: webnn.MLGraphBuilder, dt: str, shape: list[int]) -> webnn.MLOperand:
    inp.n = getattr(inp, "n", 0) + 1
    return b.input(f"x{inp.n}", webnn.MLOperandDescriptor(dt, shape))


@pytest.mark.parametrize("op", UNARY)
def test_data_types_and_shapes(ctx, op):
    b = webnn.MLGraphBuilder(ctx)
    for dt, shape in itertools.product(ALL, SHAPES):
        x = inp(b, dt, shape)
        if dt in UNARY[op]:
            y = getattr(b, op)(x)
            assert (y.data_type, list(y.shape)) == (dt, shape)
        else:
            with pytest.raises(webnn.ValidationError, match=op):
                getattr(b, op)(x, label=f"{op}_xxx")
    limits = ctx.op_support_limits()[op]["input"]["dataTypes"]
    assert sorted(limits) == sorted(UNARY[op])


@pytest.mark.parametrize("op", [*UNARY, "softmax"])
def test_input_from_another_builder(ctx, op):
    other = webnn.MLGraphBuilder(ctx)
    x = inp(other, "float32", [2, 2])
    args = (x, 1) if op == "softmax" else (x,)
    with pytest.raises(webnn.ValidationError):
        getattr(webnn.MLGraphBuilder(ctx), op)(*args)


@pytest.mark.parametrize("op,name", [(op, n) for op, names in FLOAT_OPTIONS.items() for n in names])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "1", None, [1.0], True])
def test_float_options_must_be_finite_numbers(ctx, op, name, bad):
    b = webnn.MLGraphBuilder(ctx)
    for dt, shape in (("float32", [1, 2, 3]), ("float16", [])):
        with pytest.raises(webnn.ValidationError, match=name):
            getattr(b, op)(inp(b, dt, shape), **{name: bad})


def test_float_options_build(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = inp(b, "float16", [1, 2, 3])
    for y in (b.elu(x, alpha=1.0), b.elu(x, alpha=-1.0), b.elu(x, alpha=0), b.hard_sigmoid(x, alpha=0.5, beta=1.0),
              b.leaky_relu(x, alpha=-2), b.linear(x, alpha=2, beta=-1.5), b.elu(x, {"alpha": 3.0, "label": "e"}),
              b.hardSigmoid(x, {"alpha": 0.5, "beta": 1.0})):
        assert (y.data_type, list(y.shape)) == ("float16", [1, 2, 3])


PRELU = [  # (input shape, slope (dtype, shape), output shape or None) - WPT prelu.https.any.js
    ([3, 2, 5], ("float32", [3, 2, 5]), [3, 2, 5]),
    ([3, 2, 5], ("float32", [5]), [3, 2, 5]),
    ([3, 2, 5], ("float32", []), [3, 2, 5]),
    ([3, 2, 5], ("float32", [2, 5]), [3, 2, 5]),
    ([3, 2, 5], ("float32", [2]), None),
    ([3, 2, 5], ("int32", [3, 2, 5]), None),
    ([5], ("float32", [3, 2, 5]), [3, 2, 5]),  # the spec broadcasts slope and input both ways
    ([2, 1], ("float32", [1, 3]), [2, 3]),
]


@pytest.mark.parametrize("xs,slope,out", PRELU)
def test_prelu(ctx, xs, slope, out):
    b = webnn.MLGraphBuilder(ctx)
    x, s = inp(b, "float32", xs), inp(b, *slope)
    if out is None:
        with pytest.raises(webnn.ValidationError, match="prelu"):
            b.prelu(x, s, label="prelu_123")
    else:
        y = b.prelu(x, s)
        assert (y.data_type, list(y.shape)) == ("float32", out)


def test_prelu_data_types(ctx):
    b = webnn.MLGraphBuilder(ctx)
    for dt in ALL:
        x = inp(b, dt, [1])
        if dt in SIGNED:
            assert b.prelu(x, x).data_type == dt
        else:
            with pytest.raises(webnn.ValidationError):
                b.prelu(x, x)


@pytest.mark.parametrize("which", [0, 1])
def test_prelu_operand_from_another_builder(ctx, which):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    args = [inp(other if i == which else b, "float32", [2, 2]) for i in range(2)]
    with pytest.raises(webnn.ValidationError):
        b.prelu(*args)


SOFTMAX = [  # (dtype, shape, axis, ok) - WPT softmax.https.any.js
    ("float32", [4, 4, 3], 1, True),
    ("float16", [3, 1, 5, 2], 2, True),
    ("int32", [3, 1, 5, 2], 3, False),
    ("float16", [3, 1, 5, 2], 4, False),
    ("float32", [], 0, False),
    ("float32", [2, 3], -1, False),
    ("float32", [2, 3], 1.0, False),
    ("float32", [2, 3], None, False),
    ("float32", [2, 3], 2**32, False),
]


@pytest.mark.parametrize("dt,shape,axis,ok", SOFTMAX)
def test_softmax(ctx, dt, shape, axis, ok):
    b = webnn.MLGraphBuilder(ctx)
    x = inp(b, dt, shape)
    if ok:
        y = b.softmax(x, axis)
        assert (y.data_type, list(y.shape)) == (dt, shape)
    else:
        with pytest.raises(webnn.ValidationError, match="softmax"):
            b.softmax(x, axis, {"label": "softmax_xxx"})


def test_softmax_axis_required(ctx):
    b = webnn.MLGraphBuilder(ctx)
    with pytest.raises(webnn.ValidationError):
        b.softmax(inp(b, "float32", [2, 3]))
