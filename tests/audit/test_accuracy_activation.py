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


def _gelu64(x: np.ndarray) -> np.ndarray:
    x64 = x.astype(np.float64)
    return 0.5 * x64 * special.erfc(-x64 / math.sqrt(2))


def _ulps(y: np.ndarray, want64: np.ndarray) -> np.ndarray:
    """|y - exact| in units of the spacing of ``y``'s type at the exact value (fractional ULP)."""
    spacing = np.spacing(np.abs(want64.astype(y.dtype))).astype(np.float64)
    spacing = np.maximum(spacing, float(np.finfo(y.dtype).smallest_subnormal))
    return np.abs(y.astype(np.float64) - want64) / spacing


@pytest.mark.parametrize("target", ["onnx", "onnxruntime"])
def test_gelu_dense_grid_within_8_ulp(target):
    """2M points over [-10, 10] plus the tail to -14 and tiny magnitudes, through the converted
    model of each ONNX target: the Where-free form stays within 8 ULP of the exact value."""
    from webnn.backends.onnxruntime import open_session

    x = np.concatenate(
        [np.linspace(-10, 10, 2_000_001), np.linspace(-14, -10, 200_001), np.logspace(-30, 0, 20_001), -np.logspace(-30, 0, 20_001)]
    ).astype(np.float32)
    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    info = b._graph_info({"y": b.gelu(b.input("x", [x.size], "float32"))})
    converted = default_registry().convert(info, target)
    session, _ = open_session(converted.data, external_initializers=converted.metadata.get("external_initializers", {}))
    y = session.run(None, {"x": x})[0]
    u = _ulps(y, _gelu64(x))
    worst = int(np.argmax(u))
    assert u.max() <= 8, f"gelu({x[worst]!r}) = {y[worst]!r}: {u.max():.2f} ULP from {_gelu64(x[worst:worst + 1])[0]!r}"
    assert not np.signbit(y[x > 0]).any()  # the subtraction never crosses zero


def test_gelu_float16_grid(ctx):
    """float16 computes in float32 and rounds once: within 1 ULP of float16 everywhere finite."""
    x = np.arange(-(2**15), 2**15, dtype=np.int32).astype(np.int16).view(np.float16)
    x = x[np.isfinite(x)]
    y = run(ctx, "gelu", x)
    assert ulp(y, _gelu64(x).astype(np.float16)).max() <= 1


def test_gelu_limits(ctx):
    y = run(ctx, "gelu", np.array([np.inf, -np.inf, 0.0, -0.0, 3.4e38, -3.4e38], np.float32))
    assert y[0] == np.inf and y[1] == 0 and y[2] == 0 and y[3] == 0 and y[4] == np.float32(3.4e38) and y[5] == 0
