"""MLTensor (the spec's MLTensor) and the storage hook backends use to keep tensor data.

An :class:`MLTensor` is created by ``MLContext.create_tensor``; its bytes live in a
:class:`TensorStorage` made by the context's backend (``Backend.create_tensor_storage``).
The default, :class:`HostStorage`, is a zero-initialised numpy array. A device backend
returns its own storage class (device memory) and overrides ``CompiledGraph.dispatch`` to
bind those buffers directly, so chained ``dispatch`` calls never go through the host; a
storage of a foreign kind is still accepted everywhere through ``host_array``/``write``.

DLPack device codes used here: 1 = CPU, 2 = CUDA, 3 = CUDA host (pinned), 13 = CUDA managed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidStateError, ValidationError
from .types import MLOperandDescriptor, as_descriptor

if TYPE_CHECKING:  # pragma: no cover
    from .context import MLContext

DLPACK_CPU = 1
DLPACK_CUDA = 2
DLPACK_CUDA_HOST = 3
DLPACK_CUDA_MANAGED = 13
_HOST_DEVICES = (DLPACK_CPU, DLPACK_CUDA_HOST, DLPACK_CUDA_MANAGED)
_DEVICE_NAMES = {1: "cpu", 2: "cuda", 3: "cuda_host", 4: "opencl", 7: "vulkan", 8: "metal", 10: "rocm", 13: "cuda_managed"}


def device_name(dl_device: tuple[int, int]) -> str:
    kind, index = dl_device
    name = _DEVICE_NAMES.get(int(kind), f"device{int(kind)}")
    return name if kind == DLPACK_CPU else f"{name}:{int(index)}"


class TensorStorage:
    """Where one tensor's bytes live. Backends subclass this for device memory.

    Required: ``read``, ``write``. Device storages also override ``dlpack_device``,
    ``dlpack`` (export without copy) and ``write_dlpack`` (import from a DLPack producer on
    the same device without going through the host).
    """

    def __init__(self, descriptor: MLOperandDescriptor) -> None:
        self.descriptor = descriptor

    def read(self) -> np.ndarray:
        """A host copy of the data (shape and dtype of the descriptor)."""
        raise NotImplementedError  # pragma: no cover

    def read_into(self, out: np.ndarray) -> None:
        """Copy the data into the host array ``out`` (same dtype and size)."""
        np.copyto(out.reshape(self.descriptor.shape), self.read(), casting="no")

    def host_array(self) -> np.ndarray:
        """The data as a host array to read from (no copy where the data already is on the host)."""
        return self.read()

    def write(self, array: np.ndarray) -> None:
        """Overwrite the data from a host array already validated against the descriptor."""
        raise NotImplementedError  # pragma: no cover

    def write_dlpack(self, obj: Any, dl_device: tuple[int, int]) -> bool:
        """Overwrite the data from a DLPack producer on ``dl_device``; False if not handled here."""
        return False

    def dlpack_device(self) -> tuple[int, int]:
        return (DLPACK_CPU, 0)

    def dlpack(self, **kwargs: Any) -> Any:
        """A DLPack capsule over the data (``kwargs``: the ``__dlpack__`` protocol's arguments)."""
        return self.host_array().__dlpack__(**kwargs)

    def release(self) -> None:
        """Free the data; the storage is not used afterwards."""


class HostStorage(TensorStorage):
    """Host memory: one C-contiguous numpy array, zero-initialised."""

    def __init__(self, descriptor: MLOperandDescriptor, array: np.ndarray | None = None) -> None:
        super().__init__(descriptor)
        self.array = np.zeros(descriptor.shape, descriptor.dtype) if array is None else array

    def read(self) -> np.ndarray:
        return self.array.copy()

    def read_into(self, out: np.ndarray) -> None:
        np.copyto(out.reshape(self.array.shape), self.array, casting="no")

    def host_array(self) -> np.ndarray:
        return self.array

    def write(self, array: np.ndarray) -> None:
        np.copyto(self.array, array.reshape(self.array.shape), casting="no")

    def dlpack(self, **kwargs: Any) -> Any:
        return self.array.__dlpack__(**kwargs)

    def release(self) -> None:
        self.array = None  # type: ignore[assignment]


class MLTensor:
    """A tensor owned by an :class:`~webnn.MLContext`, used as ``dispatch`` input or output.

    Create with ``ctx.create_tensor(descriptor, readable=True, writable=True)``; fill with
    ``ctx.write_tensor``; read with ``ctx.read_tensor``; free with :meth:`destroy`.
    Supports the DLPack protocol (``np.from_dlpack(t)``, ``torch.from_dlpack(t)``) when readable.
    """

    # set by _create (MLTensor objects are not constructed by __init__)
    _context: MLContext
    _descriptor: MLOperandDescriptor
    _storage: TensorStorage
    _readable: bool
    _writable: bool
    _constant: bool
    _destroyed: bool

    def __init__(self) -> None:  # pragma: no cover - use MLContext.create_tensor
        raise TypeError("MLTensor objects are created by MLContext.create_tensor()")

    @classmethod
    def _create(
        cls, context: MLContext, descriptor: MLOperandDescriptor, storage: TensorStorage, *, readable: bool, writable: bool, constant: bool = False
    ) -> MLTensor:
        t = object.__new__(cls)
        t._context = context
        t._descriptor = descriptor
        t._storage = storage
        t._readable = readable
        t._writable = writable
        t._constant = constant
        t._destroyed = False
        return t

    # -- attributes (spec names and snake_case) ---------------------------------------------
    @property
    def context(self) -> MLContext:
        return self._context

    @property
    def descriptor(self) -> MLOperandDescriptor:
        return self._descriptor

    @property
    def data_type(self) -> str:
        return self._descriptor.data_type

    dataType = data_type  # spec spelling

    @property
    def shape(self) -> tuple[int, ...]:
        return self._descriptor.shape

    @property
    def dtype(self) -> np.dtype:
        return self._descriptor.dtype

    @property
    def readable(self) -> bool:
        return self._readable

    @property
    def writable(self) -> bool:
        return self._writable

    @property
    def constant(self) -> bool:
        return self._constant

    @property
    def destroyed(self) -> bool:
        return self._destroyed

    @property
    def device(self) -> str:
        """Where the data lives: ``"cpu"``, ``"cuda:0"``..."""
        return device_name(self._storage.dlpack_device()) if not self._destroyed else "destroyed"

    def destroy(self) -> None:
        """Release the tensor's memory. Idempotent; the tensor cannot be used afterwards."""
        if not self._destroyed:
            self._destroyed = True
            storage = self._storage
            del self._storage  # drop the reference; every use checks _destroyed first
            storage.release()

    # -- DLPack ---------------------------------------------------------------------------
    def _check_export(self) -> None:
        if self._destroyed:
            raise ValidationError("MLTensor: the tensor was destroyed")
        if self._context._lost:
            raise InvalidStateError("MLTensor: the tensor's MLContext was destroyed")
        if not (self._readable or self._constant):
            raise ValidationError("MLTensor: the tensor is not readable (create it with readable=True to export it through DLPack)")

    def __dlpack__(
        self, *, stream: Any = None, max_version: tuple[int, int] | None = None, dl_device: tuple[int, int] | None = None, copy: bool | None = None
    ) -> Any:
        """Export the data without a copy (DLPack protocol); the tensor must be readable."""
        self._check_export()
        kwargs: dict[str, Any] = {}
        if stream is not None:
            kwargs["stream"] = stream
        if max_version is not None:
            kwargs["max_version"] = max_version
        if dl_device is not None:
            kwargs["dl_device"] = dl_device
        if copy is not None:
            kwargs["copy"] = copy
        return self._storage.dlpack(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        if self._destroyed:
            raise ValidationError("MLTensor: the tensor was destroyed")
        return self._storage.dlpack_device()

    def __repr__(self) -> str:
        flags = [
            f for f, on in (("readable", self._readable), ("writable", self._writable), ("constant", self._constant), ("destroyed", self._destroyed)) if on
        ]
        where = "" if self._destroyed else f" on {self.device}"
        return f"<MLTensor {self.data_type}{list(self.shape)}{where} {' '.join(flags)}>"


# -- helpers used by MLContext ------------------------------------------------------------------


def tensor_descriptor(descriptor: Any, readable: bool | None, writable: bool | None, what: str) -> tuple[MLOperandDescriptor, bool, bool]:
    """Normalise a create_tensor descriptor: MLOperandDescriptor, dict (spec's MLTensorDescriptor) or shape."""
    r = w = None
    if isinstance(descriptor, dict):
        r, w = descriptor.get("readable"), descriptor.get("writable")
        descriptor = {k: v for k, v in descriptor.items() if k not in ("readable", "writable")}
    desc = as_descriptor(descriptor, what)
    readable = readable if readable is not None else (True if r is None else r)
    writable = writable if writable is not None else (True if w is None else w)
    for name, v in (("readable", readable), ("writable", writable)):
        if not isinstance(v, (bool, np.bool_)):
            raise ValidationError(f"{what}: {name} must be a bool, got {v!r}")
    return desc, bool(readable), bool(writable)


def buffer_to_array(data: Any, desc: MLOperandDescriptor, what: str) -> np.ndarray:
    """Validate ``data`` against ``desc`` the way the spec validates a buffer, and view it as an array.

    Accepted: a numpy array of the descriptor's dtype with the descriptor's shape or flat with
    the same element count; ``bytes``/``bytearray``/``memoryview``/uint8 arrays of exactly the
    descriptor's byte length (the spec's generic byte view); lists/scalars (converted); host
    DLPack producers (viewed without a copy).
    """
    if isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        mv = memoryview(data)
        if mv.nbytes != desc.byte_length:
            raise ValidationError(f"{what}: buffer has {mv.nbytes} bytes, the tensor ({desc.data_type}{list(desc.shape)}) needs {desc.byte_length}")
        return np.frombuffer(mv.cast("B"), dtype=desc.dtype).reshape(desc.shape)
    elif hasattr(data, "__dlpack__"):
        arr = host_from_dlpack(data, what)
    elif isinstance(data, (list, tuple, int, float, np.generic)):
        try:
            arr = np.asarray(data, dtype=desc.dtype)
        except (TypeError, ValueError) as e:
            raise ValidationError(f"{what}: data is not numeric ({e})") from None
    elif hasattr(data, "__array__"):
        arr = np.asarray(data)
    else:
        raise ValidationError(f"{what}: expected a numpy array, bytes-like buffer or DLPack array, got {type(data).__name__}")
    if arr.dtype != desc.dtype:
        if arr.dtype == np.uint8 and arr.nbytes == desc.byte_length:
            return np.ascontiguousarray(arr).view(desc.dtype).reshape(desc.shape)
        raise ValidationError(f"{what}: data has dtype {arr.dtype}, the tensor's data type is {desc.data_type}")
    if arr.shape != desc.shape and not (arr.ndim <= 1 and arr.size == desc.size):
        raise ValidationError(f"{what}: data has shape {list(arr.shape)}, the tensor's shape is {list(desc.shape)}")
    return arr.reshape(desc.shape)


def host_from_dlpack(obj: Any, what: str) -> np.ndarray:
    """A host numpy view (no copy) of a host DLPack producer, or a host copy of a device one."""
    try:
        dev = tuple(obj.__dlpack_device__())
    except Exception:  # noqa: BLE001
        dev = (DLPACK_CPU, 0)
    try:
        if dev[0] in _HOST_DEVICES:
            return np.from_dlpack(obj)
        return np.from_dlpack(obj, device="cpu", copy=True)
    except Exception as e:  # noqa: BLE001
        where = device_name(dev)
        raise ValidationError(f"{what}: could not read the {type(obj).__name__} on {where} through DLPack ({e}); copy it to the host first") from None


def dlpack_device_of(obj: Any) -> tuple[int, int] | None:
    """The DLPack device of ``obj`` (None if it is not a DLPack producer)."""
    if isinstance(obj, np.ndarray) or not hasattr(obj, "__dlpack_device__"):
        return None
    try:
        d = obj.__dlpack_device__()
        return (int(d[0]), int(d[1]))
    except Exception:  # noqa: BLE001
        return None


def check_dlpack_like(obj: Any, desc: MLOperandDescriptor, what: str) -> None:
    """Check a device array's shape and dtype (from its ``shape``/``dtype`` attributes) against ``desc``."""
    shape = getattr(obj, "shape", None)
    if shape is not None and tuple(int(d) for d in shape) != desc.shape:
        raise ValidationError(f"{what}: has shape {list(shape)}, expected {list(desc.shape)}")
    dt = getattr(obj, "dtype", None)
    if dt is not None:
        name = str(dt).rsplit(".", 1)[-1]
        if name != desc.data_type:
            raise ValidationError(f"{what}: has dtype {name}, expected {desc.data_type}")


__all__ = ["MLTensor", "TensorStorage", "HostStorage", "device_name", "buffer_to_array", "host_from_dlpack"]
