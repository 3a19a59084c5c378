"""The fakes (fakes.py) cannot drift from the library, and are no more forgiving than it.

- Every public method and property a fake class provides (minus its ``TEST_ONLY`` helpers)
  exists on the real class with the same kind and the same parameters: ``tensorrt_rtx``'s
  classes for the TensorRT fakes (their pybind11 signatures), :class:`~webnn.backends.trtx.cuda.CudaApi`
  for ``FakeCuda``; and every cuda-python function ``CudaApi`` calls exists in ``cuda.bindings.runtime``.
- The fakes enforce what the library enforces: the selected optimization profile's bounds,
  256-byte aligned addresses, ``trt.Dims`` shapes, asynchronous completion (results exist only
  after the stream is synchronized), an "unsupported GPU" validity verdict.
- The runner does what the library needs (profile selection, alignment, failure return values,
  CUDA's error text).
"""

from __future__ import annotations

import ctypes
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

import tensorrt_rtx as trt

from webnn.backends.trtx import cuda as cuda_module
from webnn.backends.trtx.cache import EngineCache
from webnn.backends.trtx.engines import EngineRecord, get_engine
from webnn.backends.trtx.options import BuildOptions, Profile
from webnn.backends.trtx.runtime import ALIGN, RuntimeCacheIO, TrtxRunner
from webnn.errors import TrtxRuntimeFailed

from . import models
from .fakes import FakeContext, FakeCuda, FakeEngine, FakeRuntime, FakeRuntimeCache, FakeRuntimeConfig

PAIRS = [
    (FakeRuntime, trt.Runtime),
    (FakeEngine, trt.ICudaEngine),
    (FakeContext, trt.IExecutionContext),
    (FakeRuntimeConfig, trt.IRuntimeConfig),
    (FakeRuntimeCache, trt.IRuntimeCache),
]


def public_members(cls: type) -> dict[str, object]:
    skip = getattr(cls, "TEST_ONLY", frozenset())
    return {n: inspect.getattr_static(cls, n) for n in dir(cls) if not n.startswith("_") and n not in skip}


def _split_params(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[(<{":
            depth += 1
        elif ch in "])>}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def pybind_overloads(cls: type, name: str) -> list[list[str]]:
    """Parameter names (without ``self``) of each overload in a pybind11 method's docstring."""
    doc = getattr(cls, name).__doc__ or ""
    sigs = re.findall(rf"^(?:\d+\. )?{name}\((.*)\) ->", doc, re.M)
    return [[p.split(":")[0].split("=")[0].strip() for p in _split_params(s)][1:] for s in sigs]


@pytest.mark.parametrize("fake,real", PAIRS, ids=[f.__name__ for f, _ in PAIRS])
def test_tensorrt_fakes_provide_only_what_the_library_has(fake: type, real: type) -> None:
    problems = []
    for name, member in public_members(fake).items():
        if not hasattr(real, name):
            problems.append(f"{fake.__name__}.{name}: {real.__name__} has no {name!r}")
            continue
        real_member = inspect.getattr_static(real, name)
        if isinstance(member, property) != isinstance(real_member, property):
            problems.append(f"{fake.__name__}.{name}: a {'property' if isinstance(member, property) else 'method'} in the fake, not in {real.__name__}")
            continue
        if isinstance(member, property):
            continue
        params = list(inspect.signature(getattr(fake, name)).parameters)[1:]
        overloads = pybind_overloads(real, name)
        assert overloads, f"could not read {real.__name__}.{name}'s signature"
        if params not in overloads:
            problems.append(f"{fake.__name__}.{name}{tuple(params)}: {real.__name__}.{name} takes {' or '.join(map(str, map(tuple, overloads)))}")
    assert not problems, "\n".join(problems)


def test_fake_cuda_matches_cudaapi_and_cudaapi_matches_cuda_python() -> None:
    problems = []
    for name, member in public_members(FakeCuda).items():
        real = inspect.getattr_static(cuda_module.CudaApi, name, None)
        if real is None:
            problems.append(f"FakeCuda.{name}: CudaApi has no {name!r}")
        elif type(member) is not type(real):
            problems.append(f"FakeCuda.{name}: {type(member).__name__} in the fake, {type(real).__name__} in CudaApi")
        elif list(inspect.signature(getattr(FakeCuda, name)).parameters) != list(inspect.signature(getattr(cuda_module.CudaApi, name)).parameters):
            problems.append(f"FakeCuda.{name}: parameters differ from CudaApi's")
    for name in public_members(cuda_module.CudaApi):
        if name not in public_members(FakeCuda):
            problems.append(f"CudaApi.{name}: the fake lacks it")
    assert not problems, "\n".join(problems)
    cudart = pytest.importorskip("cuda.bindings.runtime", reason="cuda-python is not installed")
    source = Path(cuda_module.__file__).read_text()
    called = set(re.findall(r"(?:self\._rt|cudart)\.(\w+)", source))
    assert called and not [n for n in called if not hasattr(cudart, n)]


def test_cudaapi_keeps_cudas_error_text() -> None:
    """CudaApi runs for real here (no GPU, or no driver): the error names the call and keeps CUDA's own text."""
    pytest.importorskip("cuda.bindings.runtime", reason="cuda-python is not installed")
    api = cuda_module.CudaApi()
    try:
        api.set_device(0)
    except TrtxRuntimeFailed as e:
        msg = str(e)
        assert msg.startswith("CUDA cudaSetDevice(0) failed: cudaError")
        assert re.search(r"\((?!no error)[^)]{10,}\)$", msg), msg  # CUDA's text, e.g. "(CUDA driver version is insufficient ...)"
    else:
        pytest.skip("a usable CUDA device is present: nothing fails here")


# -- what the fakes enforce ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_profiles(tmp_path_factory: pytest.TempPathFactory) -> EngineRecord:
    opts = BuildOptions(profiles=(Profile({"x": ([1, 8], [2, 8], [4, 8])}), Profile({"x": ([16, 8], [24, 8], [32, 8])})))
    return get_engine(models.dynamic_matmul(), opts, cache=EngineCache(tmp_path_factory.mktemp("profiles")), progress=False)


def fake_stack(record: EngineRecord, **kw) -> tuple[FakeCuda, FakeRuntime, FakeEngine, FakeContext, int]:
    cuda = FakeCuda()
    rt = FakeRuntime(cuda, record, **kw)
    engine = rt.deserialize_cuda_engine(record.engine)
    assert engine is not None
    return cuda, rt, engine, engine.create_execution_context(engine.create_runtime_config()), cuda.stream_create()


def test_fake_context_enforces_the_selected_profile_and_returns_dims(two_profiles: EngineRecord) -> None:
    _, _, engine, ctx, stream = fake_stack(two_profiles)
    assert engine.num_optimization_profiles == 2
    assert all(isinstance(d, trt.Dims) for d in engine.get_tensor_profile_shape("x", 1))
    assert ctx.set_input_shape("x", (3, 8)) and not ctx.set_input_shape("x", (20, 8))  # profile 0: rows 1..4
    assert ctx.set_optimization_profile_async(1, ctx.engine.runtime.cuda.stream_handle(stream))
    assert not ctx.set_input_shape("x", (3, 8)) and ctx.set_input_shape("x", (20, 8))
    assert not ctx.set_optimization_profile_async(2, stream)  # no such profile: False, as TensorRT returns
    shape = ctx.get_tensor_shape("x")
    assert isinstance(shape, trt.Dims) and tuple(shape) == (20, 8)


def test_fake_context_refuses_unaligned_addresses(two_profiles: EngineRecord) -> None:
    cuda, _, _, ctx, stream = fake_stack(two_profiles)
    p = cuda.malloc(1000, stream)
    assert p % ALIGN == 0
    assert ctx.set_tensor_address("x", p) and not ctx.set_tensor_address("x", p + 4)


def test_fake_work_completes_only_at_stream_sync(two_profiles: EngineRecord) -> None:
    cuda = FakeCuda()
    stream = cuda.stream_create()
    host = cuda.malloc_host(64)
    dev = cuda.malloc(64, stream)
    src = np.arange(16, dtype=np.float32)
    ctypes.memmove(host, src.ctypes.data, 64)
    back = cuda.malloc_host(64)  # copies go through pinned host memory, as in the runner
    out = np.frombuffer((ctypes.c_ubyte * 64).from_address(back), np.float32)
    out[:] = 0
    cuda.htod_async(dev, host, 64, stream)
    cuda.dtoh_async(back, dev, 64, stream)
    assert cuda.pending(stream) == 2 and not out.any()  # queued, not done: the result is stale
    cuda.stream_sync(stream)
    np.testing.assert_array_equal(out, src)
    with pytest.raises(AssertionError, match="outside every live allocation"):
        cuda.dtoh_async(np.zeros(16, np.float32).ctypes.data, dev, 64, stream)  # pageable memory is not what the runner copies into


def test_fake_runtime_says_unsupported_gpu(two_profiles: EngineRecord) -> None:
    for cc in ((9, 0), (7, 5)):  # the portable build has neither target
        _, rt, _, _, _ = fake_stack(two_profiles, compute_capability=cc)
        validity, diag = rt.get_engine_validity(two_profiles.engine)
        assert validity == trt.EngineValidity.INVALID and diag == int(trt.EngineInvalidityDiagnostics.UNSUPPORTED_CC)
    _, rt, _, _, _ = fake_stack(two_profiles, compute_capability=(8, 9))
    assert rt.get_engine_validity(two_profiles.engine)[0] == trt.EngineValidity.VALID


# -- the runner on the fakes: profiles (point 4), validity, return values --------------------------


def runner(record: EngineRecord, **kw) -> tuple[TrtxRunner, FakeCuda, FakeRuntime]:
    cuda = FakeCuda()
    rt = FakeRuntime(cuda, record, kw.pop("validity", None), compute_capability=kw.pop("compute_capability", (8, 9)))
    return TrtxRunner(record.engine, label="t", cuda=cuda, runtime=rt, **kw), cuda, rt


def test_runner_selects_the_profile_that_holds_the_shape(two_profiles: EngineRecord) -> None:
    r, _, _ = runner(two_profiles)
    with r:
        ctx = r._context
        for rows, profile in ((3, 0), (20, 1), (32, 1), (1, 0)):
            x = np.random.default_rng(rows).standard_normal((rows, 8)).astype(np.float32)
            y = r.infer({"x": x})
            assert ctx.profile == profile, rows
            ref = FakeEngine(FakeRuntime(FakeCuda(), two_profiles), two_profiles).session.run(None, {"x": x})[0]
            np.testing.assert_allclose(next(iter(y.values())), ref, rtol=1e-5, atol=1e-5)
        assert ctx.profile_switches == 2
        with pytest.raises(TrtxRuntimeFailed, match=r"profile 0: .*\[1, 8\].*\[4, 8\].*profile 1: .*\[16, 8\].*\[32, 8\]"):
            r.infer({"x": np.zeros((8, 8), np.float32)})  # between the two profiles


def test_runner_refuses_an_engine_for_an_unsupported_gpu(two_profiles: EngineRecord) -> None:
    r, _, _ = runner(two_profiles, compute_capability=(9, 0))
    with pytest.raises(TrtxRuntimeFailed, match="(?i)compute capabilit|unsupported"):
        r.activate()
    r.close()


def test_runner_reports_a_refused_runtime_cache(two_profiles: EngineRecord, caplog: pytest.LogCaptureFixture) -> None:
    cuda = FakeCuda()
    rt = FakeRuntime(cuda, two_profiles, accept_runtime_cache=False)
    store: dict[str, bytes] = {}
    io = RuntimeCacheIO(lambda: store.get("b"), lambda b: store.__setitem__("b", b))
    r = TrtxRunner(two_profiles.engine, label="t", cuda=cuda, runtime=rt, runtime_cache=io)
    with caplog.at_level("WARNING", logger="webnn.trtx"), r:
        r.infer({"x": np.ones((2, 8), np.float32)})
    assert "did not take the runtime cache" in caplog.text


def test_add_optimization_profile_failure_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """TensorRT returns -1 from add_optimization_profile for a profile it refuses: the build says so."""
    monkeypatch.setenv("WEBNN_TRTX_BUILD_WORKER", "0")  # in-process, so the patch applies
    monkeypatch.setattr(trt.IBuilderConfig, "add_optimization_profile", lambda self, profile: -1)
    opts = BuildOptions(profiles=(Profile({"x": ([1, 8], [2, 8], [4, 8])}),))
    with pytest.raises(TrtxRuntimeFailed, match="optimization profile"):
        get_engine(models.dynamic_matmul(), opts, progress=False)
