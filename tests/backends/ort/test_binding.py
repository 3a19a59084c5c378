"""The IOBinding execution path of the ONNX Runtime backend, on the CPU provider.

The same code runs CUDA graphs: ``stage=True`` (host data through reused device buffers) and
:class:`OrtDeviceStorage` (tensors as OrtValues on the session's device) are exercised here with
OrtValues on the CPU, so binding, reuse and dispatch logic run on every CI run.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

import webnn
from webnn import selection
from webnn.backends.onnxruntime import OnnxRuntimeBackend, OrtCompiledGraph, open_session, session_providers
from webnn.backends.ort_binding import OrtDeviceStorage, OrtHostStorage, ort_type_to_numpy
from webnn.backends.ort_cuda import CPU, Placement
from webnn.converters import default_registry
from webnn.tensor import HostStorage


class CpuDeviceBackend(OnnxRuntimeBackend):
    """ONNX Runtime on the CPU, run exactly as on CUDA: tensors are OrtValues on the session's
    device, host data goes through reused device buffers (here both live on the CPU)."""

    def compile(self, info):
        converted = default_registry().convert(info, "onnx")
        session, _ = open_session(converted.data, CPU)
        return OrtCompiledGraph(session, converted.metadata["output_names"], info, CPU, stage=True)

    def create_tensor_storage(self, descriptor):
        return OrtDeviceStorage(descriptor, CPU)


@pytest.fixture(params=["host", "device"])
def ctx(request: pytest.FixtureRequest) -> webnn.MLContext:
    """A CPU context (host tensors, host arrays bound in place) and one run like a CUDA context."""
    if request.param == "host":
        return webnn.MLContext(backend="onnxruntime")
    p = selection.Probes(load_backend=lambda n: CpuDeviceBackend if n == "onnxruntime" else OnnxRuntimeBackend)
    with selection.use_probes(p):
        return webnn.MLContext(backend="onnxruntime")


DESC = {"dataType": "float32", "shape": [2, 3]}


def affine(ctx: webnn.MLContext, scale: float = 2.0, shift: float = 1.0) -> webnn.MLGraph:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", DESC)
    return b.build({"y": b.add(b.mul(x, b.constant(np.full((2, 3), scale, np.float32))), b.constant(np.full((2, 3), shift, np.float32)))})


def two_outputs(ctx: webnn.MLContext) -> webnn.MLGraph:
    b = webnn.MLGraphBuilder(ctx)
    x, w = b.input("x", DESC), b.input("w", DESC)
    return b.build({"sum": b.add(x, w), "x": b.relu(x)})  # an output named like an input


def binder(graph: webnn.MLGraph):
    (b,) = graph._compiled.binders.free  # the one binder a single caller reuses
    return b


def test_compute_results_are_fresh_arrays(ctx: webnn.MLContext) -> None:
    g = affine(ctx)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    r1 = ctx.compute(g, {"x": a})["y"]
    r2 = ctx.compute(g, {"x": a + 10})["y"]
    np.testing.assert_array_equal(r1, a * 2 + 1)  # not overwritten by the second call's buffers
    np.testing.assert_array_equal(r2, (a + 10) * 2 + 1)
    assert not np.shares_memory(r1, r2)
    # on the CPU compute is InferenceSession.run; staged (the CUDA path) it is one reused binder
    assert g._compiled.binders.created == (1 if g._compiled.stage else 0)


def test_compute_matches_session_run_on_every_output(ctx: webnn.MLContext) -> None:
    g = two_outputs(ctx)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 3)).astype(np.float32)
    got = ctx.compute(g, {"x": x, "w": w})
    model = default_registry().convert(g.info, "onnx")
    names = model.metadata["output_names"]
    ref = ort.InferenceSession(model.data, providers=["CPUExecutionProvider"]).run(list(names.values()), {"x": x, "w": w})
    assert set(got) == {"sum", "x"}
    np.testing.assert_array_equal(got["sum"], ref[0])
    np.testing.assert_array_equal(got["x"], ref[1])


def test_dispatch_reuses_its_bindings(ctx: webnn.MLContext) -> None:
    g = affine(ctx)
    x, y = ctx.create_tensor(DESC, readable=True, writable=True), ctx.create_tensor(DESC, readable=True, writable=True)
    ctx.write_tensor(x, np.ones((2, 3), np.float32))
    ctx.dispatch(g, {"x": x}, {"y": y})
    b = binder(g)
    after_first = b.binds
    for i in range(5):
        ctx.write_tensor(x, np.full((2, 3), i, np.float32))
        ctx.dispatch(g, {"x": x}, {"y": y})
        np.testing.assert_array_equal(ctx.read_tensor(y), np.full((2, 3), 2 * i + 1, np.float32))
    assert b.binds == after_first, "the same tensors were bound again"
    y2 = ctx.create_tensor(DESC, readable=True, writable=True)
    ctx.dispatch(g, {"x": x}, {"y": y2})
    assert b.binds == after_first + 1  # only the output that changed
    np.testing.assert_array_equal(ctx.read_tensor(y2), np.full((2, 3), 9, np.float32))
    assert g._compiled.binders.created == 1


def test_dispatch_writes_outputs_into_the_tensors_memory(ctx: webnn.MLContext) -> None:
    g = affine(ctx)
    x, y = ctx.create_tensor(DESC, readable=True, writable=True), ctx.create_tensor(DESC, readable=True, writable=True)
    view = np.from_dlpack(y)  # the tensor's own memory (host on both: the "device" here is the CPU)
    writes = []
    storage = y._storage
    orig = storage.write
    storage.write = lambda a: (writes.append(1), orig(a))  # type: ignore[method-assign]
    ctx.write_tensor(x, np.full((2, 3), 3, np.float32))
    ctx.dispatch(g, {"x": x}, {"y": y})
    np.testing.assert_array_equal(view, np.full((2, 3), 7, np.float32))
    assert writes == [], "the output went through write() instead of being bound"


def test_chained_dispatch_and_compute_interleaved(ctx: webnn.MLContext) -> None:
    g = affine(ctx, 2.0, 1.0)
    a, b_, c = (ctx.create_tensor(DESC, readable=True, writable=True) for _ in range(3))
    ctx.write_tensor(a, np.ones((2, 3), np.float32))
    ctx.dispatch(g, {"x": a}, {"y": b_})  # 3
    ctx.dispatch(g, {"x": b_}, {"y": c})  # 7
    np.testing.assert_array_equal(ctx.compute(g, {"x": np.zeros((2, 3), np.float32)})["y"], np.ones((2, 3)))
    ctx.dispatch(g, {"x": c}, {"y": a})  # 15
    np.testing.assert_array_equal(ctx.read_tensor(a), np.full((2, 3), 15, np.float32))
    np.testing.assert_array_equal(ctx.compute(g, {"x": ctx.read_tensor(a)})["y"], np.full((2, 3), 31, np.float32))


def test_foreign_storages_go_through_the_host(ctx: webnn.MLContext) -> None:
    g = two_outputs(ctx)
    other = webnn.MLContext(accelerated=False)
    x, w = ctx.create_tensor(DESC, readable=True, writable=True), ctx.create_tensor(DESC, readable=True, writable=True)
    ctx.write_tensor(x, np.full((2, 3), -2, np.float32))
    ctx.write_tensor(w, np.full((2, 3), 5, np.float32))
    s, r = ctx.create_tensor(DESC, readable=True, writable=True), ctx.create_tensor(DESC, readable=True, writable=True)
    foreign_in, foreign_out = HostStorage(x.descriptor, np.full((2, 3), 4, np.float32)), HostStorage(s.descriptor)
    comp = g._compiled
    comp.dispatch({"x": foreign_in, "w": w._storage}, {"sum": foreign_out, "x": r._storage})
    np.testing.assert_array_equal(foreign_out.array, np.full((2, 3), 9, np.float32))
    np.testing.assert_array_equal(ctx.read_tensor(r), np.full((2, 3), 4, np.float32))
    comp.dispatch({"x": x._storage, "w": w._storage}, {"sum": s._storage, "x": r._storage})  # own tensors again
    np.testing.assert_array_equal(ctx.read_tensor(s), np.full((2, 3), 3, np.float32))
    np.testing.assert_array_equal(ctx.read_tensor(r), np.zeros((2, 3), np.float32))
    del other


def test_concurrent_compute_on_one_graph(ctx: webnn.MLContext) -> None:
    g = affine(ctx)
    errors: list[str] = []

    def work(k: int) -> None:
        for i in range(50):
            a = np.full((2, 3), k * 100 + i, np.float32)
            got = ctx.compute(g, {"x": a})["y"]
            if not np.array_equal(got, a * 2 + 1):
                errors.append(f"thread {k} call {i}: {got[0, 0]} != {a[0, 0] * 2 + 1}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (1 <= g._compiled.binders.created <= 4) if g._compiled.stage else g._compiled.binders.created == 0


def test_destroyed_graph_and_failed_run(ctx: webnn.MLContext) -> None:
    g = affine(ctx)
    comp = g._compiled
    g.destroy()
    with pytest.raises(webnn.OnnxRuntimeFailed, match="destroyed"):
        comp.run({"x": np.zeros((2, 3), np.float32)})
    g2 = affine(ctx)
    with pytest.raises(webnn.OnnxRuntimeFailed, match="failed to run|could not copy input .x."):
        g2._compiled.run({"x": np.zeros((3, 3), np.float32)})  # past the context's checks: ORT's own error
    np.testing.assert_array_equal(ctx.compute(g2, {"x": np.zeros((2, 3), np.float32)})["y"], np.ones((2, 3)))  # still usable


# -- OrtDeviceStorage (the CUDA tensor storage), with its OrtValue on the CPU ------------------


def device_storage(shape=(2, 3), dtype="float32") -> OrtDeviceStorage:
    return OrtDeviceStorage(webnn.MLOperandDescriptor(dtype, list(shape)), CPU)


def test_device_storage_write_read_and_dlpack() -> None:
    torch = pytest.importorskip("torch")
    s = device_storage()
    np.testing.assert_array_equal(s.read(), np.zeros((2, 3), np.float32))  # zero-initialised
    s.write(np.arange(6, dtype=np.float32))
    out = np.empty(6, np.float32)
    s.read_into(out)
    np.testing.assert_array_equal(out, np.arange(6))
    assert not np.shares_memory(s.read(), s.read())
    t = torch.from_dlpack(s.dlpack())  # ONNX Runtime's export of the OrtValue: the same memory
    assert t.data_ptr() == s.ortvalue.data_ptr()
    src = torch.full((2, 3), 4.0)
    assert s.write_dlpack(src, (1, 0))  # one copy from the producer's memory
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), 4.0))
    s.release()
    with pytest.raises(webnn.InvalidStateError):
        s.read()


def test_device_storage_refuses_what_it_cannot_bind() -> None:
    torch = pytest.importorskip("torch")
    s = device_storage()
    with pytest.raises(webnn.ValidationError, match="contiguous"):
        s.write_dlpack(torch.zeros((3, 2)).t(), (1, 0))
    with pytest.raises(webnn.ValidationError, match="dtype float64, expected float32"):
        s.write_dlpack(torch.zeros((2, 3), dtype=torch.float64), (1, 0))
    with pytest.raises(webnn.ValidationError, match=r"shape \[3, 2\], expected \[2, 3\]"):
        s.write_dlpack(torch.zeros((3, 2)), (1, 0))
    with pytest.raises(webnn.ValidationError, match="lives on cuda:1, the tensor on cpu"):
        s.write_dlpack(object(), (2, 1))  # another device's memory is never copied through the host
    assert s.write_dlpack(object(), (3, 0)) is False  # pinned host memory: the context goes through write()
    with pytest.raises(BufferError, match="without a copy"):
        s.dlpack(dl_device=(2, 0))


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8"])
def test_device_storage_every_data_type(dtype: str) -> None:
    s = device_storage((4,), dtype)
    data = np.arange(4).astype(dtype)
    s.write(data)
    np.testing.assert_array_equal(s.read(), data)
    assert ort_type_to_numpy(s.ortvalue.data_type()) == np.dtype(dtype)


def test_host_storage_binds_its_own_array() -> None:
    s = OrtHostStorage(webnn.MLOperandDescriptor("float32", [2, 3]))
    s.write(np.ones((2, 3), np.float32))
    assert np.shares_memory(s.ortvalue.numpy(), s.array)
    s.release()
    assert s.ortvalue is None


def test_cuda_session_without_the_cuda_provider_is_an_error() -> None:
    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this onnxruntime has the CUDA provider")
    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    x = b.input("x", DESC)
    model = default_registry().convert(b.build({"y": b.relu(x)}).info, "onnx").data
    with pytest.warns(UserWarning), pytest.raises(webnn.OnnxRuntimeFailed, match="without CUDAExecutionProvider on cuda:0"):
        open_session(model, Placement("cuda", 0))


def test_minilm_layer_through_device_style_binding(tmp_path: Path) -> None:
    """A bigger graph (matmul, softmax, layer norm) through the staged path equals the CPU path."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((16, 16)).astype(np.float32) * 0.1

    def build(c: webnn.MLContext) -> webnn.MLGraph:
        b = webnn.MLGraphBuilder(c)
        x = b.input("x", [4, 16], "float32")
        h = b.softmax(b.matmul(x, b.constant(w)), axis=1)
        return b.build({"y": b.layer_normalization(h, axes=[1])})

    p = selection.Probes(load_backend=lambda n: CpuDeviceBackend if n == "onnxruntime" else OnnxRuntimeBackend)
    with selection.use_probes(p):
        dev = webnn.MLContext(backend="onnxruntime")
    host = webnn.MLContext(backend="onnxruntime")
    x = rng.standard_normal((4, 16)).astype(np.float32)
    np.testing.assert_allclose(dev.compute(build(dev), {"x": x})["y"], host.compute(build(host), {"x": x})["y"], rtol=1e-6, atol=1e-6)


def test_session_providers() -> None:
    assert session_providers(CPU) == ["CPUExecutionProvider"]
    assert session_providers(Placement("cuda", 1)) == [("CUDAExecutionProvider", {"device_id": 1, "use_tf32": "0"}), "CPUExecutionProvider"]
