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


@functools.lru_cache(maxsize=None)
def original(name: str) -> onnx.ModelProto:
    return onnx.load(str(LIGHT / f"light_{name}.onnx"))


@functools.lru_cache(maxsize=None)
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


@functools.lru_cache(maxsize=None)
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


def _imported(name: str, which: str, ctx: webnn.MLContext) -> np.ndarray:
    m = original(name) if which == "original" else randomized(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = load_model(m, ctx)
    in_name, x = _input(m)
    assert list(graph.input_descriptors) == [in_name]
    try:
        return ctx.compute(graph, {in_name: x})[m.graph.output[0].name], graph
    finally:
        graph.destroy()


@pytest.mark.parametrize("which", ["original", "random-weights"])
@pytest.mark.parametrize("name", MODELS)
def test_onnxruntime(name: str, which: str) -> None:
    ctx = webnn.MLContext(backend="onnxruntime")
    got, _ = _imported(name, which, ctx)
    assert _relative_error(got, onnxruntime_reference(name, which)) <= RTOL


@pytest.mark.parametrize("name", MODELS)
def test_simulated_tensorrt_rtx(name: str) -> None:
    pytest.importorskip("tensorrt_rtx", reason="needs the tensorrt-rtx package (pip install 'webnn[trtx]')")
    ctx = webnn.MLContext(backend="trtx", simulate=True, strict=True)
    got, graph = _imported(name, "random-weights", ctx)
    assert graph.backend == "trtx" and graph.simulated
    assert _relative_error(got, onnxruntime_reference(name, "random-weights")) <= RTOL


@pytest.mark.parametrize("name", MODELS)
def test_converts_to_coreml(name: str) -> None:
    pytest.importorskip("coremltools", reason="needs coremltools (pip install 'webnn[coreml]')")
    from webnn.converters import default_registry

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = load_model(randomized(name), webnn.MLContext(backend="onnxruntime"))
    converted = default_registry().convert(graph.info, "coreml")
    assert converted.format == "coreml"
