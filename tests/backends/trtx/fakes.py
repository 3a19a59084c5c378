"""In-host-memory stand-ins for the CUDA runtime and TensorRT-RTX's runtime objects.

They let the GPU runner's own logic (profile selection, shape setting, staging, buffer reuse
and growth, alignment, output allocator, runtime-cache persistence, release order) run on a
machine without a GPU. They are test doubles, not a simulation offered to users: "device"
memory is host memory, and the fake execution context computes with ONNX Runtime on the ONNX
the engine was built from (the legalized model, with the engine's I/O types).

They are no more forgiving than the real thing (``tests/backends/trtx/test_fakes.py`` checks every
method they provide against the installed ``tensorrt_rtx`` and :class:`~webnn.backends.trtx.cuda.CudaApi`):

- work is asynchronous: copies and executions are queued on their stream and happen at
  ``stream_sync`` (a result read before the synchronize is stale), every copy is bounds-checked
  against live allocations when queued and again when it runs (a use after free fails);
- allocations are 256-byte aligned, and ``set_tensor_address`` refuses an unaligned address;
- the execution context enforces the *selected* optimization profile's bounds
  (``set_optimization_profile_async`` selects another, input shapes must then be set again),
  returns ``trt.Dims`` shapes and needs every address and dynamic shape before executing;
- the runtime's validity check says ``UNSUPPORTED_CC`` for a GPU the engine was not built for
  (the compute capabilities of the build options; the portable default has no 7.5 and no 9.0),
  or returns scripted verdicts.
"""

from __future__ import annotations

import ctypes
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import onnxruntime as ort
import tensorrt_rtx as trt

from webnn.backends.trtx.dtypes import trt_dtype
from webnn.backends.trtx.legalize import legalize

ALIGN = 256
#: The GPUs an engine built with no compute capabilities runs on (TensorRT-RTX's portable build).
PORTABLE = {(8, 0), (8, 6), (8, 9), (12, 0), (12, 1)}


class _Allocation:
    __slots__ = ("raw", "ptr", "size", "freeing")

    def __init__(self, nbytes: int) -> None:
        self.raw = (ctypes.c_ubyte * (nbytes + ALIGN))()
        base = ctypes.addressof(self.raw)
        self.ptr = (base + ALIGN - 1) // ALIGN * ALIGN
        self.size = nbytes
        self.freeing = False  # a stream-ordered free is queued


class FakeCuda:
    """The CudaApi surface, backed by ctypes host buffers; asynchronous per stream; counts and bounds-checks everything."""

    TOTAL = 1 << 34
    #: Helpers for the tests themselves (not part of the CudaApi surface test_fakes.py compares).
    TEST_ONLY = frozenset({"TOTAL", "TEST_ONLY", "copies_touching", "live_bytes", "run_now", "pending"})

    def __init__(self) -> None:
        self.device_mem: dict[int, _Allocation] = {}
        self.host_mem: dict[int, _Allocation] = {}
        self.streams: set[int] = set()
        self._queues: dict[int, list[tuple[Callable[[], None], int]]] = {}  # (work, pinned pointer it reads/writes or 0)
        self._ids = itertools.count(1)
        self.mallocs = self.frees = self.host_mallocs = self.host_frees = 0
        self.syncs = self.h2d = self.d2h = self.d2d = 0
        self.copies: list[tuple[str, int, int]] = []  # ("h2d" | "d2h" | "d2d", device pointer (d2d: destination), bytes), as queued
        self.d2d_sources: list[tuple[int, int]] = []  # (source pointer, bytes) of each d2d copy

    # device / stream
    def init_context(self, device: int) -> None:
        pass

    def set_device(self, device: int) -> None:
        pass

    def stream_create(self) -> int:
        s = next(self._ids) * 16
        self.streams.add(s)
        self._queues[s] = []
        return s

    @staticmethod
    def stream_handle(stream: int) -> int:
        return stream

    def _enqueue(self, stream: int, work: Callable[[], None], host: int = 0) -> None:
        if stream == 0:  # the legacy default stream (tests' own helpers): synchronous
            work()
            return
        assert stream in self.streams, "work queued on a destroyed stream"
        self._queues[stream].append((work, host))

    def run_now(self, stream: int, work: Callable[[], None]) -> None:
        """Queue ``work`` (what TensorRT does on the stream in execute_async_v3)."""
        self._enqueue(stream, work)

    def pending(self, stream: int) -> int:
        return len(self._queues.get(stream, ()))

    def stream_sync(self, stream: int) -> None:
        assert stream in self.streams, "sync on a destroyed stream"
        q = self._queues[stream]
        while q:  # work may queue more work (output allocators, stream-ordered frees)
            q.pop(0)[0]()
        self.syncs += 1

    def stream_destroy(self, stream: int) -> None:
        assert not self._queues[stream], "stream destroyed with work still queued"
        self.streams.remove(stream)
        del self._queues[stream]

    # memory
    def malloc(self, nbytes: int, stream: int, device: int = 0) -> int:
        assert nbytes > 0
        a = _Allocation(nbytes)
        self.device_mem[a.ptr] = a
        self.mallocs += 1
        return a.ptr

    def free(self, ptr: int, stream: int, device: int = 0) -> None:
        """Stream-ordered (cudaFreeAsync): the memory stays valid for the work queued before."""
        a = self.device_mem[ptr]
        assert not a.freeing, "double free"
        a.freeing = True

        def release() -> None:
            del self.device_mem[ptr]

        if stream in self.streams or stream == 0:
            self._enqueue(stream, release)
        else:
            release()
        self.frees += 1

    def malloc_host(self, nbytes: int) -> int:
        a = _Allocation(nbytes)
        self.host_mem[a.ptr] = a
        self.host_mallocs += 1
        return a.ptr

    def free_host(self, ptr: int) -> None:
        a = self.host_mem[ptr]
        busy = [h for q in self._queues.values() for _, h in q if h and a.ptr <= h < a.ptr + a.size]
        assert not busy, "pinned memory freed while queued copies still use it"
        del self.host_mem[ptr]
        self.host_frees += 1

    @staticmethod
    def _check(pool: dict, ptr: int, nbytes: int, what: str, queued: bool = True) -> None:
        for base, a in pool.items():
            if base <= ptr and ptr + nbytes <= base + a.size and not (queued and a.freeing):
                return
        raise AssertionError(f"{what}: [{ptr:#x}, +{nbytes}) is outside every live allocation")

    def _copy(self, kind: str, dst: int, src: int, nbytes: int, stream: int, dpool: dict, spool: dict, host: int = 0) -> None:
        self._check(dpool, dst, nbytes, f"{kind} dst")
        self._check(spool, src, nbytes, f"{kind} src")

        def work() -> None:
            self._check(dpool, dst, nbytes, f"{kind} dst (when the copy ran)", queued=False)
            self._check(spool, src, nbytes, f"{kind} src (when the copy ran)", queued=False)
            ctypes.memmove(dst, src, nbytes)

        self._enqueue(stream, work, host)

    def htod_async(self, dst: int, src: int, nbytes: int, stream: int) -> None:
        self._copy("htod", dst, src, nbytes, stream, self.device_mem, self.host_mem, src)
        self.h2d += 1
        self.copies.append(("h2d", dst, nbytes))

    def dtoh_async(self, dst: int, src: int, nbytes: int, stream: int) -> None:
        self._copy("dtoh", dst, src, nbytes, stream, self.host_mem, self.device_mem, dst)
        self.d2h += 1
        self.copies.append(("d2h", src, nbytes))

    def dtod_async(self, dst: int, src: int, nbytes: int, stream: int) -> None:
        self._copy("dtod", dst, src, nbytes, stream, self.device_mem, self.device_mem)
        self.d2d += 1
        self.copies.append(("d2d", dst, nbytes))
        self.d2d_sources.append((src, nbytes))

    def copies_touching(self, ptr: int, nbytes: int = 1) -> list[tuple[str, int, int]]:
        """Copies whose device range (d2d: destination) overlaps [ptr, ptr + nbytes)."""
        return [c for c in self.copies if c[1] < ptr + nbytes and ptr < c[1] + c[2]]

    def live_bytes(self) -> int:
        return sum(a.size for a in self.device_mem.values())

    def mem_get_info(self) -> tuple[int, int]:
        return self.TOTAL - self.live_bytes(), self.TOTAL


class FakeRuntimeCache:
    """trt.IRuntimeCache stand-in."""

    TEST_ONLY = frozenset({"TEST_ONLY", "entries", "loaded"})

    def __init__(self) -> None:
        self.entries = 0
        self.loaded = False

    def serialize(self) -> bytes:
        return b"FAKERC" + self.entries.to_bytes(4, "little")

    def deserialize(self, blob: bytes) -> bool:
        if not bytes(blob).startswith(b"FAKERC"):
            return False
        self.entries = int.from_bytes(bytes(blob)[6:10], "little")
        self.loaded = True
        return True


class FakeRuntimeConfig:
    """trt.IRuntimeConfig stand-in; ``accept_cache=False`` makes ``set_runtime_cache`` refuse (returns False)."""

    TEST_ONLY = frozenset({"TEST_ONLY", "cache", "accept_cache"})

    def __init__(self, accept_cache: bool = True) -> None:
        self.cache: FakeRuntimeCache | None = None
        self.accept_cache = accept_cache

    def create_runtime_cache(self) -> FakeRuntimeCache:
        return FakeRuntimeCache()

    def set_runtime_cache(self, cache: FakeRuntimeCache) -> bool:
        if not self.accept_cache:
            return False
        self.cache = cache
        return True


class FakeEngine:
    """trt.ICudaEngine stand-in: the I/O table and profiles of the real build (the record), execution by ORT."""

    TEST_ONLY = frozenset({"TEST_ONLY", "runtime", "record", "io", "session"})

    def __init__(self, runtime: FakeRuntime, record: Any) -> None:
        self.runtime = runtime
        self.record = record
        self.io = [(s, True) for s in record.inputs] + [(s, False) for s in record.outputs]
        source, _ = legalize(record.onnx)  # what the engine was built from, with the engine's I/O types
        self.session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])

    @property
    def num_io_tensors(self) -> int:
        return len(self.io)

    @property
    def num_optimization_profiles(self) -> int:
        return max(1, len(self.record.profiles))

    def _spec(self, name: str) -> Any:
        return next(s for s, _ in self.io if s.name == name)

    def get_tensor_name(self, index: int) -> str:
        return self.io[index][0].name

    def get_tensor_mode(self, name: str) -> Any:
        return trt.TensorIOMode.INPUT if any(s.name == name and inp for s, inp in self.io) else trt.TensorIOMode.OUTPUT

    def get_tensor_dtype(self, name: str) -> Any:
        return trt_dtype(np.dtype(self._spec(name).dtype))

    def get_tensor_shape(self, name: str) -> trt.Dims:
        return trt.Dims(list(self._spec(name).shape))

    def get_tensor_profile_shape(self, name: str, profile_index: int) -> list[trt.Dims]:
        if not 0 <= profile_index < self.num_optimization_profiles:
            raise IndexError(f"profile {profile_index} out of range")
        spec = self._spec(name)
        if not self.record.profiles:
            return [trt.Dims(list(spec.shape))] * 3
        lo, opt, hi = self.record.profiles[profile_index].get(name)
        return [trt.Dims(list(lo)), trt.Dims(list(opt)), trt.Dims(list(hi))]

    def create_runtime_config(self) -> FakeRuntimeConfig:
        return FakeRuntimeConfig(self.runtime.accept_runtime_cache)

    def create_execution_context(self, runtime_config: FakeRuntimeConfig | None = None) -> FakeContext:
        self.runtime.contexts += 1
        return FakeContext(self, runtime_config or FakeRuntimeConfig())


class FakeContext:
    """trt.IExecutionContext stand-in: enforces the selected profile, alignment, and queues the work on the stream."""

    TEST_ONLY = frozenset({"TEST_ONLY", "engine", "config", "addresses", "allocators", "shapes", "set_shape_calls", "profile", "profile_switches"})

    def __init__(self, engine: FakeEngine, config: FakeRuntimeConfig) -> None:
        self.engine = engine
        self.config = config
        self.addresses: dict[str, int] = {}
        self.allocators: dict[str, Any] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.set_shape_calls = 0
        self.profile = 0
        self.profile_switches = 0

    def _range(self, name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        lo, _, hi = self.engine.get_tensor_profile_shape(name, self.profile)
        return tuple(lo), tuple(hi)

    def set_optimization_profile_async(self, profile_index: int, stream_handle: int) -> bool:
        assert stream_handle in self.engine.runtime.cuda.streams
        if not 0 <= profile_index < self.engine.num_optimization_profiles:
            return False
        if profile_index != self.profile:
            self.profile = profile_index
            self.profile_switches += 1
            self.shapes.clear()  # input shapes belong to a profile
        return True

    def set_input_shape(self, name: str, shape: Any) -> bool:
        self.set_shape_calls += 1
        spec = self.engine._spec(name)
        shape = tuple(int(d) for d in shape)
        if not spec.dynamic:
            return shape == tuple(spec.shape)
        lo, hi = self._range(name)
        if len(shape) != len(lo) or not all(a <= d <= b for a, d, b in zip(lo, shape, hi, strict=True)):
            return False
        self.shapes[name] = shape
        return True

    def set_tensor_address(self, name: str, memory: int) -> bool:
        if memory % ALIGN or not any(s.name == name for s, _ in self.engine.io):
            return False
        self.addresses[name] = memory
        return True

    def set_output_allocator(self, name: str, output_allocator: Any) -> bool:
        self.allocators[name] = output_allocator
        return True

    def get_tensor_shape(self, name: str) -> trt.Dims:
        if name in self.shapes:
            return trt.Dims(list(self.shapes[name]))
        return self.engine.get_tensor_shape(name)

    def execute_async_v3(self, stream_handle: int) -> bool:
        cuda = self.engine.runtime.cuda
        assert stream_handle in cuda.streams
        rec = self.engine.record
        shapes = {}
        for spec in rec.inputs:
            shape = self.shapes.get(spec.name, tuple(spec.shape))
            if any(d < 0 for d in shape) or spec.name not in self.addresses:
                return False  # TensorRT: "not all shapes/addresses are specified"
            shapes[spec.name] = shape
        for spec in rec.outputs:
            if spec.name not in self.addresses and spec.name not in self.allocators:
                return False
        addresses = dict(self.addresses)  # what is bound now is what the queued work uses

        def work() -> None:
            feed = {}
            for spec in rec.inputs:
                dt = np.dtype(spec.dtype)
                n = int(np.prod(shapes[spec.name], dtype=np.int64)) * dt.itemsize
                ptr = addresses[spec.name]
                if n:
                    cuda._check(cuda.device_mem, ptr, n, f"input {spec.name}", queued=False)
                data = np.frombuffer((ctypes.c_ubyte * n).from_address(ptr), dtype=dt).copy() if n else np.zeros(0, dt)
                feed[spec.name] = data.reshape(shapes[spec.name])
            results = self.engine.session.run([s.name for s in rec.outputs], feed)
            for spec, r in zip(rec.outputs, results, strict=True):
                r = np.ascontiguousarray(r)
                alloc = self.allocators.get(spec.name)
                if alloc is not None:
                    ptr = alloc.reallocate_output_async(spec.name, 0, r.nbytes, ALIGN, stream_handle)
                    alloc.notify_shape(spec.name, trt.Dims(list(r.shape)))
                else:
                    ptr = addresses[spec.name]
                    assert tuple(r.shape) == tuple(spec.shape)
                if r.nbytes:
                    cuda._check(cuda.device_mem, ptr, r.nbytes, f"output {spec.name}", queued=False)
                    ctypes.memmove(ptr, r.ctypes.data, r.nbytes)
            if self.config.cache is not None:
                self.config.cache.entries += 1  # "compiled kernels"

        cuda.run_now(stream_handle, work)
        return True


class FakeRuntime:
    """trt.Runtime stand-in. Validity: scripted verdicts first (popped per check), then the
    engine's compute capabilities against ``compute_capability`` (the fake GPU's)."""

    TEST_ONLY = frozenset({"TEST_ONLY", "cuda", "record", "verdicts", "checks", "contexts", "compute_capability", "accept_runtime_cache"})

    def __init__(
        self, cuda: FakeCuda, record: Any, validity: Any = None, *, compute_capability: tuple[int, int] = (8, 9), accept_runtime_cache: bool = True
    ) -> None:
        self.cuda = cuda
        self.record = record
        self.verdicts = list(validity or [])  # (EngineValidity, diagnostics int)
        self.checks = 0
        self.contexts = 0
        self.compute_capability = compute_capability
        self.accept_runtime_cache = accept_runtime_cache

    def _targets(self) -> set[tuple[int, int]]:
        ccs = self.record.options.compute_capabilities
        if not ccs:
            return PORTABLE
        if ccs == ("current",):
            return {self.compute_capability}
        return {(int(c[2:-1]), int(c[-1])) for c in ccs}

    def get_engine_validity(self, buffer: bytes) -> tuple[Any, int]:
        self.checks += 1
        if self.verdicts:
            return self.verdicts.pop(0)
        if bytes(buffer) != bytes(self.record.engine):
            return trt.EngineValidity.INVALID, int(trt.EngineInvalidityDiagnostics.MALFORMED_ENGINE)
        if self.compute_capability not in self._targets():
            return trt.EngineValidity.INVALID, int(trt.EngineInvalidityDiagnostics.UNSUPPORTED_CC)
        return trt.EngineValidity.VALID, 0

    def deserialize_cuda_engine(self, serialized_engine: bytes) -> FakeEngine | None:
        if bytes(serialized_engine) != bytes(self.record.engine):
            return None
        return FakeEngine(self, self.record)
