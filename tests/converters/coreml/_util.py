"""Helpers for the CoreML tests: build small graphs, convert, evaluate, compare with ONNX Runtime."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import webnn

CTX = webnn.MLContext(accelerated=False, backend="onnxruntime")


def build(fn: Callable[..., Any], inputs: dict[str, np.ndarray]) -> webnn.MLGraph:
    """A graph with one input per array; ``fn(builder, **operands)`` gives its output(s)."""
    b = webnn.MLGraphBuilder(CTX)
    ops = {n: b.input(n, list(a.shape), a.dtype.name) for n, a in inputs.items()}
    out = fn(b, **ops)
    outs = out if isinstance(out, (list, tuple)) else [out]
    return b.build({f"y{i}": o for i, o in enumerate(outs)})


def const(b: webnn.MLGraphBuilder, value: Any, data_type: str | None = None) -> webnn.MLOperand:
    a = np.asarray(value, dtype=data_type)
    return b.constant(webnn.MLOperandDescriptor(a.dtype.name, list(a.shape)), a)


def evaluate(graph: webnn.MLGraph, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    from webnn.converters.coreml import evaluate as ev

    out = ev(graph.info, inputs)
    return [out[f"y{i}"] for i in range(len(out))]


def ort(graph: webnn.MLGraph, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    out = CTX.compute(graph, inputs)
    return [out[f"y{i}"] for i in range(len(out))]


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    itype = {np.dtype(np.float32): np.int32, np.dtype(np.float16): np.int16}[a.dtype]
    ia, ib = a.view(itype).astype(np.int64), b.view(itype).astype(np.int64)
    mask = (1 << (8 * a.dtype.itemsize - 1)) - 1
    oa = np.where(ia < 0, -(ia & mask), ia)
    ob = np.where(ib < 0, -(ib & mask), ib)
    return np.abs(oa - ob)


def assert_close(actual: np.ndarray, expected: np.ndarray, ulp: int = 0, atol: float = 0.0) -> None:
    """Same dtype/shape; integers exact; floats within ``ulp`` ULPs or ``atol`` (NaN matches NaN)."""
    assert actual is not None, "no value (a MIL op without value inference on the path)"
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if expected.dtype.kind in "iu":
        np.testing.assert_array_equal(actual, expected)
        return
    nan_a, nan_e = np.isnan(actual), np.isnan(expected)
    np.testing.assert_array_equal(nan_a, nan_e)
    a, e = np.where(nan_a, 0, actual), np.where(nan_e, 0, expected)
    a = np.where(a == 0, np.zeros_like(a), a)
    e = np.where(e == 0, np.zeros_like(e), e)
    with np.errstate(invalid="ignore"):
        close = (ulp_distance(a, e) <= ulp) | (np.abs(a.astype(np.float64) - e.astype(np.float64)) <= atol)
    assert close.all(), f"{(~close).sum()} of {close.size} differ; first: got {a[~close][:4]}, expected {e[~close][:4]}"


def same_as_ort(fn: Callable[..., Any], inputs: dict[str, np.ndarray], ulp: int = 0, atol: float = 0.0) -> list[np.ndarray]:
    """Evaluate the CoreML conversion and compare every output with ONNX Runtime's."""
    g = build(fn, inputs)
    got, want = evaluate(g, inputs), ort(g, inputs)
    for a, e in zip(got, want, strict=True):
        assert_close(a, e, ulp, atol)
    return got
