"""The CoreML backend and the seed executor: availability, compute units, selection, and the
host-side I/O path (exercised on any platform with a stand-in for CoreML's MLModel)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import webnn
from webnn.backends import coreml as coreml_backend
from webnn.backends.coreml import CoremlBackend
from webnn.converters import default_registry
from webnn.errors import BackendUnavailable, ValidationError
from webnn.executors import coreml as ex

from converters.coreml._util import build

OFF_MACOS = sys.platform != "darwin"


@pytest.mark.skipif(not OFF_MACOS, reason="checks the behaviour off macOS")
def test_unavailable_off_macos_with_reason():
    ok, why = CoremlBackend.availability()
    assert not ok and "macOS" in why and sys.platform in why
    with pytest.raises(BackendUnavailable, match="CoreML"):
        webnn.MLContext(backend="coreml")


@pytest.mark.skipif(not OFF_MACOS, reason="checks the behaviour off macOS")
@pytest.mark.parametrize("pref", ["default", "low-power", "high-performance"])
def test_never_selected_off_macos(pref):
    ctx = webnn.MLContext(accelerated=True, power_preference=pref)
    assert ctx.backend != "coreml"


def test_availability_reasons(monkeypatch):
    assert ex.availability("linux") == (False, "CoreML needs macOS (this is linux); the CoreML converter still works here")
    import builtins

    real_import = builtins.__import__

    def no_coremltools(name, *a, **k):
        if name == "coremltools" or name.startswith("coremltools."):
            raise ImportError("No module named 'coremltools'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_coremltools)
    ok, why = ex.availability("darwin")
    assert not ok and 'pip install "webnn[coreml]"' in why


@pytest.mark.skipif(not OFF_MACOS, reason="the native bridge exists on macOS")
def test_availability_without_native_bridge():
    ok, why = ex.availability("darwin")  # coremltools is installed here, its CoreML bridge is not (Linux wheel)
    assert not ok and "libcoremlpython" in why


def test_compute_units_from_power_preference():
    assert ex.compute_units_for("low-power") == "CPU_AND_NE"
    assert ex.compute_units_for("high-performance") == "CPU_AND_GPU"
    assert ex.compute_units_for("default") == "ALL"
    assert CoremlBackend("low-power").compute_units == "CPU_AND_NE"
    assert CoremlBackend("high-performance").compute_units == "CPU_AND_GPU"
    assert CoremlBackend().compute_units == "ALL"
    assert CoremlBackend("low-power", compute_units="CPU_ONLY").compute_units == "CPU_ONLY"
    with pytest.raises(ValidationError):
        CoremlBackend(compute_units="NPU")
    with pytest.raises(ValidationError):
        ex.compute_units_for("fast")


@pytest.mark.skipif(not OFF_MACOS, reason="checks the behaviour off macOS")
def test_compile_and_executor_refuse_off_macos():
    g = build(lambda b, x: b.relu(x), {"x": np.zeros(2, np.float32)})
    with pytest.raises(BackendUnavailable, match="macOS"):
        CoremlBackend().compile(g.info)
    data = default_registry().convert(g.info, "coreml").data
    with pytest.raises(BackendUnavailable, match="macOS"):
        ex.run_coreml_with_inputs(data, [ex.CoremlInput("x", [2], np.zeros(2, np.float32))])


class FakeMLModel:
    """Stands in for coremltools.models.MLModel: records predict's features, echoes inputs to outputs."""

    loads = 0

    def __init__(self, path, compute_units):
        from webnn.converters.coreml._mil import ct

        FakeMLModel.loads += 1
        self.spec = ct.utils.load_spec(path)
        self.compute_units = compute_units
        self.fed = None

    def get_spec(self):
        return self.spec

    def predict(self, feed):
        self.fed = feed
        ins = [f.name for f in self.spec.description.input]
        outs = [f.name for f in self.spec.description.output]
        assert set(feed) == set(ins)
        # pairs outputs with inputs by position (a graph without inputs has a placeholder input and no echo);
        # CoreML hands back float32 for int32 features
        return {o: feed[i].astype(np.float32) for o, i in zip(outs, ins, strict=False)}


@pytest.fixture
def fake_coreml(monkeypatch):
    monkeypatch.setattr(coreml_backend, "availability", lambda platform=None: (True, ""))
    monkeypatch.setattr(coreml_backend, "_load_mlmodel", FakeMLModel)
    ex.clear_cache()
    FakeMLModel.loads = 0
    yield
    ex.clear_cache()


@pytest.mark.parametrize("dt", ["float32", "float16", "int32", "int8", "uint8", "int64", "uint32", "uint64"])
def test_host_io_path(fake_coreml, dt):
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=dt)
    g = build(lambda b, x: b.identity(x), {"x": x})
    data = default_registry().convert(g.info, "coreml").data
    out = ex.run_coreml_with_inputs(data, [ex.CoremlInput("x", [2, 3], x)])
    assert [o.name for o in out] == ["y0"]
    assert out[0].data.dtype == np.dtype(dt) and out[0].data.shape == (2, 3)
    np.testing.assert_array_equal(out[0].data, x)
    model = ex.load_model(data)
    fed = model.model.fed["x"]
    assert fed.dtype == {"float32": np.float32, "float16": np.float16}.get(dt, np.int32)
    zeroed = ex.run_coreml_zeroed_cached(data, [ex.CoremlInput("x", [2, 3], None)])
    assert zeroed[0].data_type == dt and zeroed[0].shape == [2, 3]
    assert FakeMLModel.loads == 1  # cached per bytes and compute units


def test_backend_compile_caches_and_runs(fake_coreml):
    x = np.array([1.5, -2.0], np.float32)
    g = build(lambda b, x: b.identity(x), {"x": x})
    backend = CoremlBackend("low-power")
    c1, c2 = backend.compile(g.info), backend.compile(g.info)
    assert c1.backend == "coreml" and c1.compute_units == "CPU_AND_NE"
    assert c1._model is c2._model and FakeMLModel.loads == 1
    assert c1._model.model.compute_units == "CPU_AND_NE"
    np.testing.assert_array_equal(c1.run({"x": x})["y0"], x)
    c1.close()
    with pytest.raises(webnn.errors.CoremlRuntimeFailed, match="destroyed"):
        c1.run({"x": x})
    np.testing.assert_array_equal(c2.run({"x": x})["y0"], x)


def test_executor_validates_inputs(fake_coreml):
    g = build(lambda b, x: b.identity(x), {"x": np.zeros(2, np.float32)})
    data = default_registry().convert(g.info, "coreml").data
    with pytest.raises(ValidationError, match="no input 'z'"):
        ex.run_coreml_with_inputs(data, [ex.CoremlInput("z", [2], np.zeros(2, np.float32))])
    with pytest.raises(ValidationError, match="missing input"):
        ex.run_coreml_with_inputs(data, [])
    with pytest.raises(ValidationError, match="needs 2"):
        ex.run_coreml_with_inputs(data, [ex.CoremlInput("x", [2], np.zeros(3, np.float32))])


def test_executor_rejects_onnx_bytes(fake_coreml):
    g = build(lambda b, x: b.identity(x), {"x": np.zeros(2, np.float32)})
    onnx_bytes = default_registry().convert(g.info, "onnx").data
    with pytest.raises(ValidationError, match="model_bytes is an ONNX model; CoreML runs ML Programs"):
        ex.run_coreml_with_inputs(onnx_bytes, [ex.CoremlInput("x", [2], np.zeros(2, np.float32))])


def test_placeholder_fed_for_graph_without_inputs(fake_coreml):
    from converters.coreml._util import CTX, const

    b = webnn.MLGraphBuilder(CTX)
    g = b.build({"y": b.identity(const(b, np.array([3.0], np.float32)))})
    model = ex.load_model(default_registry().convert(g.info, "coreml").data)
    model.predict({})
    assert set(model.model.fed) == {"placeholder"} and model.model.fed["placeholder"].dtype == np.float16
