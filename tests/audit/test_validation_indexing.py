"""WPT validation cases (webnn/validation_tests: gatherElements, gatherND, scatterElements,
scatterND) for the indexing family: each bad input must raise webnn.ValidationError, each valid
one must build with the spec's output descriptor."""

from __future__ import annotations

import pytest

import webnn


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def d(dt: str, shape: list[int]) -> webnn.MLOperandDescriptor:
    return webnn.MLOperandDescriptor(dt, shape)


# (name, input, indices, axis or None, expected output shape or None for "must throw")
GATHER_ELEMENTS = [
    ("default options", d("float32", [1, 2, 3]), d("int32", [2, 2, 3]), None, [2, 2, 3]),
    ("axis = 2", d("float32", [1, 2, 3, 4]), d("int32", [1, 2, 1, 4]), 2, [1, 2, 1, 4]),
    ("uint32 indices", d("float32", [3, 3]), d("uint32", [3, 2]), 1, [3, 2]),
    ("int64 indices", d("int8", [3, 3]), d("int64", [3, 2]), 1, [3, 2]),
    ("throw if input is a scalar", d("float32", []), d("int32", []), None, None),
    ("throw if the axis is greater than the rank of input", d("float32", [1, 2, 3]), d("int32", [1, 2, 3]), 4, None),
    ("throw if the axis equals the rank of input", d("float32", [1, 2, 3]), d("int32", [1, 2, 3]), 3, None),
    ("throw if indices data type is float32", d("float32", [1, 2, 3]), d("float32", [1, 2, 3]), None, None),
    ("throw if indices data type is int8", d("float32", [1, 2, 3]), d("int8", [1, 2, 3]), None, None),
    ("throw if input rank is not equal to indices rank", d("float32", [1, 2, 3]), d("int32", [1, 2]), None, None),
    ("throw if indices shape is incorrect", d("float32", [1, 2, 3, 4]), d("int32", [3, 2, 3, 4]), 3, None),
]


@pytest.mark.parametrize("name,input,indices,axis,out", GATHER_ELEMENTS, ids=[c[0] for c in GATHER_ELEMENTS])
def test_gather_elements(ctx, name, input, indices, axis, out):
    b = webnn.MLGraphBuilder(ctx)
    x, i = b.input("input", input), b.input("indices", indices)
    kw = {} if axis is None else {"axis": axis}
    if out is None:
        with pytest.raises(webnn.ValidationError, match="gatherElements_"):
            b.gather_elements(x, i, label="gatherElements_", **kw)
    else:
        y = b.gather_elements(x, i, **kw)
        assert (y.data_type, list(y.shape)) == (input.data_type, out)


GATHER_ND = [
    ("5D input 3D indices", d("float32", [2, 2, 3, 3, 4]), d("int32", [5, 4, 3]), [5, 4, 3, 4]),
    ("full coordinates", d("float32", [2, 3]), d("int64", [4, 2]), [4]),
    ("throw if input is a scalar", d("float32", []), d("int32", [1, 1, 1]), None),
    ("throw if indices is a scalar", d("float32", [1, 1, 1]), d("int32", []), None),
    ("throw if indices data type is float32", d("float32", [1, 2, 3]), d("float32", [1, 1, 1]), None),
    ("throw if indices.shape[-1] is greater than the input rank", d("float32", [1, 2, 3]), d("int32", [1, 1, 4]), None),
    ("throw if the output rank exceeds the maximum rank", d("float32", [2] * 8), d("int32", [2] * 7 + [1]), None),
    ("throw if the output tensor byte length exceeds limit", d("float32", [2, 2, 3, 3, 4]), d("int32", [(2**31 - 1) // 4, 1, 1]), None),
]


@pytest.mark.parametrize("name,input,indices,out", GATHER_ND, ids=[c[0] for c in GATHER_ND])
def test_gather_nd(ctx, name, input, indices, out):
    b = webnn.MLGraphBuilder(ctx)
    x, i = b.input("input", input), b.input("indices", indices)
    if out is None:
        with pytest.raises(webnn.ValidationError, match="gatherND_"):
            b.gather_nd(x, i, label="gatherND_")
    else:
        y = b.gather_nd(x, i)
        assert (y.data_type, list(y.shape)) == (input.data_type, out)


# (name, input, indices, updates, axis, valid)
SCATTER_ELEMENTS = [
    ("default options", d("float32", [3, 3]), d("int32", [2, 3]), d("float32", [2, 3]), None, True),
    ("axis = 0", d("float32", [3, 3]), d("int32", [2, 3]), d("float32", [2, 3]), 0, True),
    ("axis = 1", d("float32", [3, 3]), d("int32", [3, 2]), d("float32", [3, 2]), 1, True),
    ("throw if axis is greater than input rank", d("float32", [3, 3]), d("int32", [2, 3]), d("float32", [2, 3]), 2, False),
    ("throw if updates data type is not input data type", d("float32", [3, 3]), d("int32", [2, 3]), d("float16", [2, 3]), None, False),
    ("throw if input, indices and updates are scalar", d("float32", []), d("int32", []), d("float32", []), None, False),
    ("throw if indices rank is not the same as input rank", d("float32", [3, 3]), d("int32", [2, 3, 3]), d("float32", [2, 3, 3]), None, False),
    ("throw if indices size differs from input size along axis 1", d("float32", [3, 3]), d("int32", [2, 4]), d("float32", [2, 4]), 0, False),
    ("throw if indices size differs from input size along axis 0", d("float32", [3, 3]), d("int32", [2, 2]), d("float32", [2, 2]), 1, False),
    ("throw if indices rank is not the same as updates rank", d("float32", [3, 3]), d("int32", [2, 3]), d("float32", [2, 3, 3]), None, False),
    ("throw if indices shape is not the same as updates shape", d("float32", [3, 3]), d("int32", [2, 3]), d("float32", [2, 4]), None, False),
    ("throw if indices data type is uint8", d("float32", [3, 3]), d("uint8", [2, 3]), d("float32", [2, 3]), None, False),
]


@pytest.mark.parametrize("name,input,indices,updates,axis,valid", SCATTER_ELEMENTS, ids=[c[0] for c in SCATTER_ELEMENTS])
def test_scatter_elements(ctx, name, input, indices, updates, axis, valid):
    b = webnn.MLGraphBuilder(ctx)
    x, i, u = b.input("input", input), b.input("indices", indices), b.input("updates", updates)
    kw = {} if axis is None else {"axis": axis}
    if valid:
        y = b.scatter_elements(x, i, u, **kw)
        assert (y.data_type, list(y.shape)) == (input.data_type, list(input.shape))
    else:
        with pytest.raises(webnn.ValidationError, match="a_scatter_elements"):
            b.scatter_elements(x, i, u, label="a_scatter_elements", **kw)


SCATTER_ND = [
    ("valid tensors", d("float32", [4, 4, 4]), d("int32", [2, 1]), d("float32", [2, 4, 4]), True),
    ("full coordinates", d("int32", [4, 4]), d("uint32", [3, 2]), d("int32", [3]), True),
    ("throw if updates data type is not input data type", d("float32", [4, 4, 4]), d("int32", [2, 1]), d("float16", [2, 4, 4]), False),
    ("throw if input is a scalar", d("float32", []), d("int32", [2, 1]), d("float32", [2, 4, 4]), False),
    ("throw if indices is a scalar", d("float32", [4, 4, 4]), d("int32", []), d("float32", [2, 4, 4]), False),
    ("throw if indices.shape[-1] is greater than input rank", d("float32", [4, 4, 4]), d("int32", [2, 4]), d("float32", [2, 4, 4]), False),
    ("throw if updates shape is invalid", d("float32", [4, 4, 4]), d("int32", [2, 1]), d("float32", [2, 3, 4]), False),
    ("throw if indices data type is float32", d("float32", [4, 4, 4]), d("float32", [2, 1]), d("float32", [2, 4, 4]), False),
]


@pytest.mark.parametrize("name,input,indices,updates,valid", SCATTER_ND, ids=[c[0] for c in SCATTER_ND])
def test_scatter_nd(ctx, name, input, indices, updates, valid):
    b = webnn.MLGraphBuilder(ctx)
    x, i, u = b.input("input", input), b.input("indices", indices), b.input("updates", updates)
    if valid:
        y = b.scatter_nd(x, i, u)
        assert (y.data_type, list(y.shape)) == (input.data_type, list(input.shape))
    else:
        with pytest.raises(webnn.ValidationError, match="a_scatter_nd"):
            b.scatter_nd(x, i, u, label="a_scatter_nd")


_ARGS = [("gather_elements", 2), ("gather_nd", 2), ("scatter_elements", 3), ("scatter_nd", 3)]


@pytest.mark.parametrize("op,nargs,which", [(op, n, w) for op, n in _ARGS for w in range(n)])
def test_operand_from_another_builder(ctx, op, nargs, which):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    descs = [d("float32", [2, 2]), d("int32", [2, 2] if "elements" in op else [2, 1]), d("float32", [2, 2] if "elements" in op else [2, 2])]
    args = [(other if k == which else b).input(f"x{k}", descs[k]) for k in range(nargs)]
    with pytest.raises(webnn.ValidationError):
        getattr(b, op)(*args)
