"""WPT validation cases (webnn/validation_tests: batchNormalization, instanceNormalization,
layerNormalization) for the normalization family, checked against the spec's steps."""

from __future__ import annotations

import math

import pytest

import webnn

F32, F16 = "float32", "float16"


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def inp(b: webnn.MLGraphBuilder, dt: str, shape: list[int]) -> webnn.MLOperand:
    inp.n = getattr(inp, "n", 0) + 1
    return b.input(f"x{inp.n}", webnn.MLOperandDescriptor(dt, shape))


def operand_options(b: webnn.MLGraphBuilder, options: dict) -> dict:
    return {k: inp(b, *v) if k in ("scale", "bias") else v for k, v in options.items()}


BATCH = [  # (input, mean, variance, options, ok) - WPT batchNormalization.https.any.js
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F32, [2]), {}, True),
    ((F32, [1, 2, 5, 5]), (F32, [5]), (F32, [5]), {"axis": 2, "epsilon": 1e-4}, True),
    ((F16, [2]), (F16, [2]), (F16, [2]), {"axis": 0, "scale": (F16, [2]), "bias": (F16, [2])}, True),
    ((F32, [1, 2, 5, 5]), (F32, [5]), (F32, [5]), {"axis": 3, "epsilon": 0}, True),
    ((F32, [1, 2, 5, 5]), (F32, [5]), (F32, [5]), {"axis": 3, "epsilon": -1e-5}, True),  # any finite double
    (("int32", [1, 2, 5, 5]), ("int32", [2]), ("int32", [2]), {}, False),
    ((F32, [1, 2, 5, 5]), (F16, [2]), (F32, [2]), {}, False),
    ((F32, [1, 2, 5, 5]), (F32, [1, 2]), (F32, [2]), {}, False),
    ((F32, [1, 2, 5, 5]), (F32, [3]), (F32, [2]), {"axis": 1}, False),
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F16, [2]), {}, False),
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F32, [2, 2]), {}, False),
    ((F32, [1, 2, 5, 5]), (F32, [5]), (F32, [2]), {"axis": 2}, False),
    ((F16, [1, 2, 5, 5]), (F16, [2]), (F16, [2]), {"scale": (F32, [2])}, False),
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F32, [2]), {"scale": (F32, [2, 1])}, False),
    ((F32, [1, 2, 5, 5]), (F32, [5]), (F32, [5]), {"axis": 2, "scale": (F32, [2])}, False),
    ((F16, [1, 2, 5, 5]), (F16, [2]), (F16, [2]), {"bias": (F32, [2])}, False),
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F32, [2]), {"bias": (F32, [2, 1])}, False),
    ((F32, [1, 2, 5, 5]), (F32, [5]), (F32, [5]), {"axis": 2, "bias": (F32, [2])}, False),
    ((F32, [1, 2, 5, 5]), (F32, [5]), (F32, [5]), {"axis": 4}, False),
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F32, [2]), {"axis": -1}, False),
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F32, [2]), {"axis": 1.0}, False),
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F32, [2]), {"epsilon": math.nan}, False),
    ((F32, [1, 2, 5, 5]), (F32, [2]), (F32, [2]), {"epsilon": math.inf}, False),
    ((F32, []), (F32, [1]), (F32, [1]), {"axis": 0}, False),  # input rank >= 1
]


@pytest.mark.parametrize("x,mean,var,options,ok", BATCH)
def test_batch_normalization(ctx, x, mean, var, options, ok):
    b = webnn.MLGraphBuilder(ctx)
    args = (inp(b, *x), inp(b, *mean), inp(b, *var))
    opts = operand_options(b, options)
    if ok:
        y = b.batch_normalization(*args, **opts)
        assert (y.data_type, list(y.shape)) == x
    else:
        with pytest.raises(webnn.ValidationError, match="batch_normalization"):
            b.batchNormalization(*args, {**opts, "label": "batchNormalization_?_123"})


@pytest.mark.parametrize("which", ["input", "mean", "variance", "scale", "bias"])
def test_batch_normalization_operand_from_another_builder(ctx, which):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    pick = lambda n, shape: inp(other if which == n else b, F32, shape)  # noqa: E731
    args = (pick("input", [2, 2]), pick("mean", [2]), pick("variance", [2]))
    opts = {n: pick(n, [2]) for n in ("scale", "bias") if n == which}
    with pytest.raises(webnn.ValidationError):
        b.batch_normalization(*args, **opts)


INSTANCE = [  # (input, options, ok) - WPT instanceNormalization.https.any.js
    ((F32, [1, 2, 3, 4]), {}, True),
    ((F32, [1, 2, 3, 4]), {"scale": (F32, [2]), "bias": (F32, [2]), "epsilon": 1e-5}, True),
    ((F32, [1, 2, 3, 4]), {"epsilon": 1e-4}, True),
    ((F32, [1, 2, 3, 4]), {"layout": "nhwc", "scale": (F32, [4]), "bias": (F32, [4])}, True),
    ((F16, [1, 2, 3, 4]), {}, True),
    ((F32, [1, 2, 5, 5, 2]), {}, False),
    ((F32, [2, 5, 5]), {}, False),
    (("int32", [1, 2, 5, 5]), {}, False),
    ((F16, [1, 2, 5, 5]), {"scale": (F32, [2])}, False),
    ((F32, [1, 2, 5, 5]), {"scale": (F32, [2, 1])}, False),
    ((F32, [1, 2, 5, 5]), {"layout": "nhwc", "scale": (F32, [2])}, False),
    ((F32, [1, 5, 5, 2]), {"layout": "nchw", "scale": (F32, [2])}, False),
    ((F16, [1, 2, 5, 5]), {"bias": (F32, [2])}, False),
    ((F32, [1, 2, 5, 5]), {"bias": (F32, [2, 1])}, False),
    ((F32, [1, 2, 5, 5]), {"layout": "nhwc", "bias": (F32, [2])}, False),
    ((F32, [1, 5, 5, 2]), {"layout": "nchw", "bias": (F32, [2])}, False),
    ((F32, [1, 2, 5, 5]), {"layout": "NCHW"}, False),
    ((F32, [1, 2, 5, 5]), {"layout": "nchw2"}, False),
    ((F32, [1, 2, 5, 5]), {"epsilon": math.nan}, False),
    ((F32, [1, 2, 5, 5]), {"epsilon": -math.inf}, False),
]


@pytest.mark.parametrize("x,options,ok", INSTANCE)
def test_instance_normalization(ctx, x, options, ok):
    b = webnn.MLGraphBuilder(ctx)
    xin, opts = inp(b, *x), operand_options(b, options)
    if ok:
        y = b.instance_normalization(xin, **opts)
        assert (y.data_type, list(y.shape)) == x
    else:
        with pytest.raises(webnn.ValidationError, match="instance_normalization"):
            b.instanceNormalization(xin, {**opts, "label": "instance_normalization"})


@pytest.mark.parametrize("which", ["input", "scale", "bias"])
def test_instance_normalization_operand_from_another_builder(ctx, which):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    pick = lambda n, shape: inp(other if which == n else b, F32, shape)  # noqa: E731
    opts = {n: pick(n, [2]) for n in ("scale", "bias") if n == which}
    with pytest.raises(webnn.ValidationError):
        b.instance_normalization(pick("input", [2, 2, 2, 2]), **opts)


LAYER = [  # (input, options, ok) - WPT layerNormalization.https.any.js
    ((F32, []), {}, True),
    ((F16, []), {}, True),
    ((F32, [5]), {}, True),  # rank 1: default axes is empty
    ((F32, [1, 2, 3, 4]), {"axes": [3]}, True),
    ((F32, [1, 2, 3, 4]), {"scale": (F32, [2, 3, 4])}, True),
    ((F32, [1, 2, 3, 4]), {"epsilon": 1e-4}, True),
    ((F32, [1, 2, 3, 4]), {"scale": (F32, [3, 4]), "bias": (F32, [3, 4]), "axes": [2, 3]}, True),
    ((F32, [1, 2, 3, 4, 5, 6]), {"scale": (F32, [2, 4, 6]), "bias": (F32, [2, 4, 6]), "axes": [1, 3, 5]}, True),
    ((F32, [1, 2, 3, 4, 5, 6]), {"scale": (F32, [6, 5, 4, 3, 2]), "bias": (F32, [6, 5, 4, 3, 2]), "axes": [5, 4, 3, 2, 1]}, True),
    ((F32, [1, 2, 3, 4]), {"axes": [], "scale": (F32, []), "bias": (F32, [])}, True),
    (("uint32", [1, 2, 3, 4]), {}, False),
    ((F32, [1, 2, 3, 4]), {"axes": [1, 2, 4]}, False),
    ((F32, [1, 2, 3, 4]), {"axes": [3, 3]}, False),
    ((F32, [1, 2, 3, 4]), {"axes": [-1]}, False),
    ((F32, [1, 2, 3, 4]), {"axes": [1.0]}, False),
    ((F32, [1, 2, 3, 4]), {"axes": 1}, False),
    ((F32, [1, 2, 3, 4]), {"scale": (F32, [3, 4]), "bias": (F16, [3, 4]), "axes": [2, 3]}, False),
    ((F32, [1, 2, 3, 4]), {"scale": (F16, [3, 4]), "bias": (F32, [3, 4]), "axes": [2, 3]}, False),
    ((F32, [1, 2, 3, 4]), {"bias": (F32, [3, 3, 4])}, False),
    ((F32, [1, 2, 3, 4]), {"scale": (F32, [3, 3, 4])}, False),
    ((F32, [1, 2, 3, 4]), {"bias": (F32, [1, 2, 3, 4])}, False),
    ((F32, [1, 2, 3, 4]), {"scale": (F32, [1, 2, 3, 4])}, False),
    ((F32, [1, 2, 3, 4]), {"epsilon": math.nan}, False),
]


@pytest.mark.parametrize("x,options,ok", LAYER)
def test_layer_normalization(ctx, x, options, ok):
    b = webnn.MLGraphBuilder(ctx)
    xin, opts = inp(b, *x), operand_options(b, options)
    if ok:
        y = b.layer_normalization(xin, **opts)
        assert (y.data_type, list(y.shape)) == x
    else:
        with pytest.raises(webnn.ValidationError, match="layer_normalization"):
            b.layerNormalization(xin, {**opts, "label": "layer_normalization"})


@pytest.mark.parametrize("which", ["input", "scale", "bias"])
def test_layer_normalization_operand_from_another_builder(ctx, which):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    pick = lambda n: inp(other if which == n else b, F32, [2, 2])  # noqa: E731
    opts = {n: pick(n) for n in ("scale", "bias") if n == which}
    with pytest.raises(webnn.ValidationError):
        b.layer_normalization(pick("input"), axes=[0, 1], **opts)
