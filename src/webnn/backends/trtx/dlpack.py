"""DLPack over ctypes for CUDA memory: export capsules and consume producers' capsules.

Export (:func:`make_capsule`): an unversioned ``DLManagedTensor`` in a ``"dltensor"`` capsule,
used by ``DeviceStorage.dlpack``. Import (:func:`consume`): takes a producer's capsule
(``__dlpack__(stream=...)``), reads the ``DLTensor`` (classic ``"dltensor"`` capsule, or a
``"dltensor_versioned"`` one if the producer returns it anyway), renames the capsule to
``"used_dltensor"``/``"used_dltensor_versioned"`` (so its destructor leaves it alone) and calls
the producer's deleter exactly once in :meth:`DeviceArray.close`. Nothing is copied here: the
caller binds ``DeviceArray.ptr`` or copies device-to-device with :func:`copy_to`.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from ...errors import ValidationError
from ...tensor import device_name

# -- structs (dlpack.h) ---------------------------------------------------------------------------


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


class _DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class _DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [
        ("version", _DLPackVersion),
        ("manager_ctx", ctypes.c_void_p),
        ("deleter", ctypes.c_void_p),
        ("flags", ctypes.c_uint64),
        ("dl_tensor", _DLTensor),
    ]


_RAW_DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)  # either managed struct, by address

_DL_CODES = {"f": 2, "i": 0, "u": 1, "b": 6}  # kDLFloat, kDLInt, kDLUInt, kDLBool
_FROM_DL = {
    (2, 16): "float16", (2, 32): "float32", (2, 64): "float64", (6, 8): "bool",
    (1, 8): "uint8", (1, 16): "uint16", (1, 32): "uint32", (1, 64): "uint64",
}
_FROM_DL.update({(0, b): f"int{b}" for b in (8, 16, 32, 64)})

# -- capsule API ------------------------------------------------------------------------------------

_CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)  # raw PyObject*: no refcounting of a dying object
_capsule_new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, _CAPSULE_DESTRUCTOR)(("PyCapsule_New", ctypes.pythonapi))
_capsule_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)(("PyCapsule_IsValid", ctypes.pythonapi))
_capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(("PyCapsule_GetPointer", ctypes.pythonapi))
_obj_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_IsValid", ctypes.pythonapi))
_obj_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_GetPointer", ctypes.pythonapi))
_obj_set_name = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(("PyCapsule_SetName", ctypes.pythonapi))
# The capsule keeps the name pointer (no copy): these must live as long as the process.
_USED = ctypes.c_char_p(b"used_dltensor")
_USED_VERSIONED = ctypes.c_char_p(b"used_dltensor_versioned")

_alive: dict[int, Any] = {}  # address of an exported managed tensor -> what it keeps alive


@_DELETER
def _deleter(p: Any) -> None:
    _alive.pop(ctypes.addressof(p.contents), None)


@_CAPSULE_DESTRUCTOR
def _capsule_destructor(capsule: int) -> None:
    # The capsule died unconsumed (a consumer renames it "used_dltensor" and calls the deleter itself).
    if _capsule_is_valid(capsule, b"dltensor"):
        _alive.pop(int(_capsule_pointer(capsule, b"dltensor") or 0), None)


def make_capsule(ptr: int, device: tuple[int, int], dtype: Any, shape: Any, strides: Any = None, keep: Any = None) -> Any:
    """An unversioned ``"dltensor"`` capsule over ``ptr``; ``keep`` stays alive until the consumer's deleter runs.

    ``strides`` in elements (None: compact row-major)."""
    dt = np.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    ndim = len(shape)
    c_shape = (ctypes.c_int64 * max(ndim, 1))(*shape)
    c_strides = (ctypes.c_int64 * max(ndim, 1))(*strides) if strides is not None else None
    mt = _DLManagedTensor()
    mt.dl_tensor.data = ptr
    mt.dl_tensor.device = _DLDevice(int(device[0]), int(device[1]))
    mt.dl_tensor.ndim = ndim
    mt.dl_tensor.dtype = _DLDataType(_DL_CODES[dt.kind], dt.itemsize * 8, 1)
    mt.dl_tensor.shape = c_shape
    mt.dl_tensor.strides = c_strides  # None: compact row-major
    mt.dl_tensor.byte_offset = 0
    mt.deleter = _deleter
    addr = ctypes.addressof(mt)
    _alive[addr] = (mt, c_shape, c_strides, keep)
    return _capsule_new(addr, b"dltensor", _capsule_destructor)


# -- consuming ------------------------------------------------------------------------------------


class DeviceArray:
    """A consumed DLPack tensor: pointer, device, dtype, shape and strides (elements); ``close()`` calls the deleter."""

    def __init__(self, managed: int, deleter: int, t: _DLTensor, owner: Any) -> None:
        self._managed, self._deleter = managed, deleter
        self._owner = owner  # the producer object stays alive until close
        self.ptr = int(t.data or 0) + int(t.byte_offset)
        self.device = (int(t.device.device_type), int(t.device.device_id))
        self.shape = tuple(int(t.shape[i]) for i in range(t.ndim)) if t.ndim else ()
        self.strides = tuple(int(t.strides[i]) for i in range(t.ndim)) if (t.ndim and t.strides) else None
        self.dl_dtype = (int(t.dtype.code), int(t.dtype.bits), int(t.dtype.lanes))
        name = _FROM_DL.get(self.dl_dtype[:2]) if self.dl_dtype[2] == 1 else None
        self.dtype = np.dtype(name) if name else None

    @property
    def dtype_name(self) -> str:
        if self.dtype is not None:
            return self.dtype.name
        code, bits, lanes = self.dl_dtype
        return {4: f"bfloat{bits}"}.get(code, f"DLPack type (code {code}, {bits} bits, {lanes} lanes)")

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        return self.size * (self.dtype.itemsize if self.dtype is not None else 0)

    @property
    def contiguous(self) -> bool:
        """C-contiguous (strides of size-1 dimensions do not matter; empty tensors are contiguous)."""
        if self.strides is None or self.size == 0:
            return True
        expect = 1
        for d, s in zip(reversed(self.shape), reversed(self.strides), strict=True):
            if d != 1 and s != expect:
                return False
            expect *= d
        return True

    def check(self, dtype: np.dtype, shape: tuple[int, ...], device: tuple[int, int], what: str) -> None:
        """ValidationError naming ``what`` unless this is ``dtype[shape]`` on ``device``."""
        if self.device != tuple(device):
            raise ValidationError(f"{what}: lives on {device_name(self.device)}, the graph runs on {device_name((device[0], device[1]))}; move it there first")
        if self.dtype != np.dtype(dtype):
            raise ValidationError(f"{what}: has dtype {self.dtype_name}, expected {np.dtype(dtype).name}")
        if self.shape != tuple(shape):
            raise ValidationError(f"{what}: has shape {list(self.shape)}, expected {list(shape)}")

    def runs(self, limit: int = 1 << 16) -> tuple[list[int], int]:
        """Byte offsets (from ``ptr``) of the contiguous runs in C order, and each run's byte length."""
        if self.dtype is None:
            raise ValidationError(f"DLPack input: unsupported element type ({self.dtype_name})")
        item = self.dtype.itemsize
        if self.contiguous:
            return [0], self.nbytes
        shape, strides = list(self.shape), list(self.strides or ())
        # the longest C-contiguous suffix is one run
        run, k = 1, len(shape)
        while k > 0 and (shape[k - 1] == 1 or strides[k - 1] == run):
            run *= shape[k - 1]
            k -= 1
        outer = shape[:k]
        count = int(np.prod(outer, dtype=np.int64))
        if count > limit:
            raise ValidationError(f"DLPack input is too fragmented to copy on the device ({count} runs); make it contiguous first")
        offs = np.zeros(1, np.int64)
        for d, s in zip(outer, strides[:k], strict=True):
            offs = (offs[:, None] + np.arange(d, dtype=np.int64)[None, :] * s).reshape(-1)
        return [int(o) * item for o in offs], run * item

    def close(self) -> None:
        """Call the producer's deleter (once); the pointer must not be used afterwards."""
        m, d = self._managed, self._deleter
        self._managed = self._deleter = 0
        self._owner = None
        if m and d:
            _RAW_DELETER(d)(m)

    def __enter__(self) -> DeviceArray:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass


def consume(obj: Any, stream: int | None, what: str) -> DeviceArray:
    """Take ``obj.__dlpack__`` (ordered on ``stream``, a CUDA stream handle) without copying."""
    try:
        try:
            cap = obj.__dlpack__(stream=stream) if stream is not None else obj.__dlpack__()
        except TypeError:
            cap = obj.__dlpack__()
    except Exception as e:  # noqa: BLE001
        raise ValidationError(f"{what}: {type(obj).__name__}.__dlpack__ failed ({e})") from None
    if _obj_is_valid(cap, b"dltensor"):
        addr = int(_obj_pointer(cap, b"dltensor"))
        mt = _DLManagedTensor.from_address(addr)
        deleter = ctypes.c_void_p.from_address(addr + _DLManagedTensor.deleter.offset).value or 0
        if _obj_set_name(cap, _USED) != 0:  # pragma: no cover - only on a broken capsule
            raise ValidationError(f"{what}: could not mark the DLPack capsule as used")
        return DeviceArray(addr, deleter, mt.dl_tensor, obj)
    if _obj_is_valid(cap, b"dltensor_versioned"):
        addr = int(_obj_pointer(cap, b"dltensor_versioned"))
        mv = _DLManagedTensorVersioned.from_address(addr)
        if mv.version.major != 1:
            raise ValidationError(f"{what}: unsupported DLPack version {mv.version.major}.{mv.version.minor}")
        if _obj_set_name(cap, _USED_VERSIONED) != 0:  # pragma: no cover
            raise ValidationError(f"{what}: could not mark the DLPack capsule as used")
        return DeviceArray(addr, int(mv.deleter or 0), mv.dl_tensor, obj)
    ctypes.pythonapi.PyErr_Clear()
    raise ValidationError(f"{what}: {type(obj).__name__}.__dlpack__ did not return a DLPack capsule")


def copy_to(cuda: Any, dst: int, src: DeviceArray, stream: Any) -> None:
    """Device-to-device copy of ``src`` into the compact buffer ``dst`` (one copy when contiguous)."""
    offsets, run = src.runs()
    if not run:
        return
    for i, off in enumerate(offsets):
        cuda.dtod_async(dst + i * run, src.ptr + off, run, stream)


__all__ = ["make_capsule", "consume", "copy_to", "DeviceArray"]
