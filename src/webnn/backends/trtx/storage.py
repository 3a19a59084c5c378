"""MLTensor storage in GPU memory for the TensorRT-RTX backend.

:class:`DeviceStorage` keeps one tensor's bytes in a device allocation (``CudaApi.malloc``);
``write`` is one host->device copy through a shared pinned staging buffer, ``read`` one
device->host copy, each followed by a synchronize so every storage operation is complete
when it returns. ``TrtxCompiledGraph.dispatch`` binds ``DeviceStorage.device_ptr()`` directly as the
engine's tensor address, so chained dispatches never touch the host.

:class:`TensorMemory` is the per-backend part: the CUDA API, a stream for tensor copies and
the staging buffer. Storages keep it alive; it is released when the last one is gone.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from ...errors import InvalidStateError, ValidationError
from ...tensor import DLPACK_CUDA, TensorStorage
from ...types import MLOperandDescriptor
from .cuda import CudaApi
from .dlpack import consume, copy_to, make_capsule
from .runtime import StagedBuffer, aligned


class TensorMemory:
    """CUDA API, copy stream and pinned staging shared by one backend's device tensors."""

    def __init__(self, cuda: Any = None, device: int = 0) -> None:
        if cuda is None:
            cuda = CudaApi()
        self.cuda = cuda
        self.device = device
        self.lock = threading.RLock()
        cuda.init_context(device)
        self.stream = cuda.stream_create()
        self.staging = StagedBuffer(cuda, self.stream, device)  # host part only
        self._finalizer = weakref.finalize(self, TensorMemory._close, cuda, self.stream, self.staging)

    @staticmethod
    def _close(cuda: Any, stream: Any, staging: StagedBuffer) -> None:
        try:
            cuda.stream_sync(stream)
            staging.release()
            cuda.stream_destroy(stream)
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def select(self) -> None:
        if self.device != 0:
            self.cuda.set_device(self.device)  # the current device is per thread

    def close(self) -> None:
        self._finalizer()


class DeviceStorage(TensorStorage):
    """One tensor in device memory (zero-initialised); ``ptr`` is bound directly by dispatch."""

    def __init__(self, memory: TensorMemory, descriptor: MLOperandDescriptor) -> None:
        super().__init__(descriptor)
        self.memory = memory
        self.nbytes = int(descriptor.byte_length)
        cuda, stream = memory.cuda, memory.stream
        with memory.lock:
            memory.select()
            self.ptr = cuda.malloc(aligned(self.nbytes), stream, memory.device)
            try:
                if self.nbytes:
                    host = memory.staging.ensure_host(self.nbytes)
                    host[:] = 0
                    cuda.htod_async(self.ptr, memory.staging.hptr, self.nbytes, stream)
                cuda.stream_sync(stream)
            except BaseException:
                cuda.free(self.ptr, stream, memory.device)
                raise
        self._finalizer = weakref.finalize(self, DeviceStorage._free, memory, self.ptr)

    @staticmethod
    def _free(memory: TensorMemory, ptr: int) -> None:
        try:
            with memory.lock:
                memory.select()
                memory.cuda.free(ptr, memory.stream, memory.device)
                memory.cuda.stream_sync(memory.stream)
        except Exception:  # noqa: BLE001 - never raise from a finalizer (e.g. at interpreter exit)
            pass

    def device_ptr(self) -> int:
        """The device pointer (InvalidStateError once the memory was released)."""
        if not self._finalizer.alive:
            raise InvalidStateError("MLTensor: the tensor's device memory was released")
        return self.ptr

    # -- host copies ---------------------------------------------------------------------
    def _through_staging(self, upload: np.ndarray | None = None, download: np.ndarray | None = None) -> None:
        """One synchronised copy through the shared pinned buffer: the bytes ``upload`` to the device,
        or the device's bytes into ``download``."""
        ptr = self.device_ptr()
        m = self.memory
        with m.lock:
            m.select()
            if not self.nbytes:
                return
            host = m.staging.ensure_host(self.nbytes)
            if upload is not None:
                np.copyto(host, upload)
                m.cuda.htod_async(ptr, m.staging.hptr, self.nbytes, m.stream)
            else:
                m.cuda.dtoh_async(m.staging.hptr, ptr, self.nbytes, m.stream)
            m.cuda.stream_sync(m.stream)
            if download is not None:
                np.copyto(download, host, casting="no")

    def read_into(self, out: np.ndarray) -> None:
        self._through_staging(download=out.reshape(-1).view(np.uint8))

    def read(self) -> np.ndarray:
        out = np.empty(self.descriptor.shape, self.descriptor.dtype)
        self.read_into(out)
        return out

    def write(self, array: np.ndarray) -> None:
        self._through_staging(upload=np.ascontiguousarray(array, dtype=self.descriptor.dtype).reshape(-1).view(np.uint8))

    def write_dlpack(self, obj: Any, dl_device: tuple[int, int]) -> bool:
        """One device-to-device copy from a DLPack producer on this storage's CUDA device."""
        if tuple(dl_device) != self.dlpack_device():
            if int(dl_device[0]) == DLPACK_CUDA:  # never a silent trip through the host
                raise ValidationError(f"write_tensor: data lives on cuda:{dl_device[1]}, the tensor on cuda:{self.memory.device}; move it there first")
            return False  # not CUDA memory: the context goes through the host
        ptr = self.device_ptr()
        m = self.memory
        with m.lock:
            m.select()
            src = consume(obj, m.cuda.stream_handle(m.stream), "write_tensor: data")
            try:
                src.check(self.descriptor.dtype, self.descriptor.shape, self.dlpack_device(), "write_tensor: data")
                copy_to(m.cuda, ptr, src, m.stream)
                m.cuda.stream_sync(m.stream)
            finally:
                src.close()
        return True

    # -- DLPack (export of the device buffer, no copy) --------------------------------------
    def dlpack_device(self) -> tuple[int, int]:
        return (DLPACK_CUDA, self.memory.device)

    def dlpack(self, **kwargs: Any) -> Any:
        dl_device = kwargs.get("dl_device")
        if dl_device is not None and tuple(dl_device) != self.dlpack_device():
            if kwargs.get("copy") is False or tuple(dl_device)[0] != 1:
                raise BufferError(f"MLTensor: the tensor lives on CUDA device {self.memory.device}; cannot export it to {tuple(dl_device)} without a copy")
            return self.read().__dlpack__()
        return _dlpack_capsule(self, self.device_ptr())

    def release(self) -> None:
        self._finalizer()


def _dlpack_capsule(storage: DeviceStorage, ptr: int) -> Any:
    desc = storage.descriptor
    # the storage (and its memory) outlives the consumer's view
    return make_capsule(ptr, (DLPACK_CUDA, storage.memory.device), desc.dtype, desc.shape, keep=storage)
