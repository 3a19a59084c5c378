"""DLPack producers on the GPU runner's device as compute/write_tensor inputs, on CPU against the fakes.

A :class:`FakeCudaArray` lives in the fake CUDA's "device" memory and exports it through a real
``dltensor`` capsule (storage.py's builder), like a torch/cupy CUDA tensor. The fake logs every
copy with its device pointer, so the tests check that no host->device copy touches the array
(it is bound directly) and that write_tensor is one device-to-device copy.
"""

from __future__ import annotations

import ctypes
import gc

import numpy as np
import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

import webnn
from webnn.backends.trtx.dlpack import _alive, consume, make_capsule
from webnn.backends.trtx.runtime import TrtxRunner
from webnn.backends.trtx.storage import DeviceStorage

from .fakes import FakeCuda, FakeRuntime

DESC = {"dataType": "float32", "shape": [2, 4]}


class FakeCudaArray:
    """A CUDA array in the fake's device memory (torch/cupy stand-in). ``strides`` in elements."""

    def __init__(self, cuda: FakeCuda, data: np.ndarray, *, device: int = 0, shape=None, strides=None, attrs: bool = True) -> None:
        data = np.ascontiguousarray(data)
        self.cuda, self.device = cuda, device
        self.ptr = cuda.malloc(max(data.nbytes, 1), 0)
        ctypes.memmove(self.ptr, data.ctypes.data, data.nbytes)
        self._shape = tuple(shape) if shape is not None else data.shape
        self._dtype = data.dtype
        self._strides = strides
        self.streams: list = []
        if attrs:
            self.shape, self.dtype = self._shape, self._dtype

    def __dlpack_device__(self) -> tuple[int, int]:
        return (2, self.device)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if dl_device is not None and tuple(dl_device) != (2, self.device):
            raise BufferError("the fake CUDA array cannot leave its device")
        self.streams.append(stream)
        return make_capsule(self.ptr, (2, self.device), self._dtype, self._shape, self._strides, keep=self)

    def free(self) -> None:
        self.cuda.free(self.ptr, 0)


def f1(x: np.ndarray) -> np.ndarray:
    return np.maximum(x * 2 + 1, 0)


@pytest.fixture()
def gpu_ctx():
    """A simulated trtx context switched to the fake GPU runner (as in test_device_tensors)."""
    cuda = FakeCuda()
    ctx = webnn.MLContext(backend="trtx", simulate=True)
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", DESC)
    g = b.build({"y": b.relu(b.add(b.mul(x, b.constant(np.full((2, 4), 2.0, np.float32))), b.constant(np.ones((2, 4), np.float32))))})
    c = g._compiled
    assert not c.accepts_device((2, 0)), "the simulation takes host arrays only"
    c._runner = TrtxRunner(c.record.engine, label=c.record.label, cuda=cuda, runtime=FakeRuntime(cuda, c.record)).activate()
    c.simulated = False
    ctx._backend.simulated, ctx._backend._cuda = False, cuda
    yield ctx, g, cuda
    ctx.destroy()


X = np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4)


def test_compute_binds_a_cuda_array_without_copies(gpu_ctx) -> None:
    ctx, g, cuda = gpu_ctx
    assert g._compiled.accepts_device((2, 0)) and not g._compiled.accepts_device((1, 0))
    assert g._compiled.accepts_device((2, 1)), "taken to be rejected with a clear error, not copied through the host"
    arr = FakeCudaArray(cuda, X)
    for _ in range(2):
        start = len(cuda.copies)
        out = ctx.compute(g, {"x": arr})
        np.testing.assert_array_equal(out["y"], f1(X))
        assert cuda.copies_touching(arr.ptr, X.nbytes) == [], "the array is bound, not copied"
        assert [c[0] for c in cuda.copies[start:]] == ["d2h"], "only the output comes back to the host"
    assert g._compiled.runner._context.addresses["x"] == arr.ptr
    assert arr.streams == [cuda.stream_handle(g._compiled.runner._stream)] * 2, "the producer orders its work on the runner's stream"
    assert not _alive, "the capsule was consumed and its deleter called"
    # host numpy arrays keep working (staged through the runner's own buffer again)
    np.testing.assert_array_equal(ctx.compute(g, {"x": X + 1})["y"], f1(X + 1))
    assert g._compiled.runner._context.addresses["x"] != arr.ptr
    arr.free()


def test_compute_with_a_non_contiguous_array_gathers_on_the_device(gpu_ctx) -> None:
    ctx, g, cuda = gpu_ctx
    arr = FakeCudaArray(cuda, X.T.copy(), shape=(2, 4), strides=(1, 2))  # a transposed view
    start = len(cuda.copies)
    np.testing.assert_array_equal(ctx.compute(g, {"x": arr})["y"], f1(X))
    kinds = [c[0] for c in cuda.copies[start:]]
    assert "h2d" not in kinds and kinds.count("d2d") == 8 and kinds[-1] == "d2h"
    buf = g._compiled.runner._buffers["x"].dptr
    assert g._compiled.runner._context.addresses["x"] == buf
    assert all(arr.ptr <= s < arr.ptr + X.nbytes for s, _ in cuda.d2d_sources)
    assert not _alive
    arr.free()


def test_an_mltensor_is_a_cuda_producer_too(gpu_ctx) -> None:
    ctx, g, cuda = gpu_ctx
    t = ctx.create_tensor(DESC)
    ctx.write_tensor(t, X)
    start = len(cuda.copies)
    np.testing.assert_array_equal(ctx.compute(g, {"x": t})["y"], f1(X))
    assert cuda.copies_touching(t._storage.ptr, X.nbytes)[-1:] == [("h2d", t._storage.ptr, 32)], "no copy after the write"
    assert [c[0] for c in cuda.copies[start:]] == ["d2h"]
    assert not _alive


def test_write_tensor_is_one_device_to_device_copy(gpu_ctx) -> None:
    ctx, g, cuda = gpu_ctx
    t = ctx.create_tensor(DESC)
    assert isinstance(t._storage, DeviceStorage)
    arr = FakeCudaArray(cuda, X)
    start = len(cuda.copies)
    ctx.write_tensor(t, arr)
    assert cuda.copies[start:] == [("d2d", t._storage.ptr, 32)]
    assert cuda.d2d_sources[-1] == (arr.ptr, 32)
    np.testing.assert_array_equal(ctx.read_tensor(t), X)
    assert not _alive
    # non-contiguous: gathered on the device, still no host copy
    strided = FakeCudaArray(cuda, (X * 3).T.copy(), shape=(2, 4), strides=(1, 2))
    start = len(cuda.copies)
    ctx.write_tensor(t, strided)
    assert {c[0] for c in cuda.copies[start:]} == {"d2d"}
    np.testing.assert_array_equal(ctx.read_tensor(t), X * 3)
    # numpy still works
    ctx.write_tensor(t, X + 5)
    np.testing.assert_array_equal(ctx.read_tensor(t), X + 5)
    arr.free(), strided.free()


@pytest.mark.parametrize("attrs", [True, False], ids=["checked-by-attributes", "checked-from-the-DLTensor"])
def test_wrong_dtype_shape_device_name_the_input(gpu_ctx, attrs) -> None:
    ctx, g, cuda = gpu_ctx
    t = ctx.create_tensor(DESC)
    bad = {
        "dtype": FakeCudaArray(cuda, X.astype(np.int32), attrs=attrs),
        "shape": FakeCudaArray(cuda, X.reshape(4, 2), attrs=attrs),
        "device": FakeCudaArray(cuda, X, device=1, attrs=attrs),
    }
    for what, arr in bad.items():
        with pytest.raises(webnn.ValidationError, match=r"compute: input 'x'") as e:
            ctx.compute(g, {"x": arr})
        assert (what if what != "device" else "cuda:1") in str(e.value)
        with pytest.raises(webnn.ValidationError, match=r"write_tensor: data"):
            ctx.write_tensor(t, arr)
        assert not _alive, "a rejected capsule is still released"
    np.testing.assert_array_equal(ctx.read_tensor(t), np.zeros((2, 4), np.float32)), "nothing was written"
    for arr in bad.values():
        arr.free()


def test_consume_renames_the_capsule_and_calls_the_deleter_once() -> None:
    cuda = FakeCuda()
    arr = FakeCudaArray(cuda, X)
    seen = []

    class Producer:
        def __dlpack__(self, stream=None):
            cap = arr.__dlpack__(stream=stream)
            seen.append(cap)
            return cap

    v = consume(Producer(), 7, "x")
    assert (v.ptr, v.device, v.shape, v.dtype, v.contiguous) == (arr.ptr, (2, 0), (2, 4), np.dtype("float32"), True)
    is_valid = ctypes.pythonapi.PyCapsule_IsValid
    is_valid.restype, is_valid.argtypes = ctypes.c_int, [ctypes.py_object, ctypes.c_char_p]
    assert is_valid(seen[0], b"used_dltensor") and not is_valid(seen[0], b"dltensor")
    assert len(_alive) == 1
    seen.clear()
    gc.collect()
    assert len(_alive) == 1, "a used capsule's destructor leaves the tensor to the consumer"
    v.close()
    v.close()
    assert not _alive
    arr.free()


def test_consume_accepts_a_versioned_capsule_too() -> None:
    from webnn.backends.trtx.dlpack import _DLDataType, _DLDevice, _DLManagedTensorVersioned

    buf = (ctypes.c_float * 6)(*range(6))
    shape = (ctypes.c_int64 * 2)(2, 3)
    strides = (ctypes.c_int64 * 2)(1, 2)  # column-major [2, 3]
    calls = []
    deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda p: calls.append(p))
    mv = _DLManagedTensorVersioned()
    mv.version.major, mv.version.minor = 1, 1
    mv.deleter = ctypes.cast(deleter, ctypes.c_void_p).value
    t = mv.dl_tensor
    t.data, t.device, t.ndim = ctypes.addressof(buf), _DLDevice(2, 0), 2
    t.dtype, t.shape, t.strides, t.byte_offset = _DLDataType(2, 32, 1), shape, strides, 4
    new = ctypes.pythonapi.PyCapsule_New
    new.restype, new.argtypes = ctypes.py_object, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    cap = new(ctypes.addressof(mv), b"dltensor_versioned", None)

    class Producer:
        def __dlpack__(self, stream=None):
            return cap

    v = consume(Producer(), None, "x")
    assert (v.ptr, v.shape, v.strides, v.dtype, v.contiguous) == (ctypes.addressof(buf) + 4, (2, 3), (1, 2), np.dtype("float32"), False)
    offsets, run = v.runs()
    assert (offsets, run) == ([0, 8, 16, 4, 12, 20], 4)  # element (i, j) at i + 2j, visited in C order
    v.close()
    v.close()
    assert calls == [ctypes.addressof(mv)], "the deleter runs once, with the managed tensor"
