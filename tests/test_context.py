"""MLContext: destroy while other threads work, backend options checked at creation, tensor limits (issue 11)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import webnn
from webnn import InvalidStateError, ValidationError


def _slow_graph(ctx: webnn.MLContext) -> webnn.MLGraph:
    """A graph whose run takes milliseconds (so destroy() lands while runs are in flight)."""
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [192, 192], "float32")
    w = b.constant(np.full((192, 192), 1 / 192, np.float32))
    y = x
    for _ in range(6):
        y = b.tanh(b.matmul(y, w))
    return b.build({"y": y})


def test_destroy_while_threads_dispatch_and_compute() -> None:
    ctx = webnn.MLContext(accelerated=False)
    g = _slow_graph(ctx)
    desc = g.input_descriptors["x"]
    running = [0]
    late: list[float] = []
    lock = threading.Lock()
    compiled = g._compiled
    inner = compiled.run

    def tracked(inputs: dict) -> dict:  # wraps the backend's run
        with lock:
            running[0] += 1
        try:
            return inner(inputs)
        finally:
            with lock:
                running[0] -= 1
                late.append(time.monotonic())

    compiled.run = tracked  # type: ignore[method-assign]
    tensors = [(ctx.create_tensor(desc, writable=True), ctx.create_tensor(g.output_descriptors["y"], readable=True)) for _ in range(3)]
    x = np.ones((192, 192), np.float32)
    errors: list[BaseException] = []
    done = [0]
    deadline = time.monotonic() + 20

    def worker(i: int) -> None:
        while time.monotonic() < deadline:
            try:
                if i < 3:
                    tin, tout = tensors[i]
                    ctx.dispatch(g, {"x": tin}, {"y": tout})
                    ctx.read_tensor(tout)
                    ctx.write_tensor(tin, x)
                else:
                    ctx.compute(g, {"x": x})
                with lock:
                    done[0] += 1
            except InvalidStateError:
                return  # the context was destroyed: the one allowed failure
            except BaseException as e:  # noqa: BLE001 - anything else is the bug
                errors.append(e)
                return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    while done[0] < 12 and time.monotonic() < deadline:
        time.sleep(0.005)
    ctx.destroy()
    destroyed_at = time.monotonic()
    with lock:
        assert running[0] == 0, "destroy() returned while a run was still in flight"
        assert all(t <= destroyed_at for t in late)
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert not errors, [f"{type(e).__name__}: {e}" for e in errors]
    assert all(tin.destroyed and tout.destroyed for tin, tout in tensors)
    with pytest.raises(InvalidStateError):
        ctx.compute(g, {"x": x})


def test_graph_and_tensor_destroy_wait_for_dispatch_on_other_threads() -> None:
    ctx = webnn.MLContext(accelerated=False)
    g = _slow_graph(ctx)
    errors: list[BaseException] = []
    tin = ctx.create_tensor(g.input_descriptors["x"], readable=True, writable=True)
    tout = ctx.create_tensor(g.output_descriptors["y"], readable=True, writable=True)
    started = threading.Event()

    def worker() -> None:
        for _ in range(200):
            try:
                started.set()
                ctx.dispatch(g, {"x": tin}, {"y": tout})
            except (ValidationError, InvalidStateError) as e:
                if "destroyed" not in str(e):
                    errors.append(e)
                return
            except BaseException as e:  # noqa: BLE001 - a raw error is the bug
                errors.append(e)
                return

    t = threading.Thread(target=worker)
    t.start()
    started.wait(10)
    time.sleep(0.02)
    tout.destroy()
    t.join(30)
    assert not errors, [f"{type(e).__name__}: {e}" for e in errors]
    g.destroy()
    ctx.destroy()


# -- backend options (item 8) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "options,message",
    [
        ({"intra_op_thread": 2}, r"unknown option 'intra_op_thread' \(backend options: .*intra_op_threads.*; environment variables: .*CACHE_MAX_BYTES"),
        ({"intra_op_threads": "2"}, r"option 'intra_op_threads'.*expected an integer"),
        ({"intra_op_threads": -1}, r"option 'intra_op_threads'.*>= 0"),
        ({"cache_max_bytes": "1GB"}, r"option 'cache_max_bytes'.*expected an integer"),
        ({"cache_dir": 123}, r"option 'cache_dir'.*expected a path"),
        ({"profiles": "x"}, r"option 'profiles'.*expected a list of optimization profiles"),
        ({"simulate": "yes"}, r"option 'simulate'.*expected True or False"),
        ({"optimization_level": 9}, r"option 'optimization_level'.*<= 5"),
        ({"compute_capabilities": "SM86"}, r"option 'compute_capabilities'.*list of strings"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else "",
)
def test_backend_options_are_checked_at_context_creation(options: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        webnn.MLContext(accelerated=False, **options)


def test_named_backend_refuses_options_it_does_not_take() -> None:
    with pytest.raises(ValidationError, match=r"onnxruntime takes no option 'simulate' \(its options: intra_op_threads, device\)"):
        webnn.MLContext(backend="onnxruntime", simulate=True)
    ctx = webnn.MLContext(accelerated=False, simulate=True)  # another backend's option: a note, not an error
    assert any("simulate" in n for n in ctx.selection.notes)


@pytest.mark.parametrize("value", ["abc", "1GB", "-5"])
def test_cache_bound_variable_is_checked(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')
    monkeypatch.setenv("WEBNN_TRTX_CACHE_MAX_BYTES", value)
    with pytest.raises(ValidationError, match="WEBNN_TRTX_CACHE_MAX_BYTES"):
        webnn.MLContext(backend="trtx", simulate=True)


def test_trtx_profiles_that_are_not_shape_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')
    for bad in ([{"x": 5}], [{"x": {"min": [1]}}]):
        with pytest.raises(ValidationError, match="profile"):
            webnn.MLContext(backend="trtx", simulate=True, profiles=bad)


def test_every_backend_declares_exactly_the_options_it_takes() -> None:
    import inspect

    from webnn.backends import BACKENDS, backend_class

    for name in BACKENDS:
        cls = backend_class(name)
        params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        assert [o.name for o in cls.OPTIONS] == params, f"{name}: Backend.OPTIONS must declare __init__'s keywords, in order"
        assert all(o.doc for o in cls.OPTIONS)


# -- tensors (item 9) ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [[1 << 16, 1 << 16, 4], [1 << 31 - 2, 2], [2**31 - 1, 2**31 - 1]])
def test_create_tensor_applies_the_maximum_byte_length(shape: list[int]) -> None:
    from webnn.types import MAX_TENSOR_BYTE_LENGTH

    ctx = webnn.MLContext(accelerated=False)
    with pytest.raises(ValidationError, match=rf"more than maxTensorByteLength {MAX_TENSOR_BYTE_LENGTH}"):
        ctx.create_tensor({"dataType": "float32", "shape": shape}, readable=True, writable=True)
    with pytest.raises(ValidationError, match="maxTensorByteLength"):
        ctx.create_constant_tensor({"dataType": "float32", "shape": shape}, b"")
    t = ctx.create_tensor({"dataType": "uint8", "shape": [4]}, readable=True, writable=True)  # the context stays usable
    assert ctx.read_tensor(t).shape == (4,)
