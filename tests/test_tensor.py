"""MLTensor: create/write/read/destroy, dispatch (chains included), DLPack, the storage hook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn import selection
from webnn.backends import Backend, CompiledGraph
from webnn.backends.onnxruntime import OnnxRuntimeBackend
from webnn.tensor import HostStorage, TensorStorage


def _torch():
    try:
        import torch
    except Exception:  # noqa: BLE001 - not installed, or installed without its libraries
        return None
    return torch


@pytest.fixture
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def spec_example(ctx: webnn.MLContext) -> webnn.MLGraph:
    """The spec's dispatch example: C = 0.2 * A + B."""
    desc = {"dataType": "float32", "shape": [2, 2]}
    b = webnn.MLGraphBuilder(ctx)
    c = b.constant(desc, np.full(4, 0.2, np.float32).tobytes())
    A = b.input("A", desc)
    B = b.input("B", desc)
    return b.build({"C": b.add(b.mul(A, c), B)})


def test_spec_example(ctx: webnn.MLContext) -> None:
    g = spec_example(ctx)
    ta = ctx.create_tensor({"dataType": "float32", "shape": [2, 2], "writable": True})
    tb = ctx.create_tensor({"dataType": "float32", "shape": [2, 2], "writable": True})
    tc = ctx.create_tensor({"dataType": "float32", "shape": [2, 2], "readable": True})
    ctx.writeTensor(ta, np.full(4, 1.0, np.float32))
    ctx.writeTensor(tb, np.full(4, 0.8, np.float32))
    ctx.dispatch(g, {"A": ta, "B": tb}, {"C": tc})
    np.testing.assert_allclose(ctx.readTensor(tc), np.ones((2, 2)), rtol=1e-6)


def test_attributes_defaults_and_zero_init(ctx: webnn.MLContext) -> None:
    t = ctx.create_tensor(webnn.MLOperandDescriptor("int32", [3]))
    assert (t.data_type, t.dataType, t.shape, t.readable, t.writable, t.constant, t.destroyed) == ("int32", "int32", (3,), True, True, False, False)
    assert t.device == "cpu" and t.__dlpack_device__() == (1, 0) and t.context is ctx
    np.testing.assert_array_equal(ctx.read_tensor(t), [0, 0, 0])
    t2 = ctx.createTensor({"dataType": "float16", "shape": [2], "readable": False}, writable=False)
    assert not t2.readable and not t2.writable
    assert "float16[2]" in repr(t2)
    with pytest.raises(webnn.ValidationError):
        ctx.create_tensor({"dataType": "float64", "shape": [2]})
    with pytest.raises(webnn.ValidationError):
        ctx.create_tensor({"dataType": "float32", "shape": [0]})


@pytest.mark.parametrize("dt", webnn.DATA_TYPES)
def test_write_read_round_trip_every_dtype(ctx: webnn.MLContext, dt: str) -> None:
    t = ctx.create_tensor({"dataType": dt, "shape": [2, 3]})
    a = (np.arange(6) % 5).reshape(2, 3).astype(dt)
    ctx.write_tensor(t, a)
    out = ctx.read_tensor(t)
    assert out.dtype == np.dtype(dt) and out.shape == (2, 3)
    np.testing.assert_array_equal(out, a)
    a[0, 0] = 4  # the tensor holds a copy
    assert ctx.read_tensor(t)[0, 0] == 0
    out[0, 1] = 3  # and read returns a copy
    assert ctx.read_tensor(t)[0, 1] == 1


def test_write_forms(ctx: webnn.MLContext) -> None:
    t = ctx.create_tensor({"dataType": "float32", "shape": [2, 2]})
    a = np.array([[1, 2], [3, 4]], np.float32)
    for data in (a, a.ravel(), a.tobytes(), bytearray(a.tobytes()), memoryview(a.tobytes()), a.view(np.uint8), [[1, 2], [3, 4]], np.asfortranarray(a)):
        ctx.write_tensor(t, np.zeros(4, np.float32))
        ctx.write_tensor(t, data)
        np.testing.assert_array_equal(ctx.read_tensor(t), a)


def test_write_validation(ctx: webnn.MLContext) -> None:
    t = ctx.create_tensor({"dataType": "float32", "shape": [2, 2]})
    with pytest.raises(webnn.ValidationError, match="dtype float64"):
        ctx.write_tensor(t, np.zeros((2, 2)))
    with pytest.raises(webnn.ValidationError, match="shape \\[4, 1\\]"):
        ctx.write_tensor(t, np.zeros((4, 1), np.float32))
    with pytest.raises(webnn.ValidationError, match="15 bytes"):
        ctx.write_tensor(t, bytes(15))
    with pytest.raises(webnn.ValidationError, match="expected an MLTensor"):
        ctx.write_tensor(np.zeros(4), np.zeros(4))
    with pytest.raises(webnn.ValidationError, match="expected a numpy array"):
        ctx.write_tensor(t, object())
    ro = ctx.create_tensor({"dataType": "float32", "shape": [2, 2]}, writable=False)
    with pytest.raises(webnn.ValidationError, match="not writable"):
        ctx.write_tensor(ro, np.zeros((2, 2), np.float32))


def test_read_validation_and_byob(ctx: webnn.MLContext) -> None:
    t = ctx.create_tensor({"dataType": "float32", "shape": [2]})
    ctx.write_tensor(t, np.array([1.5, 2.5], np.float32))
    out = np.empty(2, np.float32)
    assert ctx.read_tensor(t, out) is out
    np.testing.assert_array_equal(out, [1.5, 2.5])
    buf = bytearray(8)
    ctx.read_tensor(t, buf)
    assert np.frombuffer(buf, np.float32).tolist() == [1.5, 2.5]
    with pytest.raises(webnn.ValidationError, match="bytes"):
        ctx.read_tensor(t, bytearray(4))
    with pytest.raises(webnn.ValidationError, match="dtype"):
        ctx.read_tensor(t, np.empty(2, np.int32))
    with pytest.raises(webnn.ValidationError, match="read-only"):
        ctx.read_tensor(t, bytes(8))
    wo = ctx.create_tensor({"dataType": "float32", "shape": [2]}, readable=False)
    with pytest.raises(webnn.ValidationError, match="not readable"):
        ctx.read_tensor(wo)
    with pytest.raises(webnn.ValidationError, match="not readable"):
        np.from_dlpack(wo)


def test_destroyed_tensor(ctx: webnn.MLContext) -> None:
    g = spec_example(ctx)
    ts = {n: ctx.create_tensor({"dataType": "float32", "shape": [2, 2]}) for n in "ABC"}
    ts["A"].destroy()
    ts["A"].destroy()  # idempotent
    assert ts["A"].destroyed and "destroyed" in repr(ts["A"])
    for call in (lambda: ctx.read_tensor(ts["A"]), lambda: ctx.write_tensor(ts["A"], np.zeros(4, np.float32)), lambda: np.from_dlpack(ts["A"])):
        with pytest.raises(webnn.ValidationError, match="destroyed"):
            call()
    with pytest.raises(webnn.ValidationError, match="destroyed"):
        ctx.dispatch(g, {"A": ts["A"], "B": ts["B"]}, {"C": ts["C"]})


def test_dispatch_validation(ctx: webnn.MLContext) -> None:
    g = spec_example(ctx)
    t = lambda shape=(2, 2), dt="float32": ctx.create_tensor({"dataType": dt, "shape": list(shape)})  # noqa: E731
    A, B, C = t(), t(), t()
    with pytest.raises(webnn.ValidationError, match="missing input\\(s\\) 'B'"):
        ctx.dispatch(g, {"A": A}, {"C": C})
    with pytest.raises(webnn.ValidationError, match="unknown output\\(s\\) 'D'"):
        ctx.dispatch(g, {"A": A, "B": B}, {"C": C, "D": t()})
    with pytest.raises(webnn.ValidationError, match="input 'B' is float32\\[2, 3\\], the graph expects float32\\[2, 2\\]"):
        ctx.dispatch(g, {"A": A, "B": t((2, 3))}, {"C": C})
    with pytest.raises(webnn.ValidationError, match="output 'C' is int32"):
        ctx.dispatch(g, {"A": A, "B": B}, {"C": t(dt="int32")})
    with pytest.raises(webnn.ValidationError, match="more than once"):
        ctx.dispatch(g, {"A": A, "B": A}, {"C": C})
    with pytest.raises(webnn.ValidationError, match="more than once"):
        ctx.dispatch(g, {"A": A, "B": B}, {"C": A})
    with pytest.raises(webnn.ValidationError, match="expected an MLTensor"):
        ctx.dispatch(g, {"A": np.zeros((2, 2), np.float32), "B": B}, {"C": C})
    const = ctx.create_constant_tensor({"dataType": "float32", "shape": [2, 2]}, np.ones((2, 2), np.float32))
    assert const.constant and not const.readable and not const.writable
    with pytest.raises(webnn.ValidationError, match="constant tensor"):
        ctx.dispatch(g, {"A": const, "B": B}, {"C": C})
    other = webnn.MLContext(accelerated=False)
    with pytest.raises(webnn.ValidationError, match="different MLContext"):
        ctx.dispatch(g, {"A": other.create_tensor({"dataType": "float32", "shape": [2, 2]}), "B": B}, {"C": C})
    with pytest.raises(webnn.ValidationError, match="different MLContext"):
        other.dispatch(g, {"A": A, "B": B}, {"C": C})
    with pytest.raises(webnn.ValidationError, match="different MLContext"):
        other.read_tensor(A)
    g.destroy()
    with pytest.raises(webnn.InvalidStateError, match="destroyed"):
        ctx.dispatch(g, {"A": A, "B": B}, {"C": C})


def test_destroyed_context(ctx: webnn.MLContext) -> None:
    g = spec_example(ctx)
    t = ctx.create_tensor({"dataType": "float32", "shape": [2, 2]})
    ctx.destroy()
    assert t.destroyed
    with pytest.raises(webnn.InvalidStateError):
        ctx.create_tensor({"dataType": "float32", "shape": [2, 2]})
    with pytest.raises(webnn.InvalidStateError):
        ctx.dispatch(g, {}, {})
    with pytest.raises(webnn.InvalidStateError):
        ctx.read_tensor(t)


def chain_graphs(ctx: webnn.MLContext) -> tuple[webnn.MLGraph, webnn.MLGraph]:
    b1 = webnn.MLGraphBuilder(ctx)
    x = b1.input("x", [4])
    g1 = b1.build({"y": b1.mul(b1.add(x, b1.constant(np.ones(4, np.float32))), x)})  # (x + 1) * x
    b2 = webnn.MLGraphBuilder(ctx)
    y = b2.input("y", [4])
    g2 = b2.build({"x": b2.sub(b2.div(y, b2.constant(np.full(4, 2, np.float32))), b2.constant(np.full(4, 0.5, np.float32)))})  # y/2 - .5
    return g1, g2


def run_chain(ctx: webnn.MLContext, steps: int = 5) -> tuple[np.ndarray, np.ndarray]:
    g1, g2 = chain_graphs(ctx)
    desc = {"dataType": "float32", "shape": [4]}
    tx, ty = ctx.create_tensor(desc), ctx.create_tensor(desc)
    x0 = np.array([0.5, 1, 2, 3], np.float32)
    ctx.write_tensor(tx, x0)
    ref = x0.copy()
    for _ in range(steps):
        ctx.dispatch(g1, {"x": tx}, {"y": ty})
        ctx.dispatch(g2, {"y": ty}, {"x": tx})
        ref = ((ref + 1) * ref / 2 - 0.5).astype(np.float32)
    return ctx.read_tensor(tx), ref


def test_dispatch_chain_matches_compute(ctx: webnn.MLContext) -> None:
    got, ref = run_chain(ctx)
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    g1, _ = chain_graphs(ctx)
    x = np.array([1, 2, 3, 4], np.float32)
    tx = ctx.create_tensor({"dataType": "float32", "shape": [4]})
    ty = ctx.create_tensor({"dataType": "float32", "shape": [4]})
    ctx.write_tensor(tx, x)
    ctx.dispatch(g1, {"x": tx}, {"y": ty})
    np.testing.assert_array_equal(ctx.read_tensor(ty), ctx.compute(g1, {"x": x})["y"])


# -- DLPack -------------------------------------------------------------------------------------


class Producer:
    """A minimal DLPack producer (not a numpy array)."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def __dlpack__(self, **kw):
        return self.a.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self.a.__dlpack_device__()


def test_dlpack_out_is_a_view(ctx: webnn.MLContext) -> None:
    g1, _ = chain_graphs(ctx)
    tx = ctx.create_tensor({"dataType": "float32", "shape": [4]})
    ty = ctx.create_tensor({"dataType": "float32", "shape": [4]})
    view = np.from_dlpack(ty)
    ctx.write_tensor(tx, np.array([1, 2, 3, 4], np.float32))
    ctx.dispatch(g1, {"x": tx}, {"y": ty})
    np.testing.assert_array_equal(view, [2, 6, 12, 20])  # no copy: the view sees dispatch's results
    assert np.from_dlpack(ty).shape == (4,)


def test_dlpack_in(ctx: webnn.MLContext) -> None:
    g1, _ = chain_graphs(ctx)
    x = np.array([1, 2, 3, 4], np.float32)
    np.testing.assert_array_equal(ctx.compute(g1, {"x": Producer(x)})["y"], [2, 6, 12, 20])
    t = ctx.create_tensor({"dataType": "float32", "shape": [4]})
    ctx.write_tensor(t, Producer(x))
    np.testing.assert_array_equal(ctx.read_tensor(t), x)
    with pytest.raises(webnn.ValidationError, match="dtype float64"):
        ctx.write_tensor(t, Producer(x.astype(np.float64)))
    t2 = ctx.create_tensor({"dataType": "float32", "shape": [4]})
    ctx.write_tensor(t2, t)  # an MLTensor is a DLPack producer too
    np.testing.assert_array_equal(ctx.read_tensor(t2), x)


def test_constant_tensor_as_builder_constant(ctx: webnn.MLContext) -> None:
    c = ctx.create_constant_tensor(webnn.MLOperandDescriptor("float32", [2]), [10, 20])
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2])
    g = b.build({"y": b.add(x, b.constant(c))})
    c.destroy()  # the graph keeps its own copy
    np.testing.assert_array_equal(ctx.compute(g, {"x": np.ones(2, np.float32)})["y"], [11, 21])


def test_torch_dlpack(ctx: webnn.MLContext) -> None:
    torch = _torch()
    if torch is None:
        pytest.skip("torch is not importable")
    g1, _ = chain_graphs(ctx)
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(ctx.compute(g1, {"x": x})["y"], [2, 6, 12, 20])
    tx = ctx.create_tensor({"dataType": "float32", "shape": [4]})
    ty = ctx.create_tensor({"dataType": "float32", "shape": [4]})
    ctx.write_tensor(tx, x)
    ctx.dispatch(g1, {"x": tx}, {"y": ty})
    ty_t = torch.from_dlpack(ty)
    assert ty_t.tolist() == [2, 6, 12, 20]
    ctx.write_tensor(tx, torch.zeros(4))
    ctx.dispatch(g1, {"x": tx}, {"y": ty})
    assert ty_t.tolist() == [0, 0, 0, 0]  # shared memory
    with pytest.raises(webnn.ValidationError, match="dtype"):
        ctx.write_tensor(tx, torch.zeros(4, dtype=torch.float64))


# -- the storage hook: a device backend keeps data off the host between dispatches -------------


class FakeDeviceArray:
    """Stands in for a CUDA array (torch/cupy): DLPack device (2, 0), shape and dtype attributes."""

    def __init__(self, a: np.ndarray) -> None:
        self.payload = a
        self.shape = a.shape
        self.dtype = a.dtype

    def __dlpack_device__(self):
        return (2, 0)

    def __dlpack__(self, **kw):
        raise BufferError("device memory cannot be exported to the host")


class DeviceStorage(TensorStorage):
    """Fake device memory that counts every transfer to or from the host."""

    host_reads = host_writes = 0

    def __init__(self, descriptor) -> None:
        super().__init__(descriptor)
        self.mem = np.zeros(descriptor.shape, descriptor.dtype)

    def read(self):
        DeviceStorage.host_reads += 1
        return self.mem.copy()

    def write(self, array):
        DeviceStorage.host_writes += 1
        self.mem[...] = array

    def write_dlpack(self, obj, dl_device):
        if dl_device == (2, 0) and isinstance(obj, FakeDeviceArray):
            self.mem[...] = obj.payload  # device-to-device copy
            return True
        return False

    def dlpack_device(self):
        return (2, 0)


class DeviceCompiled(CompiledGraph):
    backend = "trtx"
    device_runs = 0
    run_inputs: list = []

    def __init__(self, inner: CompiledGraph) -> None:
        self.inner = inner

    def accepts_device(self, dl_device):
        return dl_device == (2, 0)

    def run(self, inputs):
        DeviceCompiled.run_inputs.append({n: type(a).__name__ for n, a in inputs.items()})
        return self.inner.run({n: a.payload if isinstance(a, FakeDeviceArray) else a for n, a in inputs.items()})

    def dispatch(self, inputs, outputs):
        if all(isinstance(s, DeviceStorage) for s in [*inputs.values(), *outputs.values()]):
            DeviceCompiled.device_runs += 1
            res = self.inner.run({n: s.mem for n, s in inputs.items()})
            for n, s in outputs.items():
                s.mem[...] = res[n]
            return
        super().dispatch(inputs, outputs)


class DeviceBackend(Backend):
    name = "trtx"

    def compile(self, info):
        return DeviceCompiled(OnnxRuntimeBackend().compile(info))

    def create_tensor_storage(self, descriptor):
        return DeviceStorage(descriptor)


@pytest.fixture
def device_ctx(tmp_path: Path) -> webnn.MLContext:
    p = selection.Probes(
        platform="linux", module_available=lambda m: True, load_backend=lambda n: DeviceBackend if n == "trtx" else OnnxRuntimeBackend, environ={}
    )
    p.devices = lambda: webnn.devices.DeviceReport(gpus=(webnn.devices.GpuInfo(0, "Fake GPU", (8, 9)),), driver_present=True)
    with selection.use_probes(p):
        ctx = webnn.MLContext(power_preference="high-performance")
    assert ctx.backend == "trtx"
    DeviceStorage.host_reads = DeviceStorage.host_writes = DeviceCompiled.device_runs = 0
    DeviceCompiled.run_inputs = []
    return ctx


def test_device_storage_chain_without_host_round_trips(device_ctx: webnn.MLContext) -> None:
    got, ref = run_chain(device_ctx, steps=4)
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    assert DeviceCompiled.device_runs == 8
    assert DeviceStorage.host_writes == 1 and DeviceStorage.host_reads == 1  # write x once, read x once
    t = device_ctx.create_tensor({"dataType": "float32", "shape": [4]})
    assert t.device == "cuda:0" and t.__dlpack_device__() == (2, 0)


def test_device_arrays_in_without_host_copy(device_ctx: webnn.MLContext) -> None:
    g1, _ = chain_graphs(device_ctx)
    x = np.array([1, 2, 3, 4], np.float32)
    out = device_ctx.compute(g1, {"x": FakeDeviceArray(x)})
    assert DeviceCompiled.run_inputs[-1] == {"x": "FakeDeviceArray"}  # handed over as is
    np.testing.assert_array_equal(out["y"], [2, 6, 12, 20])
    with pytest.raises(webnn.ValidationError, match="shape \\[2, 2\\]"):
        device_ctx.compute(g1, {"x": FakeDeviceArray(x.reshape(2, 2))})
    t = device_ctx.create_tensor({"dataType": "float32", "shape": [4]})
    device_ctx.write_tensor(t, FakeDeviceArray(x))
    assert DeviceStorage.host_writes == 0
    np.testing.assert_array_equal(device_ctx.read_tensor(t), x)


def test_device_array_into_host_backend_is_a_clear_error(ctx: webnn.MLContext) -> None:
    g1, _ = chain_graphs(ctx)
    with pytest.raises(webnn.ValidationError, match="on cuda:0 through DLPack.*copy it to the host first"):
        ctx.compute(g1, {"x": FakeDeviceArray(np.ones(4, np.float32))})


def test_fallback_graph_reads_device_tensors_through_the_host(device_ctx: webnn.MLContext) -> None:
    """A graph that fell back to ONNX Runtime still takes the device backend's tensors."""
    b = webnn.MLGraphBuilder(device_ctx)
    x = b.input("x", [4])
    device_ctx._backend.compile = lambda info: (_ for _ in ()).throw(webnn.TrtxRuntimeFailed("op pow: no kernel"))
    with pytest.warns(webnn.FallbackWarning, match="op pow"):
        g = b.build({"y": b.pow(x, b.constant(np.full(4, 2, np.float32)))})
    assert g.backend == "onnxruntime"
    tx = device_ctx.create_tensor({"dataType": "float32", "shape": [4]})
    ty = device_ctx.create_tensor({"dataType": "float32", "shape": [4]})
    device_ctx.write_tensor(tx, np.array([1, 2, 3, 4], np.float32))
    device_ctx.dispatch(g, {"x": tx}, {"y": ty})
    np.testing.assert_array_equal(device_ctx.read_tensor(ty), [1, 4, 9, 16])


def test_host_storage_is_the_default() -> None:
    s = Backend().create_tensor_storage(webnn.MLOperandDescriptor("int8", [3]))
    assert isinstance(s, HostStorage) and s.array.dtype == np.int8 and s.dlpack_device() == (1, 0)


def test_simulated_trtx_dispatch_chain() -> None:
    try:
        from webnn.backends.trtx import TrtxBackend  # noqa: F401
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"TensorRT-RTX backend not importable here: {e}")
    ctx = webnn.MLContext(backend="trtx", simulate=True)
    got, ref = run_chain(ctx, steps=3)
    np.testing.assert_allclose(got, ref, rtol=1e-5)
