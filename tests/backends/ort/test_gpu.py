"""ONNX Runtime on a real NVIDIA GPU (CUDA execution provider). Every test here is marked ``gpu``
and skips, with the backend's reason, unless ONNX Runtime runs on CUDA device 0 (conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest

import webnn
from webnn import selection

pytestmark = pytest.mark.gpu

DESC = {"dataType": "float32", "shape": [64, 64]}


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(backend="onnxruntime", device="cuda")


@pytest.fixture(scope="module")
def torch():
    t = pytest.importorskip("torch")
    if not t.cuda.is_available():
        pytest.skip("torch has no CUDA here")
    t.backends.cuda.matmul.allow_tf32 = False
    return t


def mm_graph(ctx: webnn.MLContext, seed: int = 0) -> tuple[webnn.MLGraph, np.ndarray]:
    w = np.random.default_rng(seed).standard_normal((64, 64)).astype(np.float32) / 8
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", DESC)
    return b.build({"y": b.tanh(b.matmul(x, b.constant(w)))}), w


def ref(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.tanh(x.astype(np.float64) @ w.astype(np.float64))


def test_compute_on_cuda_in_float32(ctx: webnn.MLContext) -> None:
    g, w = mm_graph(ctx)
    x = np.random.default_rng(1).standard_normal((64, 64)).astype(np.float32)
    got = ctx.compute(g, {"x": x})["y"]
    np.testing.assert_allclose(got, ref(x, w), rtol=1e-5, atol=1e-5)  # float32, not TF32
    assert g.backend == "onnxruntime" and g._compiled.placement.is_cuda
    assert "CUDAExecutionProvider" in g._compiled._session.get_providers()


def test_automatic_selection_takes_a_gpu_route() -> None:
    ctx = webnn.MLContext(accelerated=True, power_preference="high-performance")
    assert ctx.selection.name in ("trtx", "onnxruntime-cuda"), ctx.describe()
    if ctx.selection.name == "onnxruntime-cuda":
        assert "CUDAExecutionProvider on cuda:0" in ctx.describe()


def test_tensors_live_on_the_gpu_and_dispatch_binds_them(ctx: webnn.MLContext) -> None:
    g, w = mm_graph(ctx)
    a, b_, c = (ctx.create_tensor(DESC, readable=True, writable=True) for _ in range(3))
    assert a.device == "cuda:0" and a.__dlpack_device__() == (2, 0) and a._storage.ortvalue.device_name().lower() == "cuda"
    x = np.random.default_rng(2).standard_normal((64, 64)).astype(np.float32)
    ctx.write_tensor(a, x)
    ctx.dispatch(g, {"x": a}, {"y": b_})
    ctx.dispatch(g, {"x": b_}, {"y": c})
    (binder,) = g._compiled.binders.free
    binds = binder.binds
    ctx.dispatch(g, {"x": b_}, {"y": c})
    assert binder.binds == binds  # the same device tensors: nothing bound again
    np.testing.assert_allclose(ctx.read_tensor(c), ref(ref(x, w).astype(np.float32), w), rtol=1e-5, atol=1e-5)
    out = np.empty((64, 64), np.float32)
    ctx.read_tensor(c, out)
    np.testing.assert_array_equal(out, ctx.read_tensor(c))


def test_dlpack_out_is_the_device_memory(ctx: webnn.MLContext, torch) -> None:
    g, w = mm_graph(ctx)
    a, y = ctx.create_tensor(DESC, readable=True, writable=True), ctx.create_tensor(DESC, readable=True, writable=True)
    view = torch.from_dlpack(y)
    assert view.is_cuda and view.data_ptr() == y._storage.ortvalue.data_ptr()
    x = np.ones((64, 64), np.float32)
    ctx.write_tensor(a, x)
    ctx.dispatch(g, {"x": a}, {"y": y})
    np.testing.assert_allclose(view.cpu().numpy(), ref(x, w), rtol=1e-5, atol=1e-5)  # sees the dispatch's results


def test_torch_cuda_input_is_bound_without_a_copy(ctx: webnn.MLContext, torch) -> None:
    g, w = mm_graph(ctx)
    x = torch.randn(64, 64, device="cuda")
    got = ctx.compute(g, {"x": x})["y"]
    (binder,) = g._compiled.binders.free
    assert binder._bound_in["x"].data_ptr() == x.data_ptr()
    np.testing.assert_allclose(got, ref(x.cpu().numpy(), w), rtol=1e-5, atol=1e-5)


def test_producer_work_on_another_stream_is_waited_for(ctx: webnn.MLContext, torch) -> None:
    g, w = mm_graph(ctx)
    side = torch.cuda.Stream()
    big = torch.randn(4096, 4096, device="cuda")
    for i in range(3):
        with torch.cuda.stream(side):
            x = torch.zeros(64, 64, device="cuda")
            for _ in range(20):  # keep the stream busy before x gets its values
                big = big @ big / 64
            x.fill_(float(i + 1))
        got = ctx.compute(g, {"x": x})["y"]  # no synchronisation by the caller
        np.testing.assert_allclose(got, ref(np.full((64, 64), i + 1, np.float32), w), rtol=1e-5, atol=1e-5)
        t = ctx.create_tensor(DESC, readable=True, writable=True)
        with torch.cuda.stream(side):
            src = torch.zeros(64, 64, device="cuda")
            for _ in range(20):
                big = big @ big / 64
            src.fill_(float(i + 5))
        ctx.write_tensor(t, src)  # one device-to-device copy, after the producer's work
        np.testing.assert_array_equal(ctx.read_tensor(t), np.full((64, 64), i + 5, np.float32))


def test_cuda_arrays_that_cannot_be_bound_are_refused(ctx: webnn.MLContext, torch) -> None:
    g, _ = mm_graph(ctx)
    with pytest.raises(webnn.ValidationError, match="contiguous"):
        ctx.compute(g, {"x": torch.randn(64, 64, device="cuda").t()})

    class OtherGpu:
        shape, dtype = (64, 64), "float32"

        def __dlpack_device__(self):
            return (2, 1)

        def __dlpack__(self, **kw):
            raise AssertionError("must not be consumed")

    with pytest.raises(webnn.ValidationError, match="lives on cuda:1, the graph runs on cuda:0"):
        ctx.compute(g, {"x": OtherGpu()})
    t = ctx.create_tensor(DESC, readable=True, writable=True)
    with pytest.raises(webnn.ValidationError, match="lives on cuda:1, the tensor on cuda:0"):
        ctx.write_tensor(t, OtherGpu())
    np.testing.assert_array_equal(ctx.read_tensor(t), np.zeros((64, 64), np.float32))  # still usable


def test_float16_and_integer_graphs_on_cuda(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    h = b.input("h", {"dataType": "float16", "shape": [8]})
    i = b.input("i", {"dataType": "int32", "shape": [8]})
    g = b.build({"h2": b.mul(h, h), "i2": b.add(i, i)})
    hv = np.linspace(-2, 2, 8).astype(np.float16)
    iv = np.arange(8, dtype=np.int32)
    out = ctx.compute(g, {"h": hv, "i": iv})
    np.testing.assert_array_equal(out["h2"], hv * hv)
    np.testing.assert_array_equal(out["i2"], iv * 2)


def test_cpu_tensors_of_another_context_go_through_the_host(ctx: webnn.MLContext) -> None:
    g, w = mm_graph(ctx)
    cpu = webnn.MLContext(backend="onnxruntime")
    a, y = cpu.create_tensor(DESC, readable=True, writable=True), cpu.create_tensor(DESC, readable=True, writable=True)
    cpu.write_tensor(a, np.ones((64, 64), np.float32))
    g._compiled.dispatch({"x": a._storage}, {"y": y._storage})
    np.testing.assert_allclose(cpu.read_tensor(y), ref(np.ones((64, 64), np.float32), w), rtol=1e-5, atol=1e-5)


def test_describe_and_info_name_the_gpu(ctx: webnn.MLContext) -> None:
    text = ctx.describe()
    assert "engine: onnxruntime-gpu" in text and "CUDAExecutionProvider on cuda:0" in text
    out = selection.preview()
    assert out["high-performance"].name in ("trtx", "onnxruntime-cuda")
