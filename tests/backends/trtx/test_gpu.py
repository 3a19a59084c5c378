"""TensorRT-RTX on a real NVIDIA GPU. Every test here is marked ``gpu`` and skips, with the
probe's reason, where there is no CUDA driver or no supported GPU (see conftest.py)."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

import webnn
from webnn.backends.trtx.cache import EngineCache
from webnn.backends.trtx.options import BuildOptions, Profile
from webnn.backends.trtx.runtime import TrtxRunner
from webnn.backends.trtx.session import open_runner
from webnn.executors import trtx as ex
from webnn.executors.trtx import TrtxInput, run_trtx_with_inputs

from . import models
from .conftest import LIGHT_MODELS, light_input, light_model, light_reference

pytestmark = pytest.mark.gpu


@pytest.fixture(autouse=True)
def _real_runtime(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WEBNN_TRTX_SIMULATE", raising=False)
    yield
    ex.close_all()


def _cuda():
    from webnn.backends.trtx.cuda import CudaApi

    c = CudaApi()
    c.init_context(0)
    return c


@pytest.mark.parametrize("name", LIGHT_MODELS)
def test_light_model_parity_with_onnxruntime(name: str, session_cache_dir) -> None:
    model = light_model(name)
    iname, x = light_input(name)
    (out,) = run_trtx_with_inputs(model, [TrtxInput(iname, x.shape, x)], cache_dir=str(session_cache_dir))
    (ref,) = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {iname: x})
    assert out.data.dtype == ref.dtype and out.data.shape == ref.shape
    # TensorRT-RTX may use TF32 for convolutions/GEMMs on Ampere and newer
    np.testing.assert_allclose(out.data, ref, rtol=2e-2, atol=2e-3)
    np.testing.assert_allclose(out.data, light_reference(name), rtol=2e-2, atol=2e-3)


def test_engine_validity_and_runtime_cache(tmp_path) -> None:
    cache = EngineCache(tmp_path)
    runner, rec = open_runner(light_model("squeezenet"), BuildOptions(), cache=cache, simulate=False, progress=False)
    iname, x = light_input("squeezenet")
    with runner:
        assert runner.validity in ("VALID", "SUBOPTIMAL")
        runner.infer({iname: x})
    rc = cache.load(rec.key, "rtcache")
    assert rc is not None and rc.payload, "the runtime (JIT) cache is persisted next to the engine"
    runner2, rec2 = open_runner(light_model("squeezenet"), BuildOptions(), cache=cache, simulate=False, progress=False)
    with runner2:
        assert rec2.source == "cache" and runner2._rc_digest is not None, "a second runner loads the runtime cache"


def test_dynamic_shapes_three_sizes_one_profile(tmp_path) -> None:
    prof = Profile({"x": ([1, 8], [16, 8], [64, 8])})
    runner, rec = open_runner(models.dynamic_matmul(), BuildOptions(profiles=(prof,)), cache=EngineCache(tmp_path), simulate=False, progress=False)
    sess = ort.InferenceSession(models.dynamic_matmul(), providers=["CPUExecutionProvider"])
    with runner:
        allocs = []
        for n in (64, 1, 16, 64, 16):
            x = np.random.default_rng(n).standard_normal((n, 8)).astype(np.float32)
            y = runner.infer({"x": x})["y"]
            assert y.shape == (n, 16)
            np.testing.assert_allclose(y, sess.run(None, {"x": x})[0], rtol=1e-2, atol=1e-3)
            allocs.append(runner.allocation_count())
        assert len(set(allocs)) == 1, f"buffers sized for 64 rows are reused for 1 and 16: {allocs}"


def test_buffers_reused_and_no_device_memory_growth_over_1000_calls(tmp_path) -> None:
    cuda = _cuda()
    runner, _ = open_runner(light_model("squeezenet"), BuildOptions(), cache=EngineCache(tmp_path), simulate=False, progress=False)
    iname, x = light_input("squeezenet")
    with runner:
        first = runner.infer({iname: x})
        for _ in range(10):
            runner.infer({iname: x})
        allocs = runner.allocation_count()
        free0 = cuda.mem_get_info()[0]
        for _ in range(1000):
            out = runner.infer({iname: x})
        free1 = cuda.mem_get_info()[0]
        assert runner.allocation_count() == allocs
        np.testing.assert_array_equal(next(iter(out.values())), next(iter(first.values())))
    assert free0 - free1 <= 2 << 20, f"device memory shrank by {(free0 - free1) / 2**20:.1f} MiB over 1000 calls"


def test_1000_create_close_cycles(tmp_path) -> None:
    cuda = _cuda()
    runner, rec = open_runner(models.tiny(), BuildOptions(), cache=EngineCache(tmp_path), simulate=False, progress=False)
    runner.close()
    x = np.ones((2, 4), np.float32)
    for _ in range(20):  # warm up allocator pools
        with TrtxRunner(rec.engine) as r:
            r.infer({"x": x})
    free0 = cuda.mem_get_info()[0]
    for _ in range(1000):
        with TrtxRunner(rec.engine) as r:
            y = r.infer({"x": x})["y"]
    free1 = cuda.mem_get_info()[0]
    np.testing.assert_array_equal(y, np.full((2, 4), 3, np.float32))
    assert free0 - free1 <= 16 << 20, f"device memory shrank by {(free0 - free1) / 2**20:.1f} MiB over 1000 create/close cycles"


def test_mlcontext_on_gpu_matches_onnxruntime(cache_dir) -> None:
    ctx = webnn.MLContext(backend="trtx")
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", webnn.MLOperandDescriptor("float32", [3, 5]))
    c = b.constant(np.linspace(-1, 1, 15, dtype=np.float32).reshape(3, 5))
    g = b.build({"y": b.sub(b.mul(x, c), b.min(x, c))})
    assert g.backend == "trtx" and g.simulated is False
    feeds = {"x": np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)}
    out = ctx.compute(g, feeds)
    xx, cc = feeds["x"], np.linspace(-1, 1, 15, dtype=np.float32).reshape(3, 5)
    np.testing.assert_allclose(out["y"], xx * cc - np.minimum(xx, cc), rtol=1e-6, atol=1e-6)


def test_conformance_graphs_on_gpu(tmp_path) -> None:
    """Every conformance case on the GPU, both paths (tests/backends/trtx/conformance.py with simulate=False)."""
    from .conformance import op_files, run_op_file

    problems, ran = [], 0
    for dataset, op_file in op_files():
        r = run_op_file(op_file, dataset, tmp_path / dataset / op_file[:-5], simulate=False)
        ran += r.count("ctx", "engine")
        problems += r.problems()
    assert ran > 0
    assert not problems, f"{len(problems)} conformance cases fail on the GPU:\n" + "\n".join(problems[:50])
