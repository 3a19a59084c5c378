"""WPT validation cases (webnn/validation_tests: split, slice, expand, tile, reverse) for the
data-movement family: each bad input must raise webnn.ValidationError, each valid one must build
with the spec's output descriptor."""

from __future__ import annotations

import pytest

import webnn

K_MAX_UNSIGNED_LONG = 2**32 - 1


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def d(dt: str, shape: list[int]) -> webnn.MLOperandDescriptor:
    return webnn.MLOperandDescriptor(dt, shape)


def check(b, fn, valid_shape, dt, label):
    """Run ``fn(label)``; expect output shape ``valid_shape`` or a ValidationError naming ``label``."""
    if valid_shape is None:
        with pytest.raises(webnn.ValidationError, match=label):
            fn(label)
    else:
        y = fn(None)
        assert (y.data_type, list(y.shape)) == (dt, valid_shape)


# (name, input, splits, options, output shapes or None)
SPLIT = [
    ("default options", d("float32", [2, 6]), [2], {}, [[2, 6]]),
    ("splits sequence and axis = 1", d("float32", [2, 6]), [1, 2, 3], {"axis": 1}, [[2, 1], [2, 2], [2, 3]]),
    ("splits count and axis = 1", d("int8", [2, 6]), 3, {"axis": 1}, [[2, 2]] * 3),
    ("throw if splitting a scalar", d("float32", []), [1], {}, None),
    ("throw if axis is larger than input rank", d("float32", [2, 6]), [2], {"axis": 2}, None),
    ("throw if splits is equal to 0", d("float32", [2, 6]), [0], {"axis": 0}, None),
    ("throw if splits (scalar) is equal to 0", d("float32", [2, 6]), 0, {"axis": 0}, None),
    ("throw if splits can not evenly divide the dimension", d("float32", [2, 5]), [2], {"axis": 1}, None),
    ("throw if splits (scalar) can not evenly divide the dimension", d("float32", [2, 5]), 2, {"axis": 1}, None),
    ("throw if the sum of splits is not the dimension size", d("float32", [2, 6]), [2, 2, 3], {"axis": 1}, None),
    ("throw if splits is negative", d("float32", [2, 6]), -2, {"axis": 1}, None),
    ("throw if axis is negative", d("float32", [2, 6]), 2, {"axis": -1}, None),
]


@pytest.mark.parametrize("name,input,splits,options,outs", SPLIT, ids=[c[0] for c in SPLIT])
def test_split(ctx, name, input, splits, options, outs):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", input)
    if outs is None:
        with pytest.raises(webnn.ValidationError, match="xxx-split"):
            b.split(x, splits, label="xxx-split", **options)
    else:
        ys = b.split(x, splits, **options)
        assert [(y.data_type, list(y.shape)) for y in ys] == [(input.data_type, s) for s in outs]


# (name, input, starts, sizes, strides, output shape or None)
SLICE = [
    ("starts=[0, 1, 2] and sizes=[1, 2, 3]", d("float32", [3, 4, 5]), [0, 1, 2], [1, 2, 3], None, [1, 2, 3]),
    ("slicing a scalar with empty starts and sizes", d("float32", []), [], [], None, []),
    ("strides", d("float32", [3, 4, 5]), [0, 0, 1], [3, 4, 4], [2, 3, 2], [2, 2, 2]),
    ("throw if input is a scalar and starts/sizes are not empty", d("float32", []), [0], [1], None, None),
    ("throw if the length of sizes is not the input rank", d("float32", [3, 4, 5]), [1, 2, 3], [1, 1], None, None),
    ("throw if the length of starts is not the input rank", d("float32", [3, 4, 5]), [1, 2, 1, 3], [1, 1, 1], None, None),
    ("throw if the starting index is equal to or greater than input size", d("float32", [3, 4, 5]), [0, 4, 4], [1, 1, 1], None, None),
    ("throw if the number of elements to slice is 0", d("float32", [3, 4, 5]), [1, 2, 3], [1, 0, 1], None, None),
    ("throw if the ending index is greater than input size", d("float32", [3, 4, 5]), [0, 1, 2], [3, 4, 1], None, None),
    ("throw if the length of strides is not the input rank", d("float32", [3, 4, 5]), [1, 2, 3], [1, 1, 1], [1, 1, 1, 1], None),
    ("throw if the strides are less than 1", d("float32", [3, 4, 5]), [1, 2, 3], [1, 1, 1], [0, 0, 0], None),
    ("throw if a start is negative", d("float32", [3, 4, 5]), [-1, 2, 3], [1, 1, 1], None, None),
]


@pytest.mark.parametrize("name,input,starts,sizes,strides,out", SLICE, ids=[c[0] for c in SLICE])
def test_slice(ctx, name, input, starts, sizes, strides, out):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", input)
    kw = {} if strides is None else {"strides": strides}
    check(b, lambda label: b.slice(x, starts, sizes, label=label, **kw), out, input.data_type, "slice_xxx")


def test_slice_stride_greater_than_size_follows_spec(ctx):
    """WPT (validation_tests/slice) expects a TypeError when a stride exceeds the slice size; the
    spec's slice steps have no such rule (the output size is ceil(size / stride) = 1), so it builds."""
    b = webnn.MLGraphBuilder(ctx)
    y = b.slice(b.input("input", d("float32", [3, 4, 5])), [1, 2, 3], [1, 1, 1], strides=[1, 2, 1])
    assert list(y.shape) == [1, 1, 1]


EXPAND = [
    ("0-D scalar to 3-D tensor", d("float32", []), [3, 4, 5], [3, 4, 5]),
    ("new shape the same as input", d("float32", [4]), [4], [4]),
    ("broadcastable new shape", d("int32", [3, 1, 5]), [3, 4, 5], [3, 4, 5]),
    ("broadcastable new shape of larger rank", d("int32", [2, 5]), [3, 2, 5], [3, 2, 5]),
    ("throw if same rank but not broadcastable", d("uint32", [3, 6, 2]), [4, 3, 5], None),
    ("throw if not broadcastable", d("uint32", [5, 4]), [5], None),
    ("throw if the new shape is too large", d("float32", [1, 2, 1, 1]), [1, 2, K_MAX_UNSIGNED_LONG, K_MAX_UNSIGNED_LONG], None),
    ("throw if the output byte length exceeds the limit", d("float32", [1, 1]), [2**16, 2**15], None),
    ("throw if a new dimension is 0", d("float32", [1, 2]), [0, 2], None),
    ("throw if the new rank exceeds the maximum rank", d("float32", [1]), [1] * 9, None),
]


@pytest.mark.parametrize("name,input,new_shape,out", EXPAND, ids=[c[0] for c in EXPAND])
def test_expand(ctx, name, input, new_shape, out):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", input)
    check(b, lambda label: b.expand(x, new_shape, label=label), out, input.data_type, "xxx_expand")


TILE = [
    ("repetitions=[1, 1, 1, 1], float32", d("float32", [1, 2, 3, 4]), [1, 1, 1, 1], [1, 2, 3, 4]),
    ("repetitions=[1, 2, 3, 4], uint32", d("uint32", [1, 2, 3, 4]), [1, 2, 3, 4], [1, 4, 9, 16]),
    ("scalar with empty repetitions", d("float32", []), [], []),
    ("throw if repetitions' size is not the input rank", d("int32", [1, 2, 4]), [1, 2, 3, 4], None),
    ("throw if any repetition is zero", d("int32", [1, 2, 3, 4]), [0, 1, 2, 3], None),
    ("throw if any repetition is negative", d("int32", [1, 2, 3, 4]), [-1, 1, 2, 3], None),
    ("throw if a repetition overflows the tiled dimension", d("int32", [1, 2, 3, 4]), [1, 1, K_MAX_UNSIGNED_LONG, 3], None),
    ("throw if the output tensor byte length exceeds limit", d("float32", [1, 1, 1, (2**31 - 1) // 4]), [1, 2, 3, 4], None),
]


@pytest.mark.parametrize("name,input,reps,out", TILE, ids=[c[0] for c in TILE])
def test_tile(ctx, name, input, reps, out):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", input)
    check(b, lambda label: b.tile(x, reps, label=label), out, input.data_type, "xxx-tile")


REVERSE = [
    ("default options", d("float32", [3, 3]), None, [3, 3]),
    ("axes = [0, 1]", d("int32", [1, 2, 3]), [0, 1], [1, 2, 3]),
    ("empty axes", d("int32", [1, 2, 3]), [], [1, 2, 3]),
    ("scalar input", d("float32", []), None, []),
    ("throw if axes is greater than input rank", d("float32", [3, 3]), [3], None),
    ("throw if axes is duplicated", d("float32", [1, 2, 3, 4]), [2, 2, 3], None),
    ("throw if an axis is negative", d("float32", [3, 3]), [-1], None),
    ("throw if axes is not empty for a scalar", d("float32", []), [0], None),
]


@pytest.mark.parametrize("name,input,axes,out", REVERSE, ids=[c[0] for c in REVERSE])
def test_reverse(ctx, name, input, axes, out):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", input)
    kw = {} if axes is None else {"axes": axes}
    check(b, lambda label: b.reverse(x, label=label, **kw), out, input.data_type, "reverse_1")


@pytest.mark.parametrize(
    "op,args",
    [("split", (2,)), ("slice", ([0, 0], [1, 1])), ("expand", ([2, 2],)), ("tile", ([1, 1],)), ("reverse", ())],
)
def test_input_from_another_builder(ctx, op, args):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    x = other.input("input", d("float32", [2, 2]))
    with pytest.raises(webnn.ValidationError):
        getattr(b, op)(x, *args)
