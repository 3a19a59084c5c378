"""Running a TensorRT-RTX engine on a GPU: one engine, one execution context, one stream, reused buffers.

:class:`TrtxRunner` follows Polygraphy's runner shape: ``activate()`` deserializes the
engine once (after TensorRT's engine-validity check), creates the runtime config with
the persisted runtime (JIT) cache, the execution context and a non-blocking CUDA
stream. ``dispatch(inputs, outputs)`` is the one execution path; per call it does:

1. the optimization profile that holds every dynamic input's shape is selected
   (``set_optimization_profile_async``, only when it changes; none holds them: refused with
   every profile's ranges); for each input: a host array sets the input shape (dynamic inputs
   whose shape changed), is copied into a pinned host staging buffer and sent host->device
   into the input's device buffer (both allocated once, grown only when a larger shape needs
   it); a device pointer or a consumed DLPack array is bound as the tensor address as it is
   when it is 256-byte aligned (TensorRT's requirement for I/O addresses), and gathered
   device-to-device into the runner's (aligned) buffer otherwise;
2. each output is bound to the caller's device pointer (an unaligned one gets the runner's
   buffer and a device-to-device copy after execution), or to the runner's own buffer
   (static shapes) or an ``IOutputAllocator`` that reuses and grows the output's buffer and
   records the shape (dynamic or data-dependent shapes) when its result goes to the host;
3. ``execute_async_v3`` on the stream;
4. device->host copies of the host results into pinned staging, **one** stream
   synchronize, and copies into fresh numpy arrays for the caller.

``infer(feed)`` is ``dispatch(feed, {})``: every input and output on the host. Inputs and
outputs the engine holds in another type of the same width (uint32 in int32, uint64 in int64:
``views``, see :mod:`.emulate`) are taken and returned in the model's type, the buffer
reinterpreted.

``close()`` (also ``deactivate``, the context manager and garbage collection) syncs the
stream, frees every buffer, destroys the stream and drops context, engine and runtime in
order, and persists the runtime cache so the next process skips kernel compilation.
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import TrtxRuntimeFailed
from ...tensor import DLPACK_CUDA
from .cuda import CudaApi
from .dlpack import DeviceArray, copy_to
from .dtypes import numpy_dtype
from .lib import trt
from .logger import capture, get_logger, log, summarize

#: TensorRT's alignment for I/O tensor addresses (and the runner's allocations).
ALIGN = 256


class EngineInvalid(TrtxRuntimeFailed):
    """TensorRT-RTX's validity check rejected an engine on this system (``diagnostics`` names why)."""

    def __init__(self, message: str, diagnostics: list[str]) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


@dataclass
class RuntimeCacheIO:
    """Where a runner loads its runtime cache from and saves it to (None/no-op when absent)."""

    load: Callable[[], bytes | None]
    save: Callable[[bytes], None]


def aligned(n: int) -> int:
    """``n`` bytes rounded up to the allocation alignment (at least one alignment unit)."""
    return max(ALIGN, (n + ALIGN - 1) // ALIGN * ALIGN)


class StagedBuffer:
    """Device memory and pinned host staging for one tensor; reused, grown on demand."""

    __slots__ = ("cuda", "stream", "device", "dptr", "dcap", "hptr", "hcap", "allocs")

    def __init__(self, cuda: Any, stream: Any, device: int) -> None:
        self.cuda, self.stream, self.device = cuda, stream, device
        self.dptr = self.dcap = self.hptr = self.hcap = 0
        self.allocs = 0

    def ensure_device(self, nbytes: int) -> int:
        if nbytes > self.dcap or self.dptr == 0:
            cap = aligned(max(nbytes, self.dcap + self.dcap // 2))  # grow by half at least: fewer reallocations
            if self.dptr:
                self.cuda.free(self.dptr, self.stream, self.device)
                self.dptr = self.dcap = 0
            self.dptr = self.cuda.malloc(cap, self.stream, self.device)
            self.dcap = cap
            self.allocs += 1
        return self.dptr

    def ensure_host(self, nbytes: int) -> np.ndarray:
        if nbytes > self.hcap or self.hptr == 0:
            cap = aligned(max(nbytes, self.hcap + self.hcap // 2))
            if self.hptr:
                self.cuda.stream_sync(self.stream)  # pending copies may still read the old buffer
                self.cuda.free_host(self.hptr)
                self.hptr = self.hcap = 0
            self.hptr = self.cuda.malloc_host(cap)
            self.hcap = cap
            self.allocs += 1
        return np.ctypeslib.as_array((ctypes.c_ubyte * nbytes).from_address(self.hptr)) if nbytes else np.empty(0, np.uint8)

    def release(self) -> None:
        if self.dptr:
            self.cuda.free(self.dptr, self.stream, self.device)
            self.dptr = self.dcap = 0
        if self.hptr:
            self.cuda.free_host(self.hptr)
            self.hptr = self.hcap = 0


def _make_output_allocator(runner: TrtxRunner) -> Any:
    t = trt()

    base: Any = t.IOutputAllocator  # a class of the optional tensorrt_rtx package

    class OutputAllocator(base):
        """Hands TensorRT the output's reusable buffer (grown when too small) and records its shape."""

        def __init__(self) -> None:
            t.IOutputAllocator.__init__(self)
            self.shapes: dict[str, tuple[int, ...]] = {}

        def reallocate_output(self, tensor_name, memory, size, alignment) -> int:
            return runner._buffer(tensor_name).ensure_device(max(int(size), 1))

        def reallocate_output_async(self, tensor_name, memory, size, alignment, stream) -> int:
            return runner._buffer(tensor_name).ensure_device(max(int(size), 1))

        def notify_shape(self, tensor_name, shape) -> None:
            self.shapes[tensor_name] = tuple(int(d) for d in shape)

    return OutputAllocator()


@dataclass
class _IO:
    name: str
    is_input: bool
    dtype: np.dtype  # the engine's
    shape: tuple[int, ...]  # engine shape, -1 for dynamic dimensions
    view: np.dtype  # the caller's (the model's): the same as dtype, or the type of the same bytes

    @property
    def dynamic(self) -> bool:
        return any(d < 0 for d in self.shape)


def is_aligned(ptr: int) -> bool:
    return ptr % ALIGN == 0


class TrtxRunner:
    """Runs one serialized engine on one GPU. Not simulated: ``simulated`` is False."""

    simulated = False

    def __init__(
        self,
        engine_bytes: bytes,
        *,
        label: str = "model",
        device: int = 0,
        runtime_cache: RuntimeCacheIO | None = None,
        cuda: Any = None,
        runtime: Any = None,
        views: Mapping[str, str] | None = None,
    ) -> None:
        self.label = label
        self.device = device
        self._views = dict(views or {})  # tensor name -> the model's dtype where the engine's differs
        self._engine_bytes = engine_bytes
        self._rc_io = runtime_cache
        self._cuda = cuda
        self._runtime = runtime
        self._drop_engine()
        self._buffers: dict[str, StagedBuffer] = {}
        self._io: list[_IO] = []
        self._last_shapes: dict[str, tuple[int, ...]] = {}
        self._addresses: dict[str, int] = {}
        self._profiles: list[dict[str, tuple[tuple[int, ...], tuple[int, ...]]]] = []
        self._profile = 0
        self._lock = threading.RLock()
        self._active = False
        self._closed = False
        self._rc_digest: bytes | None = None
        self._rc_saved_after_first = False
        self.calls = 0
        self.validity: str = "unchecked"

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> TrtxRunner:
        self.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def active(self) -> bool:
        return self._active

    def activate(self) -> TrtxRunner:
        with self._lock:
            if self._closed:
                raise TrtxRuntimeFailed(f"{self.label}: the runner was closed")
            if self._active:
                return self
            try:
                self._activate()
            except BaseException:
                self._release()
                raise
            self._active = True
            return self

    def _activate(self) -> None:
        t = trt()
        if self._cuda is None:
            self._cuda = CudaApi()
        cuda = self._cuda
        cuda.init_context(self.device)
        if self._runtime is None:
            self._runtime = t.Runtime(get_logger())
        self._check_validity()
        with capture() as msgs:
            engine = self._runtime.deserialize_cuda_engine(self._engine_bytes)
        if engine is None:
            raise TrtxRuntimeFailed(f"{self.label}: TensorRT-RTX could not deserialize the engine: {summarize(msgs, keep_cuda=True) or 'no error reported'}")
        self._engine = engine
        self._config = engine.create_runtime_config()
        if self._config is None:
            raise TrtxRuntimeFailed(f"{self.label}: TensorRT-RTX could not create a runtime configuration")
        self._load_runtime_cache()
        with capture() as msgs:
            self._context = engine.create_execution_context(self._config)
        if self._context is None:
            raise TrtxRuntimeFailed(f"{self.label}: could not create an execution context: {summarize(msgs, keep_cuda=True) or 'no error reported'}")
        self._stream = cuda.stream_create()
        self._io = []
        for i in range(engine.num_io_tensors):
            name = engine.get_tensor_name(i)
            mode = engine.get_tensor_mode(name)
            dt = numpy_dtype(engine.get_tensor_dtype(name))
            view = np.dtype(self._views.get(name, dt))
            if view.itemsize != dt.itemsize:
                raise TrtxRuntimeFailed(f"{self.label}: tensor {name!r} is {dt} in the engine; it cannot be read as {view}")
            self._io.append(_IO(name, mode == t.TensorIOMode.INPUT, dt, tuple(int(d) for d in engine.get_tensor_shape(name)), view))
        self._profiles = []
        self._profile = 0
        dynamic = [io for io in self._io if io.is_input and io.dynamic]
        for k in range(int(engine.num_optimization_profiles) if dynamic else 0):
            ranges = {}
            for io in dynamic:
                lo, _opt, hi = engine.get_tensor_profile_shape(io.name, k)
                ranges[io.name] = (tuple(int(d) for d in lo), tuple(int(d) for d in hi))
            self._profiles.append(ranges)
        self._allocator = _make_output_allocator(self)
        for io in self._io:
            if io.is_input:
                continue
            if io.dynamic:
                if not self._context.set_output_allocator(io.name, self._allocator):
                    raise TrtxRuntimeFailed(f"{self.label}: could not set the output allocator for {io.name!r}")
            else:
                buf = self._buffer(io.name)
                ptr = buf.ensure_device(int(np.prod(io.shape, dtype=np.int64)) * io.dtype.itemsize)
                self._set_address(io.name, ptr)

    def _check_validity(self) -> None:
        t = trt()
        fn = getattr(self._runtime, "get_engine_validity", None)
        if fn is None:
            return
        validity, diag = fn(self._engine_bytes)
        names = [k for k, v in t.EngineInvalidityDiagnostics.__members__.items() if int(diag) & int(v)]
        self.validity = validity.name if hasattr(validity, "name") else str(validity)
        if validity == t.EngineValidity.INVALID:
            raise EngineInvalid(f"{self.label}: TensorRT-RTX says the engine is invalid on this system ({', '.join(names) or 'no diagnostics'})", names)
        if validity == t.EngineValidity.SUBOPTIMAL:
            log.warning("webnn trtx: engine %s may run suboptimally on this GPU (%s)", self.label, ", ".join(names) or "no diagnostics")

    def _load_runtime_cache(self) -> None:
        self._rcache = self._config.create_runtime_cache()
        if self._rcache is None:
            return
        blob = self._rc_io.load() if self._rc_io is not None else None
        if blob:
            if self._rcache.deserialize(blob):
                self._rc_digest = hashlib.sha256(blob).digest()
            else:
                log.info("webnn trtx: runtime cache for %s was made for another GPU/driver; starting a new one", self.label)
        with capture() as msgs:
            ok = self._config.set_runtime_cache(self._rcache)
        if not ok:  # the engine runs without one; nothing to persist then
            why = summarize(msgs, keep_cuda=True) or "no reason given"
            log.warning("webnn trtx: TensorRT-RTX did not take the runtime cache of %s (%s); kernels compile every run", self.label, why)
            self._rcache = None

    def save_runtime_cache(self) -> bool:
        """Persist the runtime cache if it changed since it was loaded/saved; True when written."""
        if self._rcache is None or self._rc_io is None:
            return False
        try:
            blob = bytes(memoryview(self._rcache.serialize()))
        except Exception as e:  # noqa: BLE001 - a cache that cannot be written must not fail inference
            log.warning("webnn trtx: could not serialize the runtime cache of %s (%s)", self.label, e)
            return False
        digest = hashlib.sha256(blob).digest()
        if not blob or digest == self._rc_digest:
            return False
        try:
            self._rc_io.save(blob)
        except OSError as e:
            log.warning("webnn trtx: could not save the runtime cache of %s (%s)", self.label, e)
            return False
        self._rc_digest = digest
        return True

    def deactivate(self) -> None:
        """Release GPU resources (the runner can be activated again)."""
        with self._lock:
            if self._active:
                try:
                    self.save_runtime_cache()
                finally:
                    self._release()
                    self._active = False

    def close(self) -> None:
        """Release everything; the runner cannot be used again. Idempotent."""
        with self._lock:
            if self._closed:
                return
            try:
                self.deactivate()
            finally:
                self._closed = True
                self._engine_bytes = b""

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer (e.g. at interpreter exit)
            pass

    def _release(self) -> None:
        cuda = self._cuda
        stream = self._stream
        errors = []
        if cuda is not None and stream is not None:
            try:
                cuda.stream_sync(stream)
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        for buf in self._buffers.values():
            try:
                buf.release()
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        self._buffers.clear()
        if cuda is not None and stream is not None:
            try:
                cuda.stream_sync(stream)  # stream-ordered frees complete before the stream goes
                cuda.stream_destroy(stream)
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        self._drop_engine()
        self._addresses.clear()
        self._last_shapes.clear()
        self._profile = 0
        if errors:
            log.warning("webnn trtx: errors while releasing %s: %s", self.label, "; ".join(map(str, errors)))

    def _drop_engine(self) -> None:
        """Forget the stream and TensorRT objects, in order (targets are assigned left to right): context
        before engine, the runtime cache/config with the context."""
        self._stream = self._context = self._allocator = self._rcache = self._config = self._engine = None

    # -- buffers -------------------------------------------------------------------------
    def _buffer(self, name: str) -> StagedBuffer:
        buf = self._buffers.get(name)
        if buf is None:
            buf = self._buffers[name] = StagedBuffer(self._cuda, self._stream, self.device)
        return buf

    def _set_address(self, name: str, ptr: int) -> None:
        if self._addresses.get(name) != ptr:
            if not is_aligned(ptr):  # callers gather unaligned memory first; this is the last line
                raise TrtxRuntimeFailed(f"{self.label}: address {ptr:#x} of tensor {name!r} is not {ALIGN}-byte aligned")
            with capture() as msgs:
                ok = self._context.set_tensor_address(name, ptr)
            if not ok:
                raise TrtxRuntimeFailed(
                    f"{self.label}: TensorRT-RTX refused the address of tensor {name!r}: {summarize(msgs, keep_cuda=True) or 'no reason given'}"
                )
            self._addresses[name] = ptr

    def allocation_count(self) -> int:
        """Device + pinned allocations made so far (constant across calls once warm: buffer reuse)."""
        return sum(b.allocs for b in self._buffers.values())

    @property
    def input_names(self) -> list[str]:
        return [io.name for io in self._io if io.is_input]

    @property
    def output_names(self) -> list[str]:
        return [io.name for io in self._io if not io.is_input]

    @property
    def profiles(self) -> list[dict[str, tuple[tuple[int, ...], tuple[int, ...]]]]:
        """Per optimization profile: dynamic input name -> (min shape, max shape)."""
        return [dict(p) for p in self._profiles]

    def _select_profile(self, shapes: Mapping[str, tuple[int, ...]]) -> None:
        """Make the execution context use a profile holding every dynamic input shape (the current one if it does)."""
        if not self._profiles:
            return
        fits = [k for k, p in enumerate(self._profiles) if all(profile_contains(p[n], sh) for n, sh in shapes.items() if n in p)]
        if not fits:
            raise outside_profiles(self.label, dict(shapes), self._profiles)
        if self._profile in fits:
            return
        k = fits[0]
        with capture() as msgs:
            ok = self._context.set_optimization_profile_async(k, self._cuda.stream_handle(self._stream))
        if not ok:
            raise TrtxRuntimeFailed(
                f"{self.label}: TensorRT-RTX could not switch to optimization profile {k}: {summarize(msgs, keep_cuda=True) or 'no reason given'}"
            )
        self._profile = k
        self._last_shapes.clear()  # input shapes are per profile: set them again

    def stream_handle(self) -> int | None:
        """The CUDA stream handle executions run on (producers of bound inputs order their work on it); None when inactive."""
        return self._cuda.stream_handle(self._stream) if self._active else None

    # -- execution -----------------------------------------------------------------------
    def infer(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run once on host arrays; returns fresh host arrays for every engine output (``dispatch`` with host staging)."""
        return self.dispatch(feed, {})

    def dispatch(self, inputs: Mapping[str, Any], outputs: Mapping[str, int | None]) -> dict[str, np.ndarray]:
        """Run once: the one execution path.

        ``inputs``: engine input name -> a host array (staged through this runner's pinned and
        device buffers), a device pointer (int) holding the data, or a consumed DLPack array on
        this device (:class:`~webnn.backends.trtx.dlpack.DeviceArray`: bound directly when
        C-contiguous, else gathered device-to-device into this runner's buffer; never through the
        host). ``outputs``: engine output name -> device pointer to write into, or None (or absent)
        for a host result. Returns the host results; one stream synchronize per call. Pointers and
        DLPack arrays need static shapes.
        """
        with self._lock:
            if not self._active:
                self.activate()
            if self.device != 0:
                self._cuda.set_device(self.device)  # the current device is per thread
            hosts: dict[str, np.ndarray] = {}
            for io in self._io:
                if io.is_input:
                    if io.name not in inputs:
                        raise missing_input(self.label, io.name, self.input_names)
                    src = inputs[io.name]
                    if not isinstance(src, (int, DeviceArray)):
                        hosts[io.name] = host_input(self.label, io.name, src, io.view)
            self._select_profile({io.name: tuple(hosts[io.name].shape) for io in self._io if io.is_input and io.dynamic and io.name in hosts})
            for io in self._io:
                if io.is_input:
                    self._bind_input(io, hosts.get(io.name, inputs[io.name]))
            copies: list[tuple[int, int, int]] = []  # (destination, runner buffer, bytes) for unaligned bound outputs
            host_outs = [io for io in self._io if not io.is_input and self._bind_output(io, outputs.get(io.name), copies)]
            self._allocator.shapes.clear()
            with capture() as msgs:
                ok = self._context.execute_async_v3(self._cuda.stream_handle(self._stream))
            if not ok:
                raise TrtxRuntimeFailed(f"{self.label}: TensorRT-RTX execution failed: {summarize(msgs, keep_cuda=True) or 'no error reported'}")
            for dst, src_ptr, nbytes in copies:
                self._cuda.dtod_async(dst, src_ptr, nbytes, self._stream)
            return self._collect(host_outs)

    def _nbytes(self, io: _IO) -> int:
        return int(np.prod(io.shape, dtype=np.int64)) * io.dtype.itemsize

    def _bind_input(self, io: _IO, src: Any) -> None:
        cuda, stream = self._cuda, self._stream
        if isinstance(src, (int, DeviceArray)):
            if io.dynamic:
                raise TrtxRuntimeFailed(f"{self.label}: input {io.name!r} has a dynamic shape; pass it as a host array")
            if isinstance(src, int):
                if is_aligned(src):
                    self._set_address(io.name, src)
                else:  # TensorRT needs 256-byte aligned I/O: gather on the device
                    dptr = self._buffer(io.name).ensure_device(self._nbytes(io))
                    cuda.dtod_async(dptr, src, self._nbytes(io), stream)
                    self._set_address(io.name, dptr)
                return
            src.check(io.view, io.shape, (DLPACK_CUDA, self.device), f"compute: input {io.name!r}")
            if src.contiguous and src.nbytes and is_aligned(src.ptr):
                self._set_address(io.name, src.ptr)
            else:
                dptr = self._buffer(io.name).ensure_device(src.nbytes)
                copy_to(cuda, dptr, src, stream)
                self._set_address(io.name, dptr)
            return
        a = host_input(self.label, io.name, src, io.view)
        if io.view != io.dtype:
            a = a.view(io.dtype)  # the same bytes (uint32 as int32, uint64 as int64)
        shape = tuple(a.shape)
        if io.dynamic:
            if self._last_shapes.get(io.name) != shape:
                with capture() as msgs:
                    ok = len(shape) == len(io.shape) and self._context.set_input_shape(io.name, shape)
                if not ok:
                    detail = summarize(msgs, keep_cuda=True)
                    raise TrtxRuntimeFailed(
                        f"{self.label}: TensorRT-RTX refused shape {list(shape)} for input {io.name!r} in optimization profile {self._profile}"
                        + (f": {detail}" if detail else "")
                    )
                self._last_shapes[io.name] = shape
        elif shape != io.shape:
            raise TrtxRuntimeFailed(f"{self.label}: input {io.name!r} has shape {list(shape)}, the engine expects {list(io.shape)}")
        buf = self._buffer(io.name)
        dptr = buf.ensure_device(a.nbytes)
        if a.nbytes:
            np.copyto(buf.ensure_host(a.nbytes), a.reshape(-1).view(np.uint8))
            cuda.htod_async(dptr, buf.hptr, a.nbytes, stream)
        self._set_address(io.name, dptr)

    def _bind_output(self, io: _IO, dst: int | None, copies: list[tuple[int, int, int]]) -> bool:
        """Bind one output; True when its result goes to the host."""
        if dst is not None:
            if io.dynamic:
                raise TrtxRuntimeFailed(f"{self.label}: output {io.name!r} has a dynamic shape; it cannot be bound to a tensor")
            if is_aligned(dst):
                self._set_address(io.name, dst)
            else:  # into the runner's (aligned) buffer, then one device-to-device copy
                own = self._buffer(io.name).dptr
                self._set_address(io.name, own)
                copies.append((dst, own, self._nbytes(io)))
            return False
        if not io.dynamic:  # its own buffer, allocated at activation (a dispatch may have bound a tensor)
            self._set_address(io.name, self._buffer(io.name).dptr)
        return True  # dynamic outputs: the output allocator supplies the buffer

    def _collect(self, host_outs: list[_IO]) -> dict[str, np.ndarray]:
        """Device->host copies of the host outputs, one synchronize, fresh arrays; counts the call.

        Outputs whose shape depends on the data learn it from ``notify_shape`` only once the work is
        done, so with such an output the stream is synchronized first (then once more for the copies)."""
        cuda, stream = self._cuda, self._stream
        if any(io.dynamic for io in host_outs):
            cuda.stream_sync(stream)
        staged = []
        for io in host_outs:
            shape = io.shape
            if io.dynamic:
                shape = self._allocator.shapes.get(io.name) or tuple(int(d) for d in self._context.get_tensor_shape(io.name))
                if any(d < 0 for d in shape):
                    raise TrtxRuntimeFailed(f"{self.label}: TensorRT-RTX reported no shape for output {io.name!r}")
            nbytes = int(np.prod(shape, dtype=np.int64)) * io.dtype.itemsize
            buf = self._buffer(io.name)
            if nbytes and not buf.dptr:
                raise TrtxRuntimeFailed(f"{self.label}: TensorRT-RTX allocated no memory for output {io.name!r}")
            host = buf.ensure_host(nbytes) if nbytes else None
            if nbytes:
                cuda.dtoh_async(buf.hptr, buf.dptr, nbytes, stream)
            staged.append((io, shape, host))
        cuda.stream_sync(stream)
        out = {}
        for io, shape, host in staged:
            arr = np.empty(shape, dtype=io.view)
            if host is not None:
                arr.reshape(-1).view(np.uint8)[:] = host
            out[io.name] = arr
        self.calls += 1
        if not self._rc_saved_after_first:
            self._rc_saved_after_first = True
            self.save_runtime_cache()  # after the first run the JIT kernels exist
        return out


def missing_input(label: str, name: str, names: list[str]) -> TrtxRuntimeFailed:
    return TrtxRuntimeFailed(f"{label}: missing input {name!r} (engine inputs: {', '.join(names)})")


def host_input(label: str, name: str, value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` as a C-contiguous host array; TrtxRuntimeFailed naming the input unless it has ``dtype``."""
    a = value if isinstance(value, np.ndarray) else np.asarray(value)
    if a.dtype != dtype:
        raise TrtxRuntimeFailed(f"{label}: input {name!r} has dtype {a.dtype}, the engine expects {np.dtype(dtype)}")
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)  # (ascontiguousarray makes 0-d arrays 1-d)


def profile_contains(r: tuple[tuple[int, ...], tuple[int, ...]], shape: tuple[int, ...]) -> bool:
    lo, hi = r
    return len(shape) == len(lo) and all(a <= d <= b for a, d, b in zip(lo, shape, hi, strict=True))


def outside_profile(label: str, name: str, shape: tuple[int, ...], engine_shape: tuple[int, ...]) -> TrtxRuntimeFailed:
    """The error for an input shape a static engine input does not have."""
    return TrtxRuntimeFailed(f"{label}: input {name!r} shape {list(shape)} is outside the engine's optimization profile (engine shape {list(engine_shape)})")


def outside_profiles(label: str, shapes: dict[str, tuple[int, ...]], profiles: list[dict[str, tuple[tuple[int, ...], tuple[int, ...]]]]) -> TrtxRuntimeFailed:
    """The error for dynamic input shapes no optimization profile holds; names every profile's ranges."""

    def ranges(p: dict[str, tuple[tuple[int, ...], tuple[int, ...]]], names: list[str]) -> str:
        return ", ".join(f"{n} {list(p[n][0])} .. {list(p[n][1])}" for n in names if n in p)

    names = sorted(shapes)
    if len(profiles) == 1 and len(names) == 1:
        (n,) = names
        lo, hi = profiles[0][n]
        return TrtxRuntimeFailed(
            f"{label}: input {n!r} shape {list(shapes[n])} is outside the engine's optimization profile (profile range {list(lo)} .. {list(hi)})"
        )
    given = ", ".join(f"{n} {list(shapes[n])}" for n in names)
    each = "; ".join(f"profile {k}: {ranges(p, names)}" for k, p in enumerate(profiles))
    return TrtxRuntimeFailed(f"{label}: input shapes {given} fit none of the engine's {len(profiles)} optimization profiles ({each})")
