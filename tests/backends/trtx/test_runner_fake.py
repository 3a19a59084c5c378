"""The GPU runner's logic on CPU, against in-memory CUDA/TensorRT stand-ins (tests/backends/trtx/fakes.py).

These do not claim GPU execution (that is test_gpu.py): they check what the runner itself
does with shapes, buffers, the output allocator, the runtime cache and release order, with
every copy bounds-checked against live allocations.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import onnxruntime as ort
import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

import tensorrt_rtx as trt

from webnn.backends.trtx.cache import EngineCache
from webnn.backends.trtx.engines import EngineRecord, get_engine
from webnn.backends.trtx.options import BuildOptions, Profile
from webnn.backends.trtx.runtime import EngineInvalid, TrtxRunner
from webnn.backends.trtx.session import open_runner, runtime_cache_io
from webnn.devices import GpuInfo
from webnn.errors import TrtxRuntimeFailed

from . import models
from .fakes import FakeCuda, FakeRuntime


def ort_run(model: bytes, feed: dict) -> dict:
    s = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in s.get_outputs()], s.run(None, feed), strict=True))


@pytest.fixture(scope="module")
def dyn_record(tmp_path_factory: pytest.TempPathFactory) -> EngineRecord:
    opts = BuildOptions(profiles=(Profile({"x": ([1, 8], [4, 8], [32, 8])}),))
    return get_engine(models.dynamic_matmul(), opts, cache=EngineCache(tmp_path_factory.mktemp("fake")), progress=False)


@pytest.fixture(scope="module")
def tiny_record() -> EngineRecord:
    return get_engine(models.tiny(), progress=False)


def runner_for(record: EngineRecord, cuda: FakeCuda | None = None, **kw) -> tuple[TrtxRunner, FakeCuda, FakeRuntime]:
    cuda = cuda or FakeCuda()
    rt = FakeRuntime(cuda, record, kw.pop("validity", None))
    return TrtxRunner(record.engine, label=record.label, cuda=cuda, runtime=rt, **kw), cuda, rt


def test_outputs_match_onnxruntime(tiny_record: EngineRecord) -> None:
    r, cuda, rt = runner_for(tiny_record)
    with r:
        x = np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4)
        out = r.infer({"x": x})
        np.testing.assert_array_equal(out["y"], ort_run(tiny_record.onnx, {"x": x})["y"])
        assert rt.checks == 1, "the engine-validity check runs before deserialization"
        assert r.simulated is False and r.validity == "VALID"
    assert not cuda.device_mem and not cuda.host_mem and not cuda.streams


def test_buffers_reused_across_calls(tiny_record: EngineRecord) -> None:
    r, cuda, _ = runner_for(tiny_record)
    with r:
        rng = np.random.default_rng(1)
        r.infer({"x": rng.standard_normal((2, 4)).astype(np.float32)})
        allocs, mallocs = r.allocation_count(), cuda.mallocs + cuda.host_mallocs
        for _ in range(50):
            x = rng.standard_normal((2, 4)).astype(np.float32)
            np.testing.assert_array_equal(r.infer({"x": x})["y"], np.maximum(x * 2 + 1, 0))
        assert r.allocation_count() == allocs and cuda.mallocs + cuda.host_mallocs == mallocs
        assert cuda.syncs >= 51  # one synchronize per call


def test_dynamic_shapes_three_sizes_grow_only_when_needed(dyn_record: EngineRecord) -> None:
    r, cuda, _ = runner_for(dyn_record)
    ref = ort.InferenceSession(dyn_record.onnx, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(2)
    with r:
        allocs = []
        for n in (4, 32, 1, 32, 4):
            x = rng.standard_normal((n, 8)).astype(np.float32)
            y = r.infer({"x": x})["y"]
            assert y.shape == (n, 16)
            np.testing.assert_allclose(y, ref.run(None, {"x": x})[0], rtol=1e-6, atol=1e-6)
            allocs.append(r.allocation_count())
        # growing 4 -> 32 allocates; shrinking to 1 and growing back to 32 reuses
        assert allocs[1] > allocs[0] and allocs[2] == allocs[1] == allocs[3] == allocs[4]
        with pytest.raises(TrtxRuntimeFailed, match=r"outside the engine's optimization profile \(profile range \[1, 8\] \.\. \[32, 8\]\)"):
            r.infer({"x": np.zeros((33, 8), np.float32)})
        # the runner is still usable after a refused shape
        assert r.infer({"x": np.ones((2, 8), np.float32)})["y"].shape == (2, 16)


def test_no_leak_over_1000_calls(dyn_record: EngineRecord) -> None:
    r, cuda, _ = runner_for(dyn_record)
    x = np.ones((8, 8), np.float32)
    with r:
        r.infer({"x": x})
        live, n = cuda.live_bytes(), len(cuda.host_mem)
        free0 = cuda.mem_get_info()[0]
        for _ in range(1000):
            r.infer({"x": x})
        assert cuda.live_bytes() == live and len(cuda.host_mem) == n and cuda.mem_get_info()[0] == free0
        assert r.calls == 1001


@pytest.mark.slow
def test_1000_create_close_cycles_release_everything(tiny_record: EngineRecord) -> None:
    cuda = FakeCuda()
    x = np.ones((2, 4), np.float32)
    for _ in range(1000):
        r, _, _ = runner_for(tiny_record, cuda)
        with r:
            r.infer({"x": x})
    assert not cuda.device_mem and not cuda.host_mem and not cuda.streams
    assert cuda.mallocs == cuda.frees and cuda.host_mallocs == cuda.host_frees


def test_close_is_idempotent_and_final(tiny_record: EngineRecord) -> None:
    r, cuda, _ = runner_for(tiny_record)
    r.activate()
    r.close()
    r.close()
    with pytest.raises(TrtxRuntimeFailed, match="closed"):
        r.infer({"x": np.zeros((2, 4), np.float32)})
    assert not cuda.device_mem and not cuda.streams


def test_garbage_collection_releases(tiny_record: EngineRecord) -> None:
    import gc

    cuda = FakeCuda()
    r, _, _ = runner_for(tiny_record, cuda)
    r.infer({"x": np.zeros((2, 4), np.float32)})  # activates lazily
    assert cuda.streams
    del r
    gc.collect()
    assert not cuda.device_mem and not cuda.host_mem and not cuda.streams


def test_deactivate_then_reactivate(tiny_record: EngineRecord) -> None:
    r, cuda, rt = runner_for(tiny_record)
    x = np.ones((2, 4), np.float32)
    r.activate()
    a = r.infer({"x": x})["y"]
    r.deactivate()
    assert not cuda.device_mem
    np.testing.assert_array_equal(r.infer({"x": x})["y"], a)
    assert rt.contexts == 2
    r.close()


def test_input_validation(tiny_record: EngineRecord) -> None:
    r, _, _ = runner_for(tiny_record)
    with r:
        with pytest.raises(TrtxRuntimeFailed, match="missing input 'x'"):
            r.infer({})
        with pytest.raises(TrtxRuntimeFailed, match="dtype float64"):
            r.infer({"x": np.zeros((2, 4))})
        with pytest.raises(TrtxRuntimeFailed, match=r"shape \[3, 4\], the engine expects \[2, 4\]"):
            r.infer({"x": np.zeros((3, 4), np.float32)})


def test_mixed_dtypes() -> None:
    rec = get_engine(models.int_types(), progress=False)
    r, _, _ = runner_for(rec)
    feed = {"i": np.arange(5, dtype=np.int32), "h": np.full((2, 3), 1.5, np.float16)}
    with r:
        out = r.infer(feed)
    ref = ort_run(rec.onnx, feed)
    for k in ("yi", "yh"):
        assert out[k].dtype == ref[k].dtype
        np.testing.assert_array_equal(out[k], ref[k])


def test_data_dependent_output_goes_through_output_allocator(tiny_record: EngineRecord) -> None:
    # TensorRT-RTX's parser has no NonZero without plugins, so the record is assembled by hand:
    # the IO table says the output shape is [2, -1], which the runner must learn from notify_shape.
    from webnn.backends.trtx.loaders import TensorSpec

    meta = dict(tiny_record.meta, io={"inputs": [TensorSpec("x", "float32", (3, 4)).to_json()], "outputs": [TensorSpec("y", "int64", (2, -1)).to_json()]})
    rec = dataclasses.replace(tiny_record, onnx=models.nonzero(), meta=meta)
    r, cuda, _ = runner_for(rec)
    with r:
        for k in (1, 5, 12, 0, 5):
            x = np.zeros((3, 4), np.float32)
            x.flat[:k] = 1
            y = r.infer({"x": x})["y"]
            np.testing.assert_array_equal(y, np.array(np.nonzero(x), dtype=np.int64))
        assert r.allocation_count() <= 6


def test_runtime_cache_persisted_and_reloaded(tmp_path, tiny_record: EngineRecord) -> None:
    cache = EngineCache(tmp_path)
    io = runtime_cache_io(cache, tiny_record, "fake GPU")
    r, _, rt = runner_for(tiny_record, runtime_cache=io)
    with r:
        r.infer({"x": np.zeros((2, 4), np.float32)})
        assert cache.load(tiny_record.key, "rtcache") is not None, "saved after the first inference"
        r.infer({"x": np.zeros((2, 4), np.float32)})
    entry = cache.load(tiny_record.key, "rtcache")
    assert entry.payload == b"FAKERC" + (2).to_bytes(4, "little") and entry.meta["gpu"] == "fake GPU"
    r2, _, _ = runner_for(tiny_record, runtime_cache=io)
    with r2:
        assert r2._rcache.loaded and r2._rcache.entries == 2
    # a corrupted runtime cache file is discarded, never handed to TensorRT
    p = cache.path(tiny_record.key, "rtcache")
    p.write_bytes(p.read_bytes()[:-3])
    r3, _, _ = runner_for(tiny_record, runtime_cache=io)
    with r3:
        assert not r3._rcache.loaded
    assert any(k == "rtcache" for _, k, _ in cache.discards)


def test_invalid_engine_is_refused(tiny_record: EngineRecord) -> None:
    bad = (trt.EngineValidity.INVALID, int(trt.EngineInvalidityDiagnostics.MALFORMED_ENGINE))
    r, cuda, rt = runner_for(tiny_record, validity=[bad])
    with pytest.raises(EngineInvalid, match="MALFORMED_ENGINE") as e:
        r.activate()
    assert e.value.diagnostics == ["MALFORMED_ENGINE"] and rt.contexts == 0
    assert not cuda.device_mem and not cuda.streams


def test_session_rebuilds_a_cached_engine_the_gpu_rejects(tmp_path) -> None:
    cache = EngineCache(tmp_path)
    rec = get_engine(models.tiny(3.0), cache=cache, progress=False)
    cuda = FakeCuda()
    bad = (trt.EngineValidity.INVALID, int(trt.EngineInvalidityDiagnostics.MALFORMED_ENGINE))
    rt = FakeRuntime(cuda, rec, [bad])
    runner, rec2 = open_runner(models.tiny(3.0), BuildOptions(), cache=cache, simulate=False, cuda=cuda, runtime=rt, progress=False)
    with runner:
        assert rec2.source == "built" and rt.checks == 2
        np.testing.assert_array_equal(runner.infer({"x": np.ones((2, 4), np.float32)})["y"], np.full((2, 4), 4, np.float32))
    assert any("invalid on this GPU: MALFORMED_ENGINE" in why for _, _, why in cache.discards)
    # a freshly built engine that is still invalid is an error, not a loop
    rt = FakeRuntime(cuda, rec, [bad, bad])
    with pytest.raises(EngineInvalid):
        open_runner(models.tiny(3.0), BuildOptions(), cache=cache, simulate=False, cuda=cuda, runtime=rt, progress=False)
    assert rt.checks == 2


@pytest.mark.parametrize(
    "gpu,first,rebuilt",
    [
        (GpuInfo(0, "NVIDIA GeForce RTX 4090", (8, 9)), (), ("current",)),  # supported: one rebuild for the current GPU
        (GpuInfo(0, "NVIDIA H200", (9, 0)), (), None),  # not supported by TensorRT-RTX: no "current" build to try
        (None, (), None),  # GPU unknown: no guess either
        (GpuInfo(0, "Quadro RTX 6000", (7, 5)), ("SM75",), None),  # older than the portable build: targeted by name
    ],
)
def test_rebuild_for_the_current_gpu_only_when_tensorrt_rtx_supports_it(tiny_record: EngineRecord, monkeypatch, gpu, first, rebuilt) -> None:
    from webnn.backends.trtx import session

    built = []

    def get_engine(onnx_bytes, options, **kw):
        built.append(options.compute_capabilities)
        return tiny_record

    monkeypatch.setattr(session, "get_engine", get_engine)
    cuda = FakeCuda()
    unsupported = (trt.EngineValidity.INVALID, int(trt.EngineInvalidityDiagnostics.UNSUPPORTED_CC))
    rt = FakeRuntime(cuda, tiny_record, [unsupported])
    if rebuilt is None:
        with pytest.raises(EngineInvalid, match="UNSUPPORTED_CC"):
            open_runner(models.tiny(), BuildOptions(), cache=None, simulate=False, gpu=gpu, cuda=cuda, runtime=rt, progress=False)
        assert built == [first]
    else:
        runner, _ = open_runner(models.tiny(), BuildOptions(), cache=None, simulate=False, gpu=gpu, cuda=cuda, runtime=rt, progress=False)
        with runner:
            assert runner.infer({"x": np.ones((2, 4), np.float32)})["y"].shape == (2, 4)
        assert built == [first, rebuilt]
    assert not cuda.device_mem and not cuda.streams


def test_both_runners_implement_the_runner_protocol(tiny_record: EngineRecord) -> None:
    from webnn.backends import Runner
    from webnn.backends.trtx.simulate import SimulatedRunner

    members = {n for n in vars(Runner) if not n.startswith("_")} | set(Runner.__annotations__) | {"__enter__", "__exit__"}
    gpu, _, _ = runner_for(tiny_record)
    sim = SimulatedRunner(tiny_record)
    for r in (gpu, sim):
        missing = sorted(m for m in members if not hasattr(r, m))
        assert not missing, f"{type(r).__name__} lacks {missing}"
    assert (gpu.simulated, sim.simulated) == (False, True) and sim.device is None and sim.stream_handle() is None
    with sim:
        x = np.ones((2, 4), np.float32)
        np.testing.assert_array_equal(sim.dispatch({"x": x}, {"y": None})["y"], sim.infer({"x": x})["y"])
        with pytest.raises(TrtxRuntimeFailed, match="no device memory to write output 'y'"):
            sim.dispatch({"x": x}, {"y": 4096})
        with pytest.raises(TrtxRuntimeFailed, match="input 'x' is device memory"):
            sim.dispatch({"x": 4096}, {})
    gpu.close()
