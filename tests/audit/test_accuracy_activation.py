"""Accuracy of elu and gelu where the direct formulas cancel (found auditing against WPT's
18-ULP tolerance): exp(x) - 1 for small |x| (elu) and 1 + erf(x / sqrt(2)) for x < -1 (gelu)."""

from __future__ import annotations

import math

import numpy as np
import onnx
import pytest
from scipy import special

import webnn
from webnn.converters import default_registry


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def ulp(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    it, mask = (np.int32, 0x7FFFFFFF) if a.dtype == np.float32 else (np.int16, 0x7FFF)
    ai, ei = a.view(it).astype(np.int64), e.view(it).astype(np.int64)
    ai = np.where(ai < 0, -(ai & mask), ai)
    ei = np.where(ei < 0, -(ei & mask), ei)
    return np.abs(ai - ei)


def run(ctx, op, x, **kw):
    b = webnn.MLGraphBuilder(ctx)
    g = b.build({"y": getattr(b, op)(b.input("x", webnn.MLOperandDescriptor(str(x.dtype), list(x.shape))), **kw)})
    onnx.checker.check_model(onnx.load_from_string(default_registry().convert(g.info, "onnx").data), full_check=True)
    return ctx.compute(g, {"x": x})["y"]


@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_elu_small_negative_inputs(ctx, dt):
    x = np.concatenate([-np.logspace(-7, 1.5, 4000), np.linspace(-3, 3, 601), [0.0, np.inf, -np.inf]]).astype(dt)
    for alpha in (1.0, 0.5):
        y = run(ctx, "elu", x, alpha=alpha)
        a = float(np.array(alpha, dt))
        want = np.where(x > 0, x.astype(np.float64), a * np.expm1(x.astype(np.float64))).astype(dt)
        assert ulp(y, want).max() <= 18  # WPT's elu tolerance


@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_gelu_negative_tail(ctx, dt):
    x = np.linspace(-12, 8, 8001).astype(dt)
    y = run(ctx, "gelu", x)
    x64 = x.astype(np.float64)
    want = (0.5 * x64 * special.erfc(-x64 / math.sqrt(2))).astype(dt)
    assert ulp(y, want).max() <= 18  # WPT's gelu tolerance
    assert np.isnan(run(ctx, "gelu", np.array([np.nan], dt))).all()
