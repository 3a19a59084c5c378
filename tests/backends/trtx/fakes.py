"""In-host-memory stand-ins for the CUDA runtime and TensorRT-RTX's runtime objects.

They let the GPU runner's own logic (shape setting, staging, buffer reuse and growth,
output allocator, runtime-cache persistence, release order) run on a machine without a
GPU. They are test doubles, not a simulation offered to users: "device" memory is host
memory, and the fake execution context computes with ONNX Runtime on the engine's source
ONNX. Every copy is bounds-checked against live allocations, so a buffer bug in the
runner fails here instead of corrupting memory on a GPU.
"""

from __future__ import annotations

import ctypes
import itertools

import numpy as np
import onnxruntime as ort
import tensorrt_rtx as trt

from webnn.backends.trtx.dtypes import trt_dtype


class FakeCuda:
    """The CudaApi surface, backed by ctypes host buffers; counts and bounds-checks everything."""

    TOTAL = 1 << 34

    def __init__(self) -> None:
        self.device_mem: dict[int, ctypes.Array] = {}
        self.host_mem: dict[int, ctypes.Array] = {}
        self.streams: set[int] = set()
        self._ids = itertools.count(1)
        self.mallocs = self.frees = self.host_mallocs = self.host_frees = 0
        self.syncs = self.h2d = self.d2h = self.d2d = 0
        self.copies: list[tuple[str, int, int]] = []  # ("h2d" | "d2h" | "d2d", device pointer (d2d: destination), bytes), in order
        self.d2d_sources: list[tuple[int, int]] = []  # (source pointer, bytes) of each d2d copy

    # device / stream
    def init_context(self, device: int) -> None:
        pass

    def set_device(self, device: int) -> None:
        pass

    def stream_create(self) -> int:
        s = next(self._ids) * 16
        self.streams.add(s)
        return s

    @staticmethod
    def stream_handle(stream: int) -> int:
        return stream

    def stream_sync(self, stream: int) -> None:
        assert stream in self.streams, "sync on a destroyed stream"
        self.syncs += 1

    def stream_destroy(self, stream: int) -> None:
        self.streams.remove(stream)

    # memory
    def malloc(self, nbytes: int, stream: int, device: int = 0) -> int:
        assert nbytes > 0
        buf = (ctypes.c_ubyte * nbytes)()
        ptr = ctypes.addressof(buf)
        self.device_mem[ptr] = buf
        self.mallocs += 1
        return ptr

    def free(self, ptr: int, stream: int, device: int = 0) -> None:
        del self.device_mem[ptr]
        self.frees += 1

    def malloc_host(self, nbytes: int) -> int:
        buf = (ctypes.c_ubyte * nbytes)()
        ptr = ctypes.addressof(buf)
        self.host_mem[ptr] = buf
        self.host_mallocs += 1
        return ptr

    def free_host(self, ptr: int) -> None:
        del self.host_mem[ptr]
        self.host_frees += 1

    @staticmethod
    def _check(pool: dict, ptr: int, nbytes: int, what: str) -> None:
        for base, buf in pool.items():
            if base <= ptr and ptr + nbytes <= base + ctypes.sizeof(buf):
                return
        raise AssertionError(f"{what}: [{ptr:#x}, +{nbytes}) is outside every live allocation")

    def htod_async(self, dst: int, src: int, nbytes: int, stream: int) -> None:
        assert stream in self.streams
        self._check(self.device_mem, dst, nbytes, "htod dst")
        self._check(self.host_mem, src, nbytes, "htod src")
        ctypes.memmove(dst, src, nbytes)
        self.h2d += 1
        self.copies.append(("h2d", dst, nbytes))

    def dtoh_async(self, dst: int, src: int, nbytes: int, stream: int) -> None:
        assert stream in self.streams
        self._check(self.host_mem, dst, nbytes, "dtoh dst")
        self._check(self.device_mem, src, nbytes, "dtoh src")
        ctypes.memmove(dst, src, nbytes)
        self.d2h += 1
        self.copies.append(("d2h", src, nbytes))

    def dtod_async(self, dst: int, src: int, nbytes: int, stream: int) -> None:
        assert stream in self.streams
        self._check(self.device_mem, dst, nbytes, "dtod dst")
        self._check(self.device_mem, src, nbytes, "dtod src")
        ctypes.memmove(dst, src, nbytes)
        self.d2d += 1
        self.copies.append(("d2d", dst, nbytes))
        self.d2d_sources.append((src, nbytes))

    def copies_touching(self, ptr: int, nbytes: int = 1) -> list[tuple[str, int, int]]:
        """Copies whose device range (d2d: destination) overlaps [ptr, ptr + nbytes)."""
        return [c for c in self.copies if c[1] < ptr + nbytes and ptr < c[1] + c[2]]

    def live_bytes(self) -> int:
        return sum(ctypes.sizeof(b) for b in self.device_mem.values())

    def mem_get_info(self) -> tuple[int, int]:
        return self.TOTAL - self.live_bytes(), self.TOTAL


class FakeRuntimeCache:
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
    def __init__(self) -> None:
        self.cache: FakeRuntimeCache | None = None

    def create_runtime_cache(self) -> FakeRuntimeCache:
        return FakeRuntimeCache()

    def set_runtime_cache(self, cache: FakeRuntimeCache) -> bool:
        self.cache = cache
        return True


class FakeEngine:
    """IO table from the engine record's metadata (the real build's network), execution by ORT."""

    def __init__(self, runtime: FakeRuntime, record) -> None:
        self.runtime = runtime
        self.record = record
        self.io = [(s, True) for s in record.inputs] + [(s, False) for s in record.outputs]
        self.session = ort.InferenceSession(record.onnx, providers=["CPUExecutionProvider"])

    @property
    def num_io_tensors(self) -> int:
        return len(self.io)

    def _spec(self, name: str):
        return next(s for s, _ in self.io if s.name == name)

    def get_tensor_name(self, i: int) -> str:
        return self.io[i][0].name

    def get_tensor_mode(self, name: str):
        return trt.TensorIOMode.INPUT if any(s.name == name and inp for s, inp in self.io) else trt.TensorIOMode.OUTPUT

    def get_tensor_dtype(self, name: str):
        return trt_dtype(np.dtype(self._spec(name).dtype))

    def get_tensor_shape(self, name: str) -> list[int]:
        return list(self._spec(name).shape)

    def get_tensor_profile_shape(self, name: str, k: int) -> list:
        lo, opt, hi = self.record.profiles[k].get(name)
        return [lo, opt, hi]

    def create_runtime_config(self) -> FakeRuntimeConfig:
        return FakeRuntimeConfig()

    def create_execution_context(self, config: FakeRuntimeConfig) -> FakeContext:
        self.runtime.contexts += 1
        return FakeContext(self, config)


class FakeContext:
    def __init__(self, engine: FakeEngine, config: FakeRuntimeConfig) -> None:
        self.engine = engine
        self.config = config
        self.addresses: dict[str, int] = {}
        self.allocators: dict = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.set_shape_calls = 0

    def set_input_shape(self, name: str, shape) -> bool:
        self.set_shape_calls += 1
        if not self.engine.record.covers({name: tuple(shape)}):
            return False
        self.shapes[name] = tuple(shape)
        return True

    def set_tensor_address(self, name: str, ptr: int) -> bool:
        self.addresses[name] = ptr
        return True

    def set_output_allocator(self, name: str, allocator) -> bool:
        self.allocators[name] = allocator
        return True

    def get_tensor_shape(self, name: str) -> list[int]:
        if name in self.shapes:
            return list(self.shapes[name])
        return self.engine.get_tensor_shape(name)

    def execute_async_v3(self, stream: int) -> bool:
        cuda = self.engine.runtime.cuda
        assert stream in cuda.streams
        feed = {}
        for spec in self.engine.record.inputs:
            shape = self.shapes.get(spec.name, tuple(spec.shape))
            assert all(d >= 0 for d in shape), f"input {spec.name} shape not set"
            dt = np.dtype(spec.dtype)
            n = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
            ptr = self.addresses[spec.name]
            cuda._check(cuda.device_mem, ptr, n, f"input {spec.name}")
            feed[spec.name] = np.frombuffer((ctypes.c_ubyte * n).from_address(ptr), dtype=dt).reshape(shape).copy() if n else np.zeros(shape, dt)
        results = self.engine.session.run([s.name for s in self.engine.record.outputs], feed)
        for spec, r in zip(self.engine.record.outputs, results, strict=True):
            r = np.ascontiguousarray(r)
            alloc = self.allocators.get(spec.name)
            if alloc is not None:
                ptr = alloc.reallocate_output_async(spec.name, 0, r.nbytes, 256, stream)
                alloc.notify_shape(spec.name, trt.Dims(list(r.shape)))
            else:
                ptr = self.addresses[spec.name]
                assert tuple(r.shape) == tuple(spec.shape)
            if r.nbytes:
                cuda._check(cuda.device_mem, ptr, r.nbytes, f"output {spec.name}")
                ctypes.memmove(ptr, r.ctypes.data, r.nbytes)
        if self.config.cache is not None:
            self.config.cache.entries += 1  # "compiled kernels"
        return True


class FakeRuntime:
    """trt.Runtime stand-in: validity verdicts are scripted, engines execute the record's ONNX."""

    def __init__(self, cuda: FakeCuda, record, validity=None) -> None:
        self.cuda = cuda
        self.record = record
        self.verdicts = list(validity or [])  # popped per check: (EngineValidity, diagnostics int)
        self.checks = 0
        self.contexts = 0

    def get_engine_validity(self, data: bytes):
        self.checks += 1
        if self.verdicts:
            return self.verdicts.pop(0)
        return trt.EngineValidity.VALID, 0

    def deserialize_cuda_engine(self, data: bytes) -> FakeEngine:
        return FakeEngine(self, self.record)
