"""The 9 real model architectures of onnx/backend/test/data/light/ (in the installed onnx wheel).

Each imports and matches ONNX Runtime running the original ONNX file (relative error
<= 1e-5 in float32) on ONNX Runtime and on the simulated TensorRT-RTX runtime (a real
TensorRT-RTX AOT build, execution on ONNX Runtime), and converts to CoreML (prediction
needs macOS). The light files make every weight with ConstantOfShape (one value per
tensor), which makes most outputs uniform; each model is therefore also run with those
weights replaced by seeded random values, the comparison that can catch a wrong mapping.
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import webnn
from webnn.onnx import load_model

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
MODELS = sorted(p.stem[len("light_"):] for p in LIGHT.glob("light_*.onnx"))
RTOL = 1e-5

pytestmark = pytest.mark.slow


def test_all_nine_models_are_here() -> None:
    assert len(MODELS) == 9, MODELS


@functools.lru_cache(maxsize=1)
def original(name: str) -> onnx.ModelProto:
    return onnx.load(str(LIGHT / f"light_{name}.onnx"))


@functools.lru_cache(maxsize=1)
def randomized(name: str) -> onnx.ModelProto:
    """The model with each ConstantOfShape weight replaced by a seeded random initializer:
    weights of rank >= 2 He-initialised, vectors (biases, BN statistics) scaled by U(0.5, 1.5)."""
    m = onnx.ModelProto()
    m.CopyFrom(original(name))
    rng = np.random.default_rng(sum(map(ord, name)))
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    keep = []
    for node in m.graph.node:
        if node.op_type != "ConstantOfShape":
            keep.append(node)
            continue
        shape = [int(d) for d in inits[node.input[0]]]
        value = float(numpy_helper.to_array(node.attribute[0].t).reshape(-1)[0])
        if len(shape) >= 2:
            arr = rng.standard_normal(shape) * np.sqrt(2.0 / max(1, int(np.prod(shape[1:]))))
        else:
            arr = value * rng.uniform(0.5, 1.5, shape)
        m.graph.initializer.append(numpy_helper.from_array(arr.astype(np.float32), node.output[0]))
    del m.graph.node[:]
    m.graph.node.extend(keep)
    return m


def _input(m: onnx.ModelProto) -> tuple[str, np.ndarray]:
    inits = {t.name for t in m.graph.initializer}
    vi = next(i for i in m.graph.input if i.name not in inits)
    shape = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    return vi.name, np.random.default_rng(0).random(shape).astype(np.float32)


@functools.cache
def onnxruntime_reference(name: str, which: str) -> np.ndarray:
    import onnxruntime as ort

    m = original(name) if which == "original" else randomized(name)
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    in_name, x = _input(m)
    return sess.run(None, {in_name: x})[0]


def _relative_error(got: np.ndarray, ref: np.ndarray) -> float:
    assert got.shape == ref.shape and got.dtype == ref.dtype
    return float(np.abs(got.astype(np.float64) - ref).max() / np.abs(ref).max())


def _run(graph: webnn.MLGraph, m: onnx.ModelProto) -> np.ndarray:
    in_name, x = _input(m)
    assert list(graph.input_descriptors) == [in_name]
    return graph.context.compute(graph, {in_name: x})[m.graph.output[0].name]


@pytest.mark.parametrize("name", MODELS)
def test_light_model(name: str) -> None:
    """ONNX Runtime (original and random weights), simulated TensorRT-RTX, CoreML conversion."""
    ort_ctx = webnn.MLContext(backend="onnxruntime")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = load_model(original(name), ort_ctx)
    assert _relative_error(_run(graph, original(name)), onnxruntime_reference(name, "original")) <= RTOL
    graph.destroy()

    m = randomized(name)
    ref = onnxruntime_reference(name, "random-weights")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = load_model(m, ort_ctx)
    assert _relative_error(_run(graph, m), ref) <= RTOL

    if importlib.util.find_spec("tensorrt_rtx") is not None:
        trtx = webnn.MLContext(backend="trtx", simulate=True, strict=True)
        on_trtx = webnn.MLGraph._create(trtx, graph.info)  # the same imported graph, built for TensorRT-RTX
        assert on_trtx.backend == "trtx" and on_trtx.simulated
        assert _relative_error(_run(on_trtx, m), ref) <= RTOL
        on_trtx.destroy()
    if importlib.util.find_spec("coremltools") is not None:
        from webnn.converters import default_registry

        assert default_registry().convert(graph.info, "coreml").format == "coreml"
    graph.destroy()
    missing = [p for p in ("tensorrt_rtx", "coremltools") if importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"ONNX Runtime checked; {', '.join(missing)} not installed (pip install 'webnn[trtx,coreml]')")
