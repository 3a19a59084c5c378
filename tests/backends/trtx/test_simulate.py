"""The simulated runtime: real AOT build and cache, execution of the source ONNX on ONNX Runtime CPU."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

import webnn
from webnn.backends.trtx import TrtxBackend
from webnn.errors import BackendUnavailable, TrtxRuntimeFailed, ValidationError
from webnn.executors import trtx as ex
from webnn.executors.trtx import TrtxInput, run_trtx_with_inputs, run_trtx_zeroed

from . import models
from .conftest import LIGHT_MODELS, light_input, light_model, light_reference


@pytest.fixture(autouse=True)
def _close_runners():
    yield
    ex.close_all()


@pytest.mark.parametrize("name", LIGHT_MODELS)
@pytest.mark.slow
def test_light_model_simulated_equals_onnxruntime(light_engines: dict, session_cache_dir, name: str) -> None:
    model = light_model(name)
    iname, x = light_input(name)
    (out,) = run_trtx_with_inputs(model, [TrtxInput(iname, x.shape, x)], simulate=True, cache_dir=str(session_cache_dir))
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    (ref,) = sess.run(None, {iname: x})
    np.testing.assert_array_equal(out.data, ref)
    assert out.shape == list(ref.shape)
    np.testing.assert_allclose(out.data, light_reference(name), rtol=1e-3, atol=1e-5)


def test_simulated_run_uses_the_cached_engine(cache_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    import webnn.backends.trtx.engines as engines

    builds = []
    real = engines._build
    monkeypatch.setattr(engines, "_build", lambda *a, **k: builds.append(1) or real(*a, **k))
    x = np.ones((2, 4), np.float32)
    for _ in range(3):
        (y,) = run_trtx_with_inputs(models.tiny(), [TrtxInput("x", [2, 4], x)], simulate=True)
        np.testing.assert_array_equal(y.data, np.full((2, 4), 3, np.float32))
    assert len(builds) == 1
    ex.close_all()
    run_trtx_with_inputs(models.tiny(), [TrtxInput("x", [2, 4], x)], simulate=True)  # new runner, cached engine
    assert len(builds) == 1 and ex.cache_info()["entries"] == 1


def test_dynamic_shapes_three_sizes_in_one_profile(cache_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    import webnn.backends.trtx.engines as engines

    builds = []
    real = engines._build
    monkeypatch.setattr(engines, "_build", lambda *a, **k: builds.append(1) or real(*a, **k))
    sess = ort.InferenceSession(models.dynamic_matmul(), providers=["CPUExecutionProvider"])
    prof = [{"x": ([1, 8], [8, 8], [64, 8])}]
    for n in (1, 8, 64):
        x = np.random.default_rng(n).standard_normal((n, 8)).astype(np.float32)
        (y,) = run_trtx_with_inputs(models.dynamic_matmul(), [TrtxInput("x", x.shape, x)], simulate=True, profiles=prof)
        np.testing.assert_array_equal(y.data, sess.run(None, {"x": x})[0])
    assert len(builds) == 1
    with pytest.raises(TrtxRuntimeFailed, match=r"outside the engine's optimization profile \(profile range \[1, 8\] \.\. \[64, 8\]\)"):
        run_trtx_with_inputs(models.dynamic_matmul(), [TrtxInput("x", [65, 8], np.zeros((65, 8), np.float32))], simulate=True, profiles=prof)


def test_default_profile_widens_for_a_larger_shape(cache_dir) -> None:
    for n in (4, 200):
        x = np.ones((n, 8), np.float32)
        (y,) = run_trtx_with_inputs(models.dynamic_matmul(), [TrtxInput("x", x.shape, x)], simulate=True)
        assert y.shape == [n, 16]
    assert ex.cache_info()["entries"] == 2  # the first engine's profile stopped at 64


def test_zeroed_and_dtypes(cache_dir) -> None:
    outs = run_trtx_zeroed(models.int_types(), [TrtxInput("i", [5]), TrtxInput("h", [2, 3])], simulate=True)
    assert [(o.name, o.shape, o.data_type) for o in outs] == [("yi", [5], "int64"), ("yh", [2, 3], "float16")]
    (yi, yh) = run_trtx_with_inputs(
        models.int_types(), [TrtxInput("i", [5], [1, 2, 3, 4, 5]), TrtxInput("h", [2, 3], np.full(6, 3, np.float16))], simulate=True
    )
    # Python lists take the model's input type; arrays must already have it
    np.testing.assert_array_equal(yi.data, np.arange(8, 13))
    np.testing.assert_array_equal(yh.data, np.full((2, 3), 9, np.float16))


def test_executor_validation(cache_dir) -> None:
    x = np.ones((2, 4), np.float32)
    with pytest.raises(ValidationError, match="unknown input"):
        run_trtx_with_inputs(models.tiny(), [TrtxInput("x", [2, 4], x), TrtxInput("z", [1], [0.0])], simulate=True)
    with pytest.raises(ValidationError, match="missing input"):
        run_trtx_with_inputs(models.tiny(), [], simulate=True)
    with pytest.raises(ValidationError, match="dtype float64"):
        run_trtx_with_inputs(models.tiny(), [TrtxInput("x", [2, 4], x.astype(np.float64))], simulate=True)
    with pytest.raises(ValidationError, match="8 elements"):
        run_trtx_with_inputs(models.tiny(), [TrtxInput("x", [3, 4], x)], simulate=True)


@pytest.mark.skipif(TrtxBackend.availability(simulate=False).ok, reason="TensorRT-RTX runs on this machine's GPU; the refusal is for machines where it cannot")
def test_without_gpu_and_without_simulation_refuses_clearly(cache_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBNN_TRTX_SIMULATE", raising=False)
    with pytest.raises(BackendUnavailable, match="WEBNN_TRTX_SIMULATE=1"):
        run_trtx_with_inputs(models.tiny(), [TrtxInput("x", [2, 4], np.ones((2, 4), np.float32))])


def _graph(ctx: webnn.MLContext) -> webnn.MLGraph:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", webnn.MLOperandDescriptor("float32", [3, 5]))
    h = b.input("h", webnn.MLOperandDescriptor("float16", [3, 5]))
    c = b.constant(np.linspace(-1, 1, 15, dtype=np.float32).reshape(3, 5))
    return b.build(
        {"y": b.sub(b.mul(x, c), b.min(x, c)), "p": b.pow(h, h), "i": b.add(b.constant(np.arange(4, dtype=np.int32)), b.constant(np.ones(4, np.int32)))}
    )


def test_mlcontext_simulated_equals_onnxruntime(cache_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNN_TRTX_SIMULATE", "1")
    ctx = webnn.MLContext(backend="trtx")
    assert ctx.backend == "trtx" and "simulated" in ctx._backend.describe()
    g = _graph(ctx)
    assert g.backend == "trtx" and g.simulated is True and g._compiled.engine_source == "built"
    feeds = {"x": np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32), "h": np.full((3, 5), 1.5, np.float16)}
    out = ctx.compute(g, feeds)
    cpu = webnn.MLContext(accelerated=False)
    ref = cpu.compute(_graph(cpu), feeds)
    for k in ref:
        assert out[k].dtype == ref[k].dtype
        np.testing.assert_array_equal(out[k], ref[k])
    # a second graph with the same content: engine from the cache, built once per graph
    g2 = _graph(ctx)
    assert g2._compiled.engine_source == "cache"
    g.destroy()
    with pytest.raises(webnn.InvalidStateError):
        ctx.compute(g, feeds)


def test_backend_options_direct(cache_dir, tmp_path) -> None:
    ok, why = TrtxBackend.availability(simulate=True)
    assert ok and why == ""
    be = TrtxBackend(simulate=True, cache_dir=str(tmp_path / "own"), workspace=16 << 20)
    cpu = webnn.MLContext(accelerated=False)
    info = _graph(cpu).info
    cg = be.compile(info)
    assert cg.simulated and cg.backend == "trtx" and cg.record.options.workspace == 16 << 20
    assert (tmp_path / "own" / "trtx" / f"{cg.record.key}.engine").exists()
    cg.close()
    assert TrtxBackend(simulate=True, cache=False).compile(info).record.cache is None


def test_simulation_is_never_automatic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBNN_TRTX_SIMULATE", raising=False)
    if TrtxBackend.availability(simulate=False).ok:
        pytest.skip("a supported GPU is present: the real runtime is available")
    ok, why = TrtxBackend.availability()
    assert not ok and "simulate=True" in why
    ctx = webnn.MLContext(accelerated=True, power_preference="high-performance")
    assert ctx.backend != "trtx"


def test_output_named_like_an_input(cache_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    # WebNN allows an output to share an input's name; ONNX does not (the converter renames it).
    monkeypatch.setenv("WEBNN_TRTX_SIMULATE", "1")
    ctx = webnn.MLContext(backend="trtx")
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", webnn.MLOperandDescriptor("float32", [2]))
    g = b.build({"x": b.add(x, x)})
    np.testing.assert_array_equal(ctx.compute(g, {"x": np.array([1, 2], np.float32)})["x"], [2, 4])
