"""IOBinding execution of ONNX Runtime sessions, on the CPU and on CUDA: bindings and buffers reused.

One code path runs every ONNX Runtime graph's ``compute`` and ``dispatch``:

- :class:`IoBinder` wraps one ``IOBinding`` of a session. It remembers what is bound to each
  input and output and binds again only what changed, so a steady-state ``dispatch`` on the
  same tensors only runs. Host data either is bound where it lies (``stage=False``, the CPU:
  ``bind_cpu_input``, outputs copied out with ``copy_outputs_to_cpu``) or goes through reused
  buffers on the session's device (``stage=True``, CUDA: one host-to-device copy per input
  into a buffer allocated once, one device-to-host copy per output from another).
- :class:`BinderPool` hands one binder to each concurrent caller of a graph (a binder is not
  thread-safe; a session is), reusing the last one a caller returned.
- :class:`OrtHostStorage` is an MLTensor in host memory with an ``OrtValue`` over its numpy
  array (bound in place: outputs land in the tensor's memory); :class:`OrtDeviceStorage` is an
  MLTensor held by an ``OrtValue`` on a device (CUDA memory on a CUDA context), bound directly
  by ``dispatch`` so chained dispatches stay on the device.
- :func:`value_from_dlpack` takes a DLPack producer's memory as an ``OrtValue`` without a copy
  (torch/cupy CUDA arrays, other MLTensors), checked against a descriptor.

On CUDA, ``IoBinder.run`` synchronises the device before the run (``synchronize_inputs``:
producers of bound inputs may still be writing them on their own streams) and after it
(``synchronize_outputs``), so every call is complete when it returns (docs/tensors.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import onnxruntime as ort

from ..errors import InvalidStateError, OnnxRuntimeFailed, ValidationError
from ..tensor import DLPACK_CUDA, HostStorage, TensorStorage, device_name, dlpack_device_of
from ..types import MLOperandDescriptor
from .ort_cuda import CPU, Placement, device_sync

#: ONNX Runtime's tensor type names (``OrtValue.data_type()``) of the numpy dtypes WebNN uses.
_ORT_TYPES = {
    "float32": "tensor(float)",
    "float16": "tensor(float16)",
    "float64": "tensor(double)",
    "int8": "tensor(int8)",
    "uint8": "tensor(uint8)",
    "int32": "tensor(int32)",
    "uint32": "tensor(uint32)",
    "int64": "tensor(int64)",
    "uint64": "tensor(uint64)",
    "bool": "tensor(bool)",
}


def ort_type_to_numpy(type_name: str) -> np.dtype | None:
    """``"tensor(float)"`` -> float32 (None for a type numpy lacks)."""
    for dt, t in _ORT_TYPES.items():
        if t == type_name:
            return np.dtype(dt)
    return None


# -- tensor storage -------------------------------------------------------------------------------


class OrtHostStorage(HostStorage):
    """An MLTensor in host memory (numpy) with an ``OrtValue`` over the same bytes, bound in place."""

    placement = CPU

    def __init__(self, descriptor: MLOperandDescriptor) -> None:
        super().__init__(descriptor)
        self.ortvalue: ort.OrtValue | None = ort.OrtValue.ortvalue_from_numpy(self.array)

    def release(self) -> None:
        self.ortvalue = None
        super().release()


class OrtDeviceStorage(TensorStorage):
    """An MLTensor held by an ``OrtValue`` on ``placement`` (device memory on CUDA), zero-initialised.

    ``write`` is one host-to-device copy, ``read``/``read_into`` one device-to-host copy,
    ``write_dlpack`` one device-to-device copy from a producer on the same device; DLPack export
    hands out the device memory itself (ONNX Runtime's own ``OrtValue.__dlpack__``).
    """

    def __init__(self, descriptor: MLOperandDescriptor, placement: Placement) -> None:
        super().__init__(descriptor)
        self.placement = placement
        kind, index = placement.ort_device
        try:
            value = ort.OrtValue.ortvalue_from_shape_and_type(list(descriptor.shape), descriptor.dtype, kind, index)
            value.update_inplace(np.zeros(descriptor.shape, descriptor.dtype))
        except Exception as e:
            raise OnnxRuntimeFailed(f"create_tensor: ONNX Runtime could not allocate {descriptor.data_type}{list(descriptor.shape)} on {placement}: {e}") from e
        self.ortvalue: ort.OrtValue | None = value

    def _value(self) -> ort.OrtValue:
        v = self.ortvalue
        if v is None:
            raise InvalidStateError("MLTensor: the tensor's memory was released")
        return v

    def read(self) -> np.ndarray:
        out = np.empty(self.descriptor.shape, self.descriptor.dtype)
        self.read_into(out)
        return out

    def read_into(self, out: np.ndarray) -> None:
        target = out.reshape(self.descriptor.shape)
        ort.OrtValue.ortvalue_from_numpy(target).update_inplace(self._value())  # one copy into ``out``'s memory

    def write(self, array: np.ndarray) -> None:
        self._value().update_inplace(np.ascontiguousarray(array, dtype=self.descriptor.dtype).reshape(self.descriptor.shape))

    def write_dlpack(self, obj: Any, dl_device: tuple[int, int]) -> bool:
        """One device-to-device copy from a DLPack producer on this storage's device."""
        if tuple(dl_device) != self.placement.dlpack:
            if int(dl_device[0]) == DLPACK_CUDA:  # never a silent trip through the host
                raise ValidationError(f"write_tensor: data lives on {device_name(dl_device)}, the tensor on {self.placement}; move it there first")
            return False  # host memory: the context goes through write()
        src = value_from_dlpack(obj, self.descriptor, self.placement, "write_tensor: data")
        try:
            if self.placement.is_cuda:
                device_sync(ort, self.placement.index)  # the producer may still be writing it on its own stream
            self._value().update_inplace(src)
        except Exception as e:
            raise OnnxRuntimeFailed(f"write_tensor: ONNX Runtime could not copy the data on {self.placement}: {e}") from e
        return True

    def dlpack_device(self) -> tuple[int, int]:
        return self.placement.dlpack

    def dlpack(self, **kwargs: Any) -> Any:
        dl_device = kwargs.get("dl_device")
        if dl_device is not None and tuple(dl_device) != self.dlpack_device():
            if kwargs.get("copy") is False or int(tuple(dl_device)[0]) != 1:
                raise BufferError(f"MLTensor: the tensor lives on {self.placement}; cannot export it to {tuple(dl_device)} without a copy")
            return self.read().__dlpack__()
        return self._value().__dlpack__(stream=kwargs.get("stream"))

    def release(self) -> None:
        self.ortvalue = None


def storage_value(storage: TensorStorage, placement: Placement) -> ort.OrtValue | None:
    """The ``OrtValue`` holding ``storage``'s bytes when it lives on ``placement`` (bound as is), else None."""
    value = getattr(storage, "ortvalue", None)
    if value is None or getattr(storage, "placement", None) != placement:
        return None
    return value


def value_from_dlpack(obj: Any, desc: MLOperandDescriptor, placement: Placement, what: str) -> ort.OrtValue:
    """``obj``'s memory as an ``OrtValue`` (no copy), checked to be ``desc`` on ``placement``.

    The producer is asked for its capsule ordered on the legacy default stream (``stream=1``);
    copies ONNX Runtime makes from it run there, and runs synchronise the device first.
    """
    dev = (1, 0) if isinstance(obj, np.ndarray) else dlpack_device_of(obj)
    if dev != placement.dlpack:
        where = device_name(dev) if dev else type(obj).__name__
        raise ValidationError(f"{what} lives on {where}, the graph runs on {placement}; move it there first")
    try:
        try:
            capsule = obj.__dlpack__(stream=1) if placement.is_cuda else obj.__dlpack__()
        except TypeError:
            capsule = obj.__dlpack__()
        value = ort.OrtValue.from_dlpack(capsule)
    except Exception as e:  # noqa: BLE001 - ONNX Runtime's reason (e.g. a non-contiguous array) is the message
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        hint = " (ONNX Runtime binds only C-contiguous memory: make it contiguous first, e.g. x.contiguous())" if "contiguous" in first.lower() else ""
        raise ValidationError(f"{what}: ONNX Runtime could not take the {type(obj).__name__} through DLPack: {first}{hint}") from None
    got_dtype = ort_type_to_numpy(value.data_type())
    if got_dtype != desc.dtype:
        raise ValidationError(f"{what}: has dtype {got_dtype.name if got_dtype is not None else value.data_type()}, expected {desc.data_type}")
    if tuple(value.shape()) != desc.shape:
        raise ValidationError(f"{what}: has shape {list(value.shape())}, expected {list(desc.shape)}")
    return value


# -- binding --------------------------------------------------------------------------------------


class IoBinder:
    """One ``IOBinding`` of ``session`` whose bindings and device buffers are reused across calls.

    ``inputs``: input name -> descriptor; ``outputs``: the model's output names, each with its
    descriptor, in the order results are returned. Not thread-safe (see :class:`BinderPool`).
    """

    def __init__(
        self,
        session: ort.InferenceSession,
        placement: Placement,
        inputs: Mapping[str, MLOperandDescriptor],
        outputs: Sequence[tuple[str, MLOperandDescriptor]],
        *,
        stage: bool,
    ) -> None:
        self.session = session
        self.placement = placement
        self.stage = stage
        self._cuda = placement.is_cuda
        self.binding = session.io_binding()
        self._inputs = dict(inputs)
        self._outputs = list(outputs)
        self._index = {name: i for i, (name, _) in enumerate(self._outputs)}
        #: What each input/output is bound to now: an OrtValue, or None for a host array bound by
        #: ``bind_cpu_input`` / an output ONNX Runtime allocates (those are bound again each call).
        self._bound_in: dict[str, Any] = {}
        self._bound_out: dict[str, Any] = {}
        self._in_buffers: dict[str, ort.OrtValue] = {}
        self._out_buffers: dict[str, ort.OrtValue] = {}
        #: Bind calls made (inputs and outputs), for tests and benchmarks: reuse keeps it flat.
        self.binds = 0
        for name, _ in self._outputs:  # every output bound once, in model order (results' order)
            self._bind_host_output(name)
        #: Every output is bound for a host result (False after a dispatch bound some elsewhere).
        self._host_outputs = True

    # -- what gets bound ------------------------------------------------------------------
    def _buffer(self, buffers: dict[str, ort.OrtValue], name: str, desc: MLOperandDescriptor) -> ort.OrtValue:
        buf = buffers.get(name)
        if buf is None:
            kind, index = self.placement.ort_device
            buf = ort.OrtValue.ortvalue_from_shape_and_type(list(desc.shape), desc.dtype, kind, index)
            buffers[name] = buf
        return buf

    def bind_input_value(self, name: str, value: ort.OrtValue) -> None:
        if self._bound_in.get(name) is not value:
            self.binding.bind_ortvalue_input(name, value)
            self._bound_in[name] = value
            self.binds += 1

    def bind_input_array(self, name: str, array: np.ndarray) -> None:
        """A host array as input: bound where it lies, or copied into the input's reused device buffer."""
        if not self.stage:
            self.binding.bind_cpu_input(name, array)
            self._bound_in[name] = None
            self.binds += 1
            return
        buf = self._buffer(self._in_buffers, name, self._inputs[name])
        try:
            buf.update_inplace(np.ascontiguousarray(array))  # one host-to-device copy
        except Exception as e:
            raise OnnxRuntimeFailed(f"ONNX Runtime could not copy input {name!r} to {self.placement}: {e}") from e
        self.bind_input_value(name, buf)

    def bind_output_value(self, name: str, value: ort.OrtValue) -> None:
        if self._bound_out.get(name) is not value:
            self.binding.bind_ortvalue_output(name, value)
            self._bound_out[name] = value
            self.binds += 1

    def _bind_host_output(self, name: str) -> None:
        """An output whose result goes to the host: ONNX Runtime's own CPU allocation, or the output's reused device buffer."""
        if self.stage:
            self.bind_output_value(name, self._buffer(self._out_buffers, name, self._outputs[self._index[name]][1]))
        elif name not in self._bound_out or self._bound_out[name] is not None:
            self.binding.bind_output(name, "cpu")
            self._bound_out[name] = None
            self.binds += 1

    # -- running --------------------------------------------------------------------------
    def run(self) -> None:
        try:
            if self._cuda:
                self.binding.synchronize_inputs()  # producers of bound inputs may still be writing them
            self.session.run_with_iobinding(self.binding)
            if self._cuda:
                self.binding.synchronize_outputs()
        except Exception as e:
            raise OnnxRuntimeFailed(f"ONNX Runtime failed to run the graph: {e}") from e

    def compute(self, inputs: Mapping[str, Any]) -> list[np.ndarray]:
        """Run on host arrays (or ``OrtValue``s on this device); every output as a new host array, in output order."""
        for name, a in inputs.items():
            if type(a) is np.ndarray:
                self.bind_input_array(name, a)
            else:
                self.bind_input_value(name, a)
        if not self._host_outputs:
            for name, _ in self._outputs:
                self._bind_host_output(name)
            self._host_outputs = True
        self.run()
        try:
            return list(self.binding.copy_outputs_to_cpu())
        except Exception as e:
            raise OnnxRuntimeFailed(f"ONNX Runtime could not copy the results to the host: {e}") from e

    def dispatch(self, inputs: Mapping[str, TensorStorage], outputs: Mapping[str, TensorStorage]) -> None:
        """Run from storages into storages (``outputs`` keyed by the model's output names).

        Storages on this binder's device are bound as they are; others go through the host.
        """
        for name, s in inputs.items():
            value = storage_value(s, self.placement)
            if value is not None:
                self.bind_input_value(name, value)
            else:
                self.bind_input_array(name, s.host_array())
        foreign = []
        for name, s in outputs.items():
            value = storage_value(s, self.placement)
            if value is not None:
                self.bind_output_value(name, value)
                self._host_outputs = False
            else:
                self._bind_host_output(name)
                foreign.append((self._index[name], s))
        self.run()
        if foreign:
            results = self.binding.get_outputs()
            for i, s in foreign:
                s.write(results[i].numpy())


class BinderPool:
    """Binders of one graph: each caller takes one (the last one returned, else a new one) and gives it back.

    (``list.pop`` and ``list.append`` are atomic, so concurrent callers never share a binder.)
    """

    def __init__(self, make: Callable[[], IoBinder]) -> None:
        self._make = make
        #: Binders not in use (the last one given back is taken first).
        self.free: list[IoBinder] = []
        self.created = 0

    def take(self) -> IoBinder:
        try:
            return self.free.pop()
        except IndexError:
            self.created += 1
            return self._make()

    def give(self, binder: IoBinder) -> None:
        self.free.append(binder)

    def clear(self) -> None:
        self.free.clear()


__all__ = ["BinderPool", "IoBinder", "OrtDeviceStorage", "OrtHostStorage", "ort_type_to_numpy", "storage_value", "value_from_dlpack"]
