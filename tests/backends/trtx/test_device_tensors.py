"""MLTensors in device memory on the TensorRT-RTX GPU runner, on CPU against the fakes (tests/backends/trtx/fakes.py).

The fake CUDA logs every host<->device copy with its device pointer, so these tests check
that a chain of dispatches keeps its intermediate tensor on the "device": no copy touches
it between the first write and the final read. GPU execution itself is test_gpu.py's job.
"""

from __future__ import annotations

import ctypes
import gc

import numpy as np
import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

import webnn
from webnn.backends.trtx import TrtxCompiledGraph
from webnn.backends.trtx.engines import EngineRecord, get_engine
from webnn.backends.trtx.runtime import TrtxRunner
from webnn.backends.trtx.storage import DeviceStorage, TensorMemory
from webnn.tensor import HostStorage
from webnn.types import MLOperandDescriptor

from . import models
from .fakes import FakeCuda, FakeRuntime

DESC = MLOperandDescriptor("float32", [2, 4])


@pytest.fixture(scope="module")
def records() -> tuple[EngineRecord, EngineRecord]:
    return get_engine(models.tiny(2.0), progress=False), get_engine(models.tiny(3.0), progress=False)


def graph_for(record: EngineRecord, cuda: FakeCuda) -> TrtxCompiledGraph:
    runner = TrtxRunner(record.engine, label=record.label, cuda=cuda, runtime=FakeRuntime(cuda, record))
    return TrtxCompiledGraph(runner.activate(), record, {"y": "y"})


def f1(x: np.ndarray) -> np.ndarray:
    return np.maximum(x * 2 + 1, 0)


def f2(x: np.ndarray) -> np.ndarray:
    return np.maximum(x * 3 + 1, 0)


def test_chain_keeps_the_intermediate_on_the_device(records) -> None:
    cuda = FakeCuda()
    g1, g2 = graph_for(records[0], cuda), graph_for(records[1], cuda)
    mem = TensorMemory(cuda)
    a, mid, out = (DeviceStorage(mem, DESC) for _ in range(3))
    x = np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4)
    a.write(x)
    start, syncs = len(cuda.copies), cuda.syncs
    for _ in range(3):
        g1.dispatch({"x": a}, {"y": mid})
        g2.dispatch({"x": mid}, {"y": out})
    assert cuda.copies[start:] == [], "bound dispatches copy nothing between host and device"
    assert cuda.syncs - syncs == 6, "one synchronize per dispatch"
    assert g1.runner._context.addresses == {"x": a.ptr, "y": mid.ptr}
    assert g2.runner._context.addresses == {"x": mid.ptr, "y": out.ptr}
    np.testing.assert_array_equal(out.read(), f2(f1(x)))
    assert cuda.copies_touching(mid.ptr, mid.nbytes) == [("h2d", mid.ptr, 32)], "only the zero fill at creation"
    np.testing.assert_array_equal(mid.read(), f1(x))
    # destroy releases the device memory
    live = cuda.live_bytes()
    for s in (a, mid, out):
        s.release()
        s.release()  # idempotent
    assert cuda.live_bytes() == live - 3 * 256
    with pytest.raises(webnn.InvalidStateError):
        mid.read()
    g1.close(), g2.close()
    mem.close()
    assert not cuda.device_mem and not cuda.host_mem and not cuda.streams


def test_zero_init_write_read_and_gc_release(records) -> None:
    cuda = FakeCuda()
    mem = TensorMemory(cuda)
    s = DeviceStorage(mem, MLOperandDescriptor("int32", [3]))
    np.testing.assert_array_equal(s.read(), [0, 0, 0])
    s.write(np.array([1, -2, 3], np.int32))
    out = np.empty(3, np.int32)
    s.read_into(out)
    np.testing.assert_array_equal(out, [1, -2, 3])
    assert s.dlpack_device() == (2, 0)
    ptr = s.ptr
    del s
    gc.collect()
    assert ptr not in cuda.device_mem
    del mem
    gc.collect()
    assert not cuda.device_mem and not cuda.host_mem and not cuda.streams


def test_host_storages_are_staged(records) -> None:
    cuda = FakeCuda()
    g1 = graph_for(records[0], cuda)
    mem = TensorMemory(cuda)
    x = np.arange(8, dtype=np.float32).reshape(2, 4) - 4
    # host in, device out
    dev_out = DeviceStorage(mem, DESC)
    g1.dispatch({"x": HostStorage(DESC, x.copy())}, {"y": dev_out})
    np.testing.assert_array_equal(dev_out.read(), f1(x))
    # device in, host out
    dev_in = DeviceStorage(mem, DESC)
    dev_in.write(x)
    host_out = HostStorage(DESC)
    g1.dispatch({"x": dev_in}, {"y": host_out})
    np.testing.assert_array_equal(host_out.array, f1(x))
    # infer() after a bound dispatch uses the runner's own buffers again, leaving tensors alone
    before = dev_out.read()
    np.testing.assert_array_equal(g1.run({"x": x + 1})["y"], f1(x + 1))
    np.testing.assert_array_equal(dev_out.read(), before)
    g1.close()


def test_dlpack_capsule_describes_the_device_buffer(records) -> None:
    from webnn.backends.trtx.dlpack import _alive, _DLManagedTensor

    cuda = FakeCuda()
    mem = TensorMemory(cuda)
    s = DeviceStorage(mem, DESC)
    cap = s.dlpack()
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    mt = _DLManagedTensor.from_address(get(cap, b"dltensor"))
    t = mt.dl_tensor
    assert (t.data, t.device.device_type, t.device.device_id, t.ndim) == (s.ptr, 2, 0, 2)
    assert [t.shape[i] for i in range(2)] == [2, 4] and (t.dtype.code, t.dtype.bits, t.dtype.lanes) == (2, 32, 1)
    assert len(_alive) == 1
    del cap, mt, t
    gc.collect()
    assert not _alive, "an unconsumed capsule frees its bookkeeping"
    s.release()


def test_backend_hook_and_context_chain(records) -> None:
    """Through MLContext: a simulated context whose backend and graphs are switched to the fake GPU runner."""
    cuda = FakeCuda()
    ctx = webnn.MLContext(backend="trtx", simulate=True)
    assert isinstance(ctx.create_tensor(DESC)._storage, HostStorage), "simulation keeps host storage"
    graphs = []
    for scale in (2.0, 3.0):
        b = webnn.MLGraphBuilder(ctx)
        x = b.input("x", DESC)
        graphs.append(b.build({"y": b.relu(b.add(b.mul(x, b.constant(np.full((2, 4), scale, np.float32))), b.constant(np.ones((2, 4), np.float32))))}))
    for g in graphs:
        c = g._compiled
        rec = c.record
        c._runner = TrtxRunner(rec.engine, label=rec.label, cuda=cuda, runtime=FakeRuntime(cuda, rec)).activate()
        c.simulated = False
    ctx._backend.simulated, ctx._backend._cuda = False, cuda
    a, mid, out = (ctx.create_tensor(DESC) for _ in range(3))
    assert isinstance(mid._storage, DeviceStorage) and mid.device == "cuda:0"
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    ctx.write_tensor(a, x)
    start = len(cuda.copies)
    ctx.dispatch(graphs[0], {"x": a}, {"y": mid})
    ctx.dispatch(graphs[1], {"x": mid}, {"y": out})
    assert cuda.copies[start:] == []
    np.testing.assert_allclose(ctx.read_tensor(out), f2(f1(x)), rtol=1e-6)
    live = cuda.live_bytes()
    mid.destroy()
    assert cuda.live_bytes() == live - 256
    ctx.destroy()
