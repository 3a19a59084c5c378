"""WPT validation cases (webnn/validation_tests: reduction, argMinMax, cumulativeSum,
pooling-and-reduction-keep-dims) for the reduction family: each bad input must raise
webnn.ValidationError, each valid one must build with the spec's output descriptor."""

from __future__ import annotations

import pytest

import webnn

ALL = list(webnn.DATA_TYPES)
FLOATS = ["float32", "float16"]
NUMERIC = ["float32", "float16", "int32", "uint32", "int64", "uint64"]
# The spec's allowed input data types per reduction (its method steps).
REDUCTIONS = {
    "reduce_l1": NUMERIC, "reduce_l2": FLOATS, "reduce_log_sum": FLOATS, "reduce_log_sum_exp": FLOATS,
    "reduce_max": ALL, "reduce_mean": FLOATS, "reduce_min": ALL, "reduce_product": NUMERIC,
    "reduce_sum": NUMERIC, "reduce_sum_square": NUMERIC,
}
LABEL = "reduce_op_xxx"


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def d(dt: str, shape: list[int]) -> webnn.MLOperandDescriptor:
    return webnn.MLOperandDescriptor(dt, shape)


# (name, input shape, options, output shape or None)
REDUCE_CASES = [
    ("default options", [1, 3, 4, 4], {}, []),
    ("keepDimensions=true", [1, 3, 4, 4], {"keep_dimensions": True}, [1, 1, 1, 1]),
    ("axes=[0, 1] and keepDimensions=false", [1, 3, 5, 5], {"axes": [0, 1]}, [5, 5]),
    ("axes=[1, 3] and keepDimensions=true", [1, 3, 5, 5], {"axes": [1, 3], "keep_dimensions": True}, [1, 1, 5, 1]),
    ("empty axes", [2, 3], {"axes": []}, [2, 3]),
    ("scalar input", [], {}, []),
    ("scalar input with empty axes", [], {"axes": []}, []),
    ("throw if a value in axes is out of range of [0, N-1]", [1, 2, 5, 5], {"axes": [4]}, None),
    ("throw if two values are the same in axes", [1, 2, 5, 5], {"axes": [0, 1, 1]}, None),
    ("throw if an axis is negative", [1, 2, 5, 5], {"axes": [-1]}, None),
    ("throw if axes is non-empty for a scalar", [], {"axes": [0]}, None),
    ("throw if keepDimensions is not a boolean", [2, 3], {"keep_dimensions": "yes"}, None),
]


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("name,shape,options,out", REDUCE_CASES, ids=[c[0] for c in REDUCE_CASES])
def test_reduce_shapes(ctx, op, name, shape, options, out):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", d("float32", shape))
    if out is None:
        with pytest.raises(webnn.ValidationError, match=LABEL):
            getattr(b, op)(x, label=LABEL, **options)
    else:
        y = getattr(b, op)(x, **options)
        assert (y.data_type, list(y.shape)) == ("float32", out)


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("dt", ALL)
def test_reduce_data_types(ctx, op, dt):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", d(dt, [1, 2, 5, 5]))
    if dt in REDUCTIONS[op]:
        y = getattr(b, op)(x)
        assert (y.data_type, list(y.shape)) == (dt, [])
    else:
        with pytest.raises(webnn.ValidationError, match=LABEL):
            getattr(b, op)(x, axes=[0, 1], label=LABEL)


# -- argMin / argMax ----------------------------------------------------------------------------
ARG_CASES = [
    ("default options", [1, 2, 3, 4], 0, {}, "int32", [2, 3, 4]),
    ("axis=1", [1, 2, 3, 4], 1, {}, "int32", [1, 3, 4]),
    ("keepDimensions=true", [1, 2, 3, 4], 1, {"keep_dimensions": True}, "int32", [1, 1, 3, 4]),
    ("outputDataType=int32", [1, 2, 3, 4], 1, {"output_data_type": "int32"}, "int32", [1, 3, 4]),
    ("outputDataType=int64", [1, 2, 3, 4], 1, {"output_data_type": "int64"}, "int64", [1, 3, 4]),
    ("1-D input", [5], 0, {}, "int32", []),
    ("throw if axis is greater than or equal to input rank", [1, 2, 3, 4], 4, {}, None, None),
    ("throw if input is a scalar and axis=0", [], 0, {}, None, None),
    ("throw if axis is negative", [1, 2, 3, 4], -1, {}, None, None),
    ("throw if outputDataType is float32", [1, 2, 3, 4], 1, {"output_data_type": "float32"}, None, None),
    ("throw if outputDataType is uint32", [1, 2, 3, 4], 1, {"output_data_type": "uint32"}, None, None),
]


@pytest.mark.parametrize("op", ["arg_min", "arg_max"])
@pytest.mark.parametrize("name,shape,axis,options,out_dt,out", ARG_CASES, ids=[c[0] for c in ARG_CASES])
def test_arg_min_max(ctx, op, name, shape, axis, options, out_dt, out):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", d("float32", shape))
    if out is None:
        with pytest.raises(webnn.ValidationError, match="arg_min_max_1_!"):
            getattr(b, op)(x, axis, label="arg_min_max_1_!", **options)
    else:
        y = getattr(b, op)(x, axis, **options)
        assert (y.data_type, list(y.shape)) == (out_dt, out)


@pytest.mark.parametrize("op", ["arg_min", "arg_max"])
@pytest.mark.parametrize("dt", ALL)
def test_arg_min_max_any_input_type(ctx, op, dt):
    b = webnn.MLGraphBuilder(ctx)
    y = getattr(b, op)(b.input("input", d(dt, [2, 3])), 1)
    assert (y.data_type, list(y.shape)) == ("int32", [2])


# -- cumulativeSum ------------------------------------------------------------------------------
CUMSUM_CASES = [
    ("default options", "float32", [3, 2, 5], 0, {}, True),
    ("integer input", "int32", [3, 2, 5], 0, {}, True),
    ("axis=1", "float32", [3, 2, 5], 1, {}, True),
    ("exclusive=true", "float32", [3, 2, 5], 1, {"exclusive": True}, True),
    ("reversed=true", "float32", [3, 2, 5], 1, {"reversed": True}, True),
    ("throw if input is a scalar", "float32", [], 0, {}, False),
    ("throw if axis is invalid", "float32", [1, 2, 3], 3, {}, False),
    ("throw if axis is negative", "float32", [1, 2, 3], -1, {}, False),
]


@pytest.mark.parametrize("name,dt,shape,axis,options,valid", CUMSUM_CASES, ids=[c[0] for c in CUMSUM_CASES])
def test_cumulative_sum(ctx, name, dt, shape, axis, options, valid):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", d(dt, shape))
    if valid:
        y = b.cumulative_sum(x, axis, **options)
        assert (y.data_type, list(y.shape)) == (dt, shape)
    else:
        with pytest.raises(webnn.ValidationError, match="cumulative_sum"):
            b.cumulative_sum(x, axis, label="cumulative_sum", **options)


@pytest.mark.parametrize("op,args", [*((op, ()) for op in REDUCTIONS), ("arg_min", (0,)), ("arg_max", (0,)), ("cumulative_sum", (0,))])
def test_input_from_another_builder(ctx, op, args):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    x = other.input("input", d("float32", [3, 2, 5]))
    with pytest.raises(webnn.ValidationError):
        getattr(b, op)(x, *args)
