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
    tensors = [(ctx.create_tensor(desc), ctx.create_tensor(g.output_descriptors["y"])) for _ in range(3)]
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
    tin, tout = ctx.create_tensor(g.input_descriptors["x"]), ctx.create_tensor(g.output_descriptors["y"])
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
