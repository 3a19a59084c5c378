"""WPT validation cases (webnn/validation_tests: elementwise-unary, elementwise-logical, where)
for the element-wise family, checked against the spec's allowed data types: each bad input must
raise webnn.ValidationError, each valid one must build with the spec's output descriptor."""

from __future__ import annotations

import itertools

import pytest

import webnn

ALL = list(webnn.DATA_TYPES)
FLOATS = ["float32", "float16"]
SIGNED = ["float32", "float16", "int64", "int32", "int8"]  # abs, neg, sign (spec)
SHAPES = [[], [2], [2, 3], [2, 3, 4], [2, 3, 4, 5], [1, 2, 3, 4, 5]]

UNARY = {
    "abs": SIGNED, "ceil": FLOATS, "cos": FLOATS, "erf": FLOATS, "exp": FLOATS, "floor": FLOATS,
    "identity": ALL, "log": FLOATS, "neg": SIGNED, "reciprocal": FLOATS, "round_even": FLOATS,
    "sin": FLOATS, "sign": SIGNED, "sqrt": FLOATS, "tan": FLOATS,
}
# name -> (allowed input types, output type or None for "same as input")
UNARY_LOGICAL = {"logical_not": (["uint8"], "uint8"), "is_nan": (FLOATS, "uint8"), "is_infinite": (FLOATS, "uint8")}
COMPARE = ["equal", "not_equal", "greater", "greater_or_equal", "lesser", "lesser_or_equal"]
LOGICAL = ["logical_and", "logical_or", "logical_xor"]


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def inp(b: webnn.MLGraphBuilder, dt: str, shape: list[int]) -> webnn.MLOperand:
    inp.n = getattr(inp, "n", 0) + 1
    return b.input(f"x{inp.n}", webnn.MLOperandDescriptor(dt, shape))


@pytest.mark.parametrize("op", [*UNARY, *UNARY_LOGICAL])
def test_unary_data_types(ctx, op):
    allowed, out_dt = UNARY_LOGICAL.get(op, (UNARY.get(op), None))
    b = webnn.MLGraphBuilder(ctx)
    for dt, shape in itertools.product(ALL, SHAPES):
        x = inp(b, dt, shape)
        if dt in allowed:
            y = getattr(b, op)(x)
            assert (y.data_type, list(y.shape)) == (out_dt or dt, shape)
        else:
            with pytest.raises(webnn.ValidationError, match=op):
                getattr(b, op)(x, label="bad_type")


@pytest.mark.parametrize("op", [*UNARY, *UNARY_LOGICAL])
def test_unary_input_from_another_builder(ctx, op):
    dt = (UNARY_LOGICAL.get(op, (UNARY.get(op), None))[0])[0]
    other = webnn.MLGraphBuilder(ctx)
    with pytest.raises(webnn.ValidationError):
        getattr(webnn.MLGraphBuilder(ctx), op)(inp(other, dt, [2, 2]))


def _unbroadcastable(shape: list[int]) -> list[list[int]]:
    """WPT's generateUnbroadcastableShapes: change one dimension to a different size > 1."""
    out = []
    for i, d in enumerate(shape):
        if d == 1:  # a 1 broadcasts with anything
            continue
        s = list(shape)
        s[i] = d + 1
        out.append(s)
        out.append([2] + s if len(s) < 5 else s)
    return out


@pytest.mark.parametrize("op", COMPARE + LOGICAL)
def test_binary_logical_broadcast_and_types(ctx, op):
    types = ["uint8"] if op in LOGICAL else ALL
    b = webnn.MLGraphBuilder(ctx)
    for dt in types:
        for shape in SHAPES[1:]:
            a = inp(b, dt, shape)
            for bad in _unbroadcastable(shape):
                c = inp(b, dt, bad)
                with pytest.raises(webnn.ValidationError):
                    getattr(b, op)(a, c, label="elementwise_logic_op")
                with pytest.raises(webnn.ValidationError):
                    getattr(b, op)(c, a)
    # same data type required; the output is uint8 of the broadcast shape
    for dt_a, dt_b in itertools.product(ALL, ALL):
        a, c = inp(b, dt_a, [2, 1, 3]), inp(b, dt_b, [4, 1])
        if dt_a == dt_b and dt_a in types:
            y = getattr(b, op)(a, c)
            assert (y.data_type, list(y.shape)) == ("uint8", [2, 4, 3])
        else:
            with pytest.raises(webnn.ValidationError):
                getattr(b, op)(a, c)


@pytest.mark.parametrize("op", COMPARE + LOGICAL)
def test_binary_logical_inputs_from_another_builder(ctx, op):
    dt = "uint8" if op in LOGICAL else "float32"
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    x, y = inp(b, dt, [2, 2]), inp(other, dt, [2, 2])
    with pytest.raises(webnn.ValidationError):
        getattr(b, op)(y, x)
    with pytest.raises(webnn.ValidationError):
        getattr(b, op)(x, y)


WHERE = [  # (condition, trueValue, falseValue, expected output or None for a TypeError) - WPT where.https.any.js
    (("float32", [2, 4]), ("float32", [2, 4]), ("float32", [2, 4]), None),
    (("uint8", [2, 4]), ("float16", [2, 4]), ("float32", [2, 4]), None),
    (("uint8", [2, 4]), ("float32", [2, 4]), ("float32", [2, 3]), None),
    (("uint8", [2, 4]), ("float32", [2, 3]), ("float32", [2, 1]), None),
    (("uint8", [2, 1]), ("float32", [2, 4]), ("float32", [2, 4]), ("float32", [2, 4])),
    (("uint8", [1, 4]), ("float16", [3, 4]), ("float16", [2, 3, 4]), ("float16", [2, 3, 4])),
    (("uint8", [2, 1, 4]), ("int32", [2, 3, 4]), ("int32", [1, 4]), ("int32", [2, 3, 4])),
    (("uint8", [2, 3, 4, 5]), ("uint32", [3, 4, 5]), ("uint32", [4, 5]), ("uint32", [2, 3, 4, 5])),
    # the condition broadcasts with the values' broadcast shape, in either direction
    (("uint8", [2, 3, 4]), ("float32", [4]), ("float32", [1]), ("float32", [2, 3, 4])),
    (("int8", [2]), ("int8", [2]), ("int8", [2]), None),
]


@pytest.mark.parametrize("cond,tv,fv,out", WHERE)
def test_where(ctx, cond, tv, fv, out):
    b = webnn.MLGraphBuilder(ctx)
    c, t, f = inp(b, *cond), inp(b, *tv), inp(b, *fv)
    if out is None:
        with pytest.raises(webnn.ValidationError, match="where"):
            b.where(c, t, f)
    else:
        y = b.where(c, t, f)
        assert (y.data_type, list(y.shape)) == (out[0], out[1])


def test_where_all_value_types(ctx):
    b = webnn.MLGraphBuilder(ctx)
    for dt in ALL:
        y = b.where(inp(b, "uint8", [2, 1]), inp(b, dt, [3]), inp(b, dt, [1, 3]))
        assert (y.data_type, list(y.shape)) == (dt, [2, 3])


@pytest.mark.parametrize("which", [0, 1, 2])
def test_where_operand_from_another_builder(ctx, which):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    descs = [("uint8", [2, 4]), ("float32", [2, 4]), ("float32", [2, 4])]
    args = [inp(other if i == which else b, *d) for i, d in enumerate(descs)]
    with pytest.raises(webnn.ValidationError):
        b.where(*args)


@pytest.mark.parametrize("op", [*UNARY, "logical_not", "is_nan"])
def test_unary_non_operand_argument(ctx, op):
    with pytest.raises(webnn.ValidationError):
        getattr(webnn.MLGraphBuilder(ctx), op)(1.0)


@pytest.mark.parametrize("dt", FLOATS)
def test_sign_of_nan_is_zero(ctx, dt):
    """The spec: sign returns 1 if > 0, -1 if < 0 and 0 otherwise (ONNX Sign keeps NaN)."""
    import numpy as np

    b = webnn.MLGraphBuilder(ctx)
    g = b.build({"y": b.sign(b.input("x", webnn.MLOperandDescriptor(dt, [6])))})
    x = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, -3], dtype=dt)
    np.testing.assert_array_equal(ctx.compute(g, {"x": x})["y"], np.array([0, -1, 1, 0, 0, -1], dtype=dt))
