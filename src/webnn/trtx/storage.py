"""MLTensor storage in GPU memory for the TensorRT-RTX backend.

:class:`DeviceStorage` keeps one tensor's bytes in a device allocation (``CudaApi.malloc``);
``write`` is one host->device copy through a shared pinned staging buffer, ``read`` one
device->host copy, each followed by a synchronize so every storage operation is complete
when it returns. ``TrtxCompiledGraph.dispatch`` binds ``DeviceStorage.ptr`` directly as the
engine's tensor address, so chained dispatches never touch the host.

:class:`TensorMemory` is the per-backend part: the CUDA API, a stream for tensor copies and
the staging buffer. Storages keep it alive; it is released when the last one is gone.
"""

from __future__ import annotations

import ctypes
import threading
import weakref
from typing import Any

import numpy as np

from ..errors import InvalidStateError
from ..tensor import DLPACK_CUDA, TensorStorage
from ..types import MLOperandDescriptor
from .runtime import _Buffer, _round


class TensorMemory:
    """CUDA API, copy stream and pinned staging shared by one backend's device tensors."""

    def __init__(self, cuda: Any = None, device: int = 0) -> None:
        if cuda is None:
            from .cuda import CudaApi

            cuda = CudaApi()
        self.cuda = cuda
        self.device = device
        self.lock = threading.RLock()
        cuda.init_context(device)
        self.stream = cuda.stream_create()
        self.staging = _Buffer(cuda, self.stream, device)  # host part only
        self._finalizer = weakref.finalize(self, TensorMemory._close, cuda, self.stream, self.staging)

    @staticmethod
    def _close(cuda: Any, stream: Any, staging: _Buffer) -> None:
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
            self.ptr = cuda.malloc(_round(self.nbytes), stream, memory.device)
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

    def _live(self) -> int:
        if not self._finalizer.alive:
            raise InvalidStateError("MLTensor: the tensor's device memory was released")
        return self.ptr

    # -- host copies ---------------------------------------------------------------------
    def read_into(self, out: np.ndarray) -> None:
        ptr = self._live()
        m = self.memory
        with m.lock:
            m.select()
            if self.nbytes:
                host = m.staging.ensure_host(self.nbytes)
                m.cuda.dtoh_async(m.staging.hptr, ptr, self.nbytes, m.stream)
                m.cuda.stream_sync(m.stream)
                np.copyto(out.reshape(-1).view(np.uint8), host, casting="no")

    def read(self) -> np.ndarray:
        out = np.empty(self.descriptor.shape, self.descriptor.dtype)
        self.read_into(out)
        return out

    def write(self, array: np.ndarray) -> None:
        ptr = self._live()
        m = self.memory
        with m.lock:
            m.select()
            if self.nbytes:
                host = m.staging.ensure_host(self.nbytes)
                np.copyto(host, np.ascontiguousarray(array, dtype=self.descriptor.dtype).reshape(-1).view(np.uint8))
                m.cuda.htod_async(ptr, m.staging.hptr, self.nbytes, m.stream)
                m.cuda.stream_sync(m.stream)

    # -- DLPack (export of the device buffer, no copy) --------------------------------------
    def dlpack_device(self) -> tuple[int, int]:
        return (DLPACK_CUDA, self.memory.device)

    def dlpack(self, **kwargs: Any) -> Any:
        dl_device = kwargs.get("dl_device")
        if dl_device is not None and tuple(dl_device) != self.dlpack_device():
            if kwargs.get("copy") is False or tuple(dl_device)[0] != 1:
                raise BufferError(f"MLTensor: the tensor lives on CUDA device {self.memory.device}; cannot export it to {tuple(dl_device)} without a copy")
            return self.read().__dlpack__()
        return _dlpack_capsule(self, self._live())

    def release(self) -> None:
        self._finalizer()


# -- a minimal DLPack (unversioned DLManagedTensor) capsule over device memory ----------------------


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", _DLDevice),
        ("ndim", ctypes.c_int),
        ("dtype", _DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class _DLManagedTensor(ctypes.Structure):
    pass


_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(_DLManagedTensor))
_DLManagedTensor._fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _DELETER)]

_DL_CODES = {"f": 2, "i": 0, "u": 1, "b": 6}  # kDLFloat, kDLInt, kDLUInt, kDLBool
_alive: dict[int, Any] = {}  # address of the managed tensor -> what it keeps alive


@_DELETER
def _deleter(p: Any) -> None:
    _alive.pop(ctypes.addressof(p.contents), None)


_CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)  # raw PyObject*: no refcounting of a dying object
_capsule_new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, _CAPSULE_DESTRUCTOR)(("PyCapsule_New", ctypes.pythonapi))
_capsule_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)(("PyCapsule_IsValid", ctypes.pythonapi))
_capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(("PyCapsule_GetPointer", ctypes.pythonapi))


@_CAPSULE_DESTRUCTOR
def _capsule_destructor(capsule: int) -> None:
    # The capsule died unconsumed (a consumer renames it "used_dltensor" and calls the deleter itself).
    if _capsule_is_valid(capsule, b"dltensor"):
        _alive.pop(int(_capsule_pointer(capsule, b"dltensor") or 0), None)


def _dlpack_capsule(storage: DeviceStorage, ptr: int) -> Any:
    desc = storage.descriptor
    dt = np.dtype(desc.dtype)
    ndim = len(desc.shape)
    shape = (ctypes.c_int64 * max(ndim, 1))(*desc.shape)
    mt = _DLManagedTensor()
    mt.dl_tensor.data = ptr
    mt.dl_tensor.device = _DLDevice(DLPACK_CUDA, storage.memory.device)
    mt.dl_tensor.ndim = ndim
    mt.dl_tensor.dtype = _DLDataType(_DL_CODES[dt.kind], dt.itemsize * 8, 1)
    mt.dl_tensor.shape = shape
    mt.dl_tensor.strides = None  # compact row-major
    mt.dl_tensor.byte_offset = 0
    mt.deleter = _deleter
    addr = ctypes.addressof(mt)
    _alive[addr] = (mt, shape, storage)  # the storage (and its memory) outlives the consumer's view
    return _capsule_new(addr, b"dltensor", _capsule_destructor)
