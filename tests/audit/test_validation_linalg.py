"""WPT validation cases (webnn/validation_tests: gemm, triangular) for the linear-algebra family:
each bad input must raise webnn.ValidationError, each valid one must build with the spec's output
descriptor."""

from __future__ import annotations

import math

import pytest

import webnn

ALL = list(webnn.DATA_TYPES)
LABEL = "gemm_xxx"


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def d(dt: str, shape: list[int]) -> webnn.MLOperandDescriptor:
    return webnn.MLOperandDescriptor(dt, shape)


F = "float32"
# (name, a, b, options (c as a descriptor), output shape or None)
GEMM = [
    ("default option", d(F, [2, 3]), d(F, [3, 4]), {}, [2, 4]),
    ("throw if a[1] != b[0]", d(F, [2, 3]), d(F, [2, 4]), {}, None),
    ("aTranspose=true", d(F, [2, 3]), d(F, [2, 4]), {"a_transpose": True}, [3, 4]),
    ("throw if a[0] != b[0] with aTranspose=true", d(F, [2, 3]), d(F, [3, 4]), {"a_transpose": True}, None),
    ("bTranspose=true", d(F, [2, 3]), d(F, [4, 3]), {"b_transpose": True}, [2, 4]),
    ("throw if a[1] != b[1] with bTranspose=true", d(F, [2, 3]), d(F, [3, 4]), {"b_transpose": True}, None),
    ("throw if the rank of a is not 2", d(F, [2, 3, 1]), d(F, [2, 4]), {}, None),
    ("throw if the rank of b is not 2", d(F, [2, 4]), d(F, [2, 3, 1]), {}, None),
    ("throw if a is 1-D", d(F, [3]), d(F, [3, 4]), {}, None),
    ("throw if data types of a and b do not match", d(F, [2, 3]), d("float16", [3, 4]), {}, None),
    ("c of shape [4]", d(F, [2, 3]), d(F, [3, 4]), {"c": d(F, [4])}, [2, 4]),
    ("scalar c", d(F, [2, 3]), d(F, [3, 4]), {"c": d(F, [])}, [2, 4]),
    ("c of shape [2, 1]", d(F, [2, 3]), d(F, [3, 4]), {"c": d(F, [2, 1])}, [2, 4]),
    ("throw if c is not unidirectionally broadcastable to the output", d(F, [2, 3]), d(F, [3, 4]), {"c": d(F, [2, 3])}, None),
    ("throw if the input data type is not floating point", d("int32", [2, 3]), d("int32", [3, 4]), {}, None),
    ("throw if c's data type does not match", d(F, [3, 2]), d(F, [4, 3]), {"c": d("float16", [2, 4]), "a_transpose": True, "b_transpose": True}, None),
    ("throw if the rank of c is 3", d(F, [3, 2]), d(F, [4, 3]), {"c": d(F, [2, 3, 4]), "a_transpose": True, "b_transpose": True}, None),
    ("alpha and beta", d("float16", [2, 3]), d("float16", [3, 4]), {"alpha": 2.5, "beta": -1.0}, [2, 4]),
    ("throw if alpha is NaN", d(F, [2, 3]), d(F, [3, 4]), {"alpha": math.nan}, None),
    ("throw if beta is infinite", d(F, [2, 3]), d(F, [3, 4]), {"beta": math.inf}, None),
    ("throw if aTranspose is not a boolean", d(F, [2, 3]), d(F, [3, 4]), {"a_transpose": "yes"}, None),
]


@pytest.mark.parametrize("name,a,b,options,out", GEMM, ids=[c[0] for c in GEMM])
def test_gemm(ctx, name, a, b, options, out):
    bld = webnn.MLGraphBuilder(ctx)
    x, y = bld.input("a", a), bld.input("b", b)
    options = dict(options)
    if "c" in options:
        options["c"] = bld.input("c", options["c"])
    if out is None:
        with pytest.raises(webnn.ValidationError, match=LABEL):
            bld.gemm(x, y, label=LABEL, **options)
    else:
        z = bld.gemm(x, y, **options)
        assert (z.data_type, list(z.shape)) == (a.data_type, out)


@pytest.mark.parametrize("which", ["a", "b", "c"])
def test_gemm_operand_from_another_builder(ctx, which):
    bld, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    ops = {k: (other if k == which else bld).input(k, d(F, [2, 2])) for k in "abc"}
    with pytest.raises(webnn.ValidationError):
        bld.gemm(ops["a"], ops["b"], c=ops["c"])


@pytest.mark.parametrize("dt", ALL)
@pytest.mark.parametrize("shape", [[], [4]])
def test_triangular_rank_less_than_2(ctx, dt, shape):
    b = webnn.MLGraphBuilder(ctx)
    with pytest.raises(webnn.ValidationError, match="triangular_3"):
        b.triangular(b.input("input", d(dt, shape)), label="triangular_3")


@pytest.mark.parametrize("dt", ALL)
def test_triangular_any_data_type(ctx, dt):
    b = webnn.MLGraphBuilder(ctx)
    y = b.triangular(b.input("input", d(dt, [2, 3, 4])), upper=False, diagonal=-2)
    assert (y.data_type, list(y.shape)) == (dt, [2, 3, 4])


@pytest.mark.parametrize("options", [{"diagonal": 2**31}, {"diagonal": 1.5}, {"upper": 1}])
def test_triangular_bad_options(ctx, options):
    b = webnn.MLGraphBuilder(ctx)
    with pytest.raises(webnn.ValidationError):
        b.triangular(b.input("input", d(F, [3, 3])), **options)


def test_triangular_input_from_another_builder(ctx):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    with pytest.raises(webnn.ValidationError):
        b.triangular(other.input("input", d(F, [3, 3])))
