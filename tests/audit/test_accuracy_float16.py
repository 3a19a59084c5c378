"""float16 accuracy of decompositions that chain several operations (batchNormalization, linear):
computed in float32 and rounded once, they stay within WPT's float16 tolerances (6 and 2 ULP)
even where the final addition cancels."""

from __future__ import annotations

import numpy as np
import pytest

import webnn


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def ulp16(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    ai, ei = a.view(np.int16).astype(np.int64), e.view(np.int16).astype(np.int64)
    return np.abs(np.where(ai < 0, -(ai & 0x7FFF), ai) - np.where(ei < 0, -(ei & 0x7FFF), ei))


def test_batch_normalization_float16(ctx):
    rng = np.random.default_rng(3)
    shape, axis = [4, 3, 8, 5], 1
    x = rng.uniform(-5, 5, shape).astype(np.float16)
    mean, var = rng.uniform(-1, 1, 3).astype(np.float16), rng.uniform(0.1, 2, 3).astype(np.float16)
    scale, bias = rng.uniform(-2, 2, 3).astype(np.float16), rng.uniform(-2, 2, 3).astype(np.float16)
    b = webnn.MLGraphBuilder(ctx)
    y = b.batch_normalization(b.input("x", webnn.MLOperandDescriptor("float16", shape)), b.constant(mean), b.constant(var),
                              scale=b.constant(scale), bias=b.constant(bias), axis=axis, epsilon=1e-3)
    out = ctx.compute(b.build({"y": y}), {"x": x})["y"]
    c = [1, 3, 1, 1]
    eps = float(np.float16(1e-3))
    want = ((x.astype(np.float64) - mean.reshape(c)) / np.sqrt(var.astype(np.float64).reshape(c) + eps) * scale.reshape(c) + bias.reshape(c))
    assert ulp16(out, want.astype(np.float16)).max() <= 6


def test_linear_float16_cancellation(ctx):
    x = np.linspace(-4, 4, 4001).astype(np.float16)
    alpha, beta = 1.7, 2.9
    b = webnn.MLGraphBuilder(ctx)
    y = b.linear(b.input("x", webnn.MLOperandDescriptor("float16", [x.size])), alpha=alpha, beta=beta)
    out = ctx.compute(b.build({"y": y}), {"x": x})["y"]
    want = (x.astype(np.float64) * float(np.float16(alpha)) + float(np.float16(beta))).astype(np.float16)
    assert ulp16(out, want).max() <= 2
