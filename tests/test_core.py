"""Core API: builder, graph IR (save/load/hash), compute input checks, threads, seed executor."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import onnx
import pytest

import webnn
from webnn.converters import default_registry
from webnn.executors.onnx import OnnxInput, run_onnx_with_inputs, run_onnx_zeroed


@pytest.fixture
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def small_graph(ctx: webnn.MLContext, dtype: str = "float32") -> webnn.MLGraph:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], dtype)
    w = b.constant(np.arange(3).astype(dtype))
    return b.build({"y": b.mul(b.add(x, w), x), "z": b.sub(x, w)})


def test_seed_usage_example_falls_back_to_onnxruntime() -> None:
    context = webnn.MLContext(accelerated=True, power_preference="high-performance")
    builder = webnn.MLGraphBuilder(context)
    x = builder.input("input", [1, 4])
    y = builder.add(x, builder.constant(np.full((1, 4), 2, np.float32)))
    graph = builder.build({"output": y})
    out = context.compute(graph, {"input": np.ones((1, 4), np.float32)})
    np.testing.assert_array_equal(out["output"], np.full((1, 4), 3, np.float32))
    assert graph.backend in ("onnxruntime", "trtx")


def test_ml_create_context_and_builder_spellings() -> None:
    ml = webnn.ML()
    ctx = ml.create_context(accelerated=False)
    b = ctx.create_graph_builder()
    x = b.input("x", webnn.MLOperandDescriptor(shape=[2], data_type="float32"))
    y = b.input("y", {"dataType": "float32", "shape": [2]})
    g = b.build({"s": b.add(x, y)})
    out = ctx.compute(g, {"x": np.array([1, 2], np.float32), "y": np.array([3, 4], np.float32)})
    np.testing.assert_array_equal(out["s"], [4, 6])
    assert ctx.backend == "onnxruntime"


def test_compute_values_all_dtypes(ctx: webnn.MLContext) -> None:
    for dt in webnn.DATA_TYPES:
        g = small_graph(ctx, dt)
        x = (np.arange(6) % 4).reshape(2, 3).astype(dt)
        w = np.arange(3).astype(dt)
        out = ctx.compute(g, {"x": x})
        np.testing.assert_array_equal(out["y"], ((x + w) * x).astype(dt))
        np.testing.assert_array_equal(out["z"], (x - w).astype(dt))
        assert out["y"].dtype == np.dtype(dt)


def test_constant_forms(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2], "float16")
    c1 = b.constant(2.5, data_type="float16")
    c2 = b.constant(webnn.MLOperandDescriptor("float16", [2]), np.array([1, 2], np.float16).tobytes())
    c3 = b.constant("float16", 1.0)
    c4 = b.constant([0.5, 0.25], data_type="float16")
    g = b.build({"y": b.add(b.add(b.mul(x, c1), c2), b.add(c3, c4))})
    out = ctx.compute(g, {"x": np.array([1, 2], np.float16)})
    np.testing.assert_array_equal(out["y"], np.array([2.5 + 1 + 1.5, 5 + 2 + 1.25], np.float16))


def test_constant_is_copied(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    arr = np.ones(3, np.float32)
    x = b.input("x", [3], "float32")
    c = b.constant(arr)
    arr[:] = 100  # mutation after constant() must not change the graph
    g = b.build({"y": b.add(x, c)})
    np.testing.assert_array_equal(ctx.compute(g, {"x": np.zeros(3, np.float32)})["y"], np.ones(3))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda b: b.input("", [1], "float32"), "name"),
        (lambda b: b.input("x", [0], "float32"), "dimension"),
        (lambda b: b.input("x", [2], "float64"), "float64"),
        (lambda b: b.input("x", [2], "int4"), "not supported by this implementation"),
        (lambda b: b.constant(np.zeros(2, np.float64)), "float64"),
        (lambda b: b.constant(1.0), "data_type is required"),
        (lambda b: b.constant(webnn.MLOperandDescriptor("float32", [2]), b"\0" * 7), "bytes"),
        (lambda b: b.add(b.input("a", [2], "float32"), 1.0), "argument 'b'"),
        (lambda b: b.add(b.input("a", [2], "float32"), b.input("c", [3], "float32")), "broadcastable"),
        (lambda b: b.add(b.input("a", [2], "float32"), b.input("c", [2], "int32")), "must match"),
        (lambda b: b.add(b.input("a", [2], "float32"), b.input("c", [2], "float32"), bogus=1), "bogus"),
    ],
)
def test_builder_validation_errors(ctx: webnn.MLContext, call, match: str) -> None:
    b = webnn.MLGraphBuilder(ctx)
    with pytest.raises(webnn.ValidationError, match=match):
        call(b)
    # the builder stays usable after an error
    x = b.input("ok_after_error", [1], "float32")
    assert b.build({"y": b.add(x, x)}) is not None


def test_duplicate_input_name_and_foreign_operand(ctx: webnn.MLContext) -> None:
    b1, b2 = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    x = b1.input("x", [1], "float32")
    with pytest.raises(webnn.ValidationError, match="already used"):
        b1.input("x", [1], "float32")
    y = b2.input("y", [1], "float32")
    with pytest.raises(webnn.ValidationError, match="different MLGraphBuilder"):
        b1.add(x, y)


def test_build_rules(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1], "float32")
    with pytest.raises(webnn.ValidationError, match="non-empty"):
        b.build({})
    with pytest.raises(webnn.ValidationError, match="graph input"):
        b.build({"y": x})
    with pytest.raises(webnn.ValidationError, match="graph constant"):
        b.build({"y": b.constant(np.ones(1, np.float32))})
    g = b.build({"y": b.add(x, x), "y2": b.add(x, x)})
    assert set(g.output_descriptors) == {"y", "y2"}
    with pytest.raises(webnn.InvalidStateError):
        b.add(x, x)
    with pytest.raises(webnn.InvalidStateError):
        b.build({"z": x})


def test_unused_inputs_and_ops_are_pruned(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2], "float32")
    unused = b.input("unused", [2], "float32")
    b.mul(unused, unused)
    g = b.build({"y": b.add(x, x)})
    assert list(g.input_descriptors) == ["x"]
    assert [op.type for op in g.info.operations] == ["add"]


def test_same_operand_as_two_outputs(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2], "float32")
    s = b.add(x, x)
    g = b.build({"a": s, "b": s})
    out = ctx.compute(g, {"x": np.array([1, 2], np.float32)})
    np.testing.assert_array_equal(out["a"], [2, 4])
    np.testing.assert_array_equal(out["b"], [2, 4])


def test_compute_input_checks(ctx: webnn.MLContext) -> None:
    g = small_graph(ctx)
    good = np.ones((2, 3), np.float32)
    cases = [
        ({}, "missing input"),
        ({"x": good, "extra": good}, "unknown input"),
        ({"x": good.astype(np.float64)}, "dtype float64"),
        ({"x": np.ones((3, 2), np.float32)}, r"shape \[3, 2\]"),
        ({"x": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}, "numpy array"),
        ([("x", good)], "dict"),
    ]
    for inputs, match in cases:
        with pytest.raises(webnn.ValidationError, match=match):
            ctx.compute(g, inputs)
    out = ctx.compute(g, {"x": good})  # still usable
    assert out["y"].shape == (2, 3)


def test_non_contiguous_inputs(ctx: webnn.MLContext) -> None:
    g = small_graph(ctx)
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = base[:2, 1:].T.copy().T  # Fortran-ordered copy
    x2 = base[::1, ::2][:2, :].repeat(1, 0)
    nc = np.arange(24, dtype=np.float32).reshape(2, 12)[:, ::4]
    assert not nc.flags.c_contiguous
    for arr in (x, nc):
        out = ctx.compute(g, {"x": arr})
        np.testing.assert_array_equal(out["z"], arr - np.arange(3))
    del x2


def test_concurrent_compute(ctx: webnn.MLContext) -> None:
    g = small_graph(ctx)
    errors: list[Exception] = []

    def worker(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(50):
            x = rng.standard_normal((2, 3)).astype(np.float32)
            out = ctx.compute(g, {"x": x})
            w = np.arange(3, dtype=np.float32)
            if not np.array_equal(out["y"], (x + w) * x):
                errors.append(AssertionError(f"wrong result in thread {seed}"))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_graph_save_load_roundtrip(ctx: webnn.MLContext, tmp_path) -> None:
    g = small_graph(ctx)
    path = tmp_path / "g.webnn"
    g.save(path)
    g2 = webnn.load_graph(path, ctx)
    assert g2.info.content_hash() == g.info.content_hash()
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    a, c = ctx.compute(g, {"x": x}), ctx.compute(g2, {"x": x})
    for k in a:
        np.testing.assert_array_equal(a[k], c[k])


def test_load_rejects_corruption(ctx: webnn.MLContext, tmp_path) -> None:
    g = small_graph(ctx)
    path = tmp_path / "g.webnn"
    g.save(path)
    data = bytearray(path.read_bytes())
    idx = data.find(np.arange(3, dtype=np.float32).tobytes())
    assert idx > 0
    data[idx + 4] ^= 0xFF
    bad = tmp_path / "bad.webnn"
    bad.write_bytes(bytes(data))
    with pytest.raises(webnn.ValidationError, match="corrupt|hash|not a saved"):
        webnn.load_graph(bad, ctx)
    (tmp_path / "junk.webnn").write_bytes(b"not a zip")
    with pytest.raises(webnn.ValidationError, match="not a saved webnn graph"):
        webnn.load_graph(tmp_path / "junk.webnn", ctx)


@pytest.mark.slow
def test_content_hash_stable_across_processes(ctx: webnn.MLContext, tmp_path) -> None:
    code = (
        "import numpy as np, webnn\n"
        "ctx = webnn.MLContext(accelerated=False)\n"
        "b = webnn.MLGraphBuilder(ctx)\n"
        "x = b.input('x', [2, 3], 'float32')\n"
        "w = b.constant(np.arange(3).astype('float32'))\n"
        "print(b.build({'y': b.mul(b.add(x, w), x), 'z': b.sub(x, w)}).info.content_hash())\n"
    )
    src = str(Path(webnn.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env_hash = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout.strip()
    assert env_hash == small_graph(ctx).info.content_hash()
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], "float32")
    other = b.build({"y": b.add(x, b.constant(np.arange(3).astype("float32") + 1))})
    assert other.info.content_hash() != env_hash


def test_onnx_conversion_checks_and_is_cached(ctx: webnn.MLContext) -> None:
    g = small_graph(ctx, "float16")
    conv = default_registry().convert(g.info, "onnx")
    assert conv.format == "onnx"
    model = onnx.load_from_string(conv.data)
    onnx.checker.check_model(model, full_check=True)
    assert default_registry().convert(g.info, "onnx") is conv
    # float16 stays float16 at the graph boundary
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT16
    with pytest.raises(webnn.ConversionError, match="no converter"):
        default_registry().convert(g.info, "nope")


def test_op_support_limits(ctx: webnn.MLContext) -> None:
    limits = ctx.op_support_limits()
    assert limits["preferredInputLayout"] == "nchw"
    assert set(limits["add"]) == {"a", "b", "output"}
    assert "float16" in limits["add"]["a"]["dataTypes"]
    assert limits["add"]["a"]["rankRange"]["max"] >= 4


def test_seed_onnx_executor(ctx: webnn.MLContext) -> None:
    data = default_registry().convert(small_graph(ctx, "int64").info, "onnx").data
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    outs = {o.name: o for o in run_onnx_with_inputs(data, [OnnxInput("x", [2, 3], x)])}
    np.testing.assert_array_equal(outs["z"].data, x - np.arange(3))
    assert outs["y"].shape == [2, 3]
    zeroed = run_onnx_zeroed(data, [OnnxInput("x", [2, 3], x)])
    assert {(o.name, tuple(o.shape), o.data_type) for o in zeroed} == {("y", (2, 3), "int64"), ("z", (2, 3), "int64")}
    with pytest.raises(webnn.ValidationError, match="no input"):
        run_onnx_with_inputs(data, [OnnxInput("nope", [1], np.zeros(1))])


def test_output_may_share_an_input_name(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2], "float32")
    g = b.build({"x": b.add(x, x), "y": b.mul(x, x)})
    out = ctx.compute(g, {"x": np.array([1, 3], np.float32)})
    np.testing.assert_array_equal(out["x"], [2, 6])
    np.testing.assert_array_equal(out["y"], [1, 9])


def test_unanticipated_argument_types_are_validation_errors(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2], "float32")
    with pytest.raises(webnn.ValidationError, match="cast"):
        b.cast(x, [[1]])
    assert b.build({"y": b.add(x, x)}) is not None
