"""webnn.onnx's API: inputs, static shapes, folding, refusals, importing into a larger graph."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import webnn
import webnn.onnx as wonnx


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(backend="onnxruntime")


def _model(nodes, inputs, outputs, initializers=(), opset=18, functions=()) -> onnx.ModelProto:
    g = helper.make_graph(nodes, "m", inputs, outputs, initializer=list(initializers))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], functions=list(functions))
    m.ir_version = 9
    return m


def _vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


F = TensorProto.FLOAT


def test_load_model_from_proto_bytes_and_path(ctx, tmp_path) -> None:
    m = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", F, [2, 3])], [_vi("y", F, [2, 3])])
    onnx.save(m, tmp_path / "m.onnx")
    x = np.array([[-1, 2, -3], [4, -5, 6]], np.float32)
    for src in (m, m.SerializeToString(), tmp_path / "m.onnx", str(tmp_path / "m.onnx")):
        g = wonnx.load_model(src, ctx)
        np.testing.assert_array_equal(ctx.compute(g, {"x": x})["y"], np.maximum(x, 0))
        assert [op.type for op in g.info.operations] == ["relu"]
    with pytest.raises(webnn.ValidationError, match="not an ONNX model"):
        wonnx.load_model(b"\x01\x02garbage", ctx)
    with pytest.raises(webnn.ValidationError, match="no such file"):
        wonnx.load_model(tmp_path / "missing.onnx", ctx)


def test_symbolic_dimensions(ctx) -> None:
    m = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", F, ["batch", 3])], [_vi("y", F, ["batch", 3])])
    with pytest.raises(webnn.ValidationError, match=r"input 'x': dimension 0 \('batch'\) is symbolic.*input_shapes=\{'x': \[\.\.\.\]\}.*dims=\{'batch': N\}"):
        wonnx.load_model(m, ctx)
    assert wonnx.load_model(m, ctx, input_shapes={"x": [4, 3]}).input_descriptors["x"].shape == (4, 3)
    assert wonnx.load_model(m, ctx, dims={"batch": 2}).input_descriptors["x"].shape == (2, 3)
    with pytest.raises(webnn.ValidationError, match=r"dimension 1 is 3 in the model"):
        wonnx.load_model(m, ctx, input_shapes={"x": [4, 5]})
    with pytest.raises(webnn.ValidationError, match=r"not inputs of the model"):
        wonnx.load_model(m, ctx, input_shapes={"z": [1]})


def test_shape_subgraph_is_folded(ctx) -> None:
    # y = reshape(x, concat(shape(x)[0:1], [-1])): the shape computation is done at import.
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["b"], axis=0),
        helper.make_node("Unsqueeze", ["b", "zero1"], ["b1"]),
        helper.make_node("Concat", ["b1", "minus1"], ["shape"], axis=0),
        helper.make_node("Reshape", ["x", "shape"], ["y"]),
    ]
    inits = [numpy_helper.from_array(np.array(0, np.int64), "zero"), numpy_helper.from_array(np.array([0], np.int64), "zero1"),
             numpy_helper.from_array(np.array([-1], np.int64), "minus1")]
    m = _model(nodes, [_vi("x", F, [2, 3, 4])], [_vi("y", F, [2, 12])], inits)
    g = wonnx.load_model(m, ctx)
    assert [op.type for op in g.info.operations] == ["reshape"]
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(ctx.compute(g, {"x": x})["y"], x.reshape(2, 12))


def test_every_unsupported_node_is_listed(ctx) -> None:
    nodes = [
        helper.make_node("NonZero", ["x"], ["nz"], name="find"),
        helper.make_node("Relu", ["x"], ["r"], name="ok"),
        helper.make_node("Mod", ["r", "r"], ["m"], name="fmod", fmod=1),
        helper.make_node("Cast", ["m"], ["d"], name="to_double", to=TensorProto.DOUBLE),
    ]
    m = _model(nodes, [_vi("x", F, [4])], [_vi("nz", TensorProto.INT64, [1, None]), _vi("d", TensorProto.DOUBLE, [4])])
    with pytest.raises(wonnx.UnsupportedModelError) as e:
        wonnx.load_model(m, ctx)
    listed = [(op, name, key) for op, name, key, _ in e.value.nodes]
    assert listed == [("NonZero", "find", "op"), ("Mod", "fmod", "float"), ("Cast", "to_double", "dtype")], listed
    text = str(e.value)
    assert "3 node(s) cannot be expressed in WebNN" in text and "NonZero 'find': its output shape depends on the input values" in text
    assert isinstance(e.value, webnn.UnsupportedError)


def test_import_model_into_a_larger_graph(ctx) -> None:
    m = _model(
        [helper.make_node("MatMul", ["a", "w"], ["p"]), helper.make_node("Softmax", ["p"], ["out"], axis=-1)],
        [_vi("a", F, [2, 3])], [_vi("out", F, [2, 4])],
        [numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4) / 10, "w")],
    )
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("image", [2, 3], "float32")
    outs = wonnx.import_model(m, b, inputs={"a": b.mul(x, b.constant(np.float32(2)))})
    g = b.build({"probs": b.add(outs["out"], b.constant(np.float32(1)))})
    assert list(g.input_descriptors) == ["image"]
    xv = np.random.default_rng(0).random((2, 3)).astype(np.float32)
    p = (2 * xv) @ (np.arange(12, dtype=np.float32).reshape(3, 4) / 10)
    e = np.exp(p - p.max(-1, keepdims=True))
    np.testing.assert_allclose(ctx.compute(g, {"image": xv})["probs"], e / e.sum(-1, keepdims=True) + 1, rtol=1e-6)


def test_a_refused_model_leaves_the_builder_untouched(ctx) -> None:
    m = _model([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("NonZero", ["r"], ["y"])],
               [_vi("x", F, [3])], [_vi("y", TensorProto.INT64, [1, None])])
    b = webnn.MLGraphBuilder(ctx)
    with pytest.raises(wonnx.UnsupportedModelError):
        wonnx.import_model(m, b)
    x = b.input("x", [3], "float32")  # the name is still free: nothing was recorded
    g = b.build({"y": b.relu(x)})
    assert [op.type for op in g.info.operations] == ["relu"]


def test_bool_outputs_are_uint8_and_unused_inputs_are_dropped(ctx) -> None:
    m = _model([helper.make_node("Greater", ["x", "y"], ["g"]), helper.make_node("Not", ["g"], ["n"])],
               [_vi("x", F, [3]), _vi("y", F, [3]), _vi("unused", F, [3])], [_vi("n", TensorProto.BOOL, [3])])
    g = wonnx.load_model(m, ctx)
    assert set(g.input_descriptors) == {"x", "y"}
    assert g.output_descriptors["n"].data_type == "uint8"
    out = ctx.compute(g, {"x": np.array([1, 2, 3], np.float32), "y": np.array([2, 2, 2], np.float32)})["n"]
    np.testing.assert_array_equal(out, np.array([1, 1, 0], np.uint8))


def test_outputs_that_are_inputs_or_constants(ctx) -> None:
    m = _model([helper.make_node("Identity", ["x"], ["same"]), helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.array([7], np.int32)))],
               [_vi("x", F, [2])], [_vi("same", F, [2]), _vi("c", TensorProto.INT32, [1])])
    g = wonnx.load_model(m, ctx)
    out = ctx.compute(g, {"x": np.array([1, 2], np.float32)})
    np.testing.assert_array_equal(out["same"], [1, 2])
    np.testing.assert_array_equal(out["c"], [7])


def test_local_functions_are_expanded(ctx) -> None:
    f = helper.make_function("custom", "Double", ["a"], ["b"], [helper.make_node("Add", ["a", "a"], ["b"])], [helper.make_opsetid("", 18)])
    m = _model([helper.make_node("Double", ["x"], ["y"], domain="custom")], [_vi("x", F, [2])], [_vi("y", F, [2])], functions=[f])
    m.opset_import.append(helper.make_opsetid("custom", 1))
    g = wonnx.load_model(m, ctx)
    np.testing.assert_array_equal(ctx.compute(g, {"x": np.array([1, 2], np.float32)})["y"], [2, 4])


def test_other_domains_and_old_versions_are_refused(ctx) -> None:
    m = _model([helper.make_node("FusedGemm", ["x"], ["y"], domain="com.microsoft")], [_vi("x", F, [2])], [_vi("y", F, [2])])
    m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    with pytest.raises(wonnx.UnsupportedModelError, match="domain 'com.microsoft' is not the ONNX standard domain"):
        wonnx.load_model(m, ctx)
    old = _model([helper.make_node("Add", ["x", "x"], ["y"], broadcast=0)], [_vi("x", F, [2])], [_vi("y", F, [2])], opset=6)
    with pytest.raises(wonnx.UnsupportedModelError) as e:
        wonnx.load_model(old, ctx)
    assert e.value.nodes[0][2] == "opset" and "Add-6 is not implemented" in e.value.nodes[0][3]


def test_malformed_models_raise_validation_errors(ctx) -> None:
    m = _model([helper.make_node("Relu", ["nowhere"], ["y"])], [_vi("x", F, [2])], [_vi("y", F, [2])])
    with pytest.raises(webnn.ValidationError, match="uses tensor 'nowhere', which no earlier node, input or initializer defines"):
        wonnx.load_model(m, ctx)
    m = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", F, [2])], [_vi("z", F, [2])])
    with pytest.raises(webnn.ValidationError, match="output 'z' is not computed by any node"):
        wonnx.load_model(m, ctx)


def test_webnn_validation_reaches_imported_nodes(ctx) -> None:
    # ONNX allows an int32 Softmax input only in no opset; WebNN's softmax takes floats: a "dtype" refusal.
    m = _model([helper.make_node("Softmax", ["x"], ["y"])], [_vi("x", TensorProto.INT32, [2])], [_vi("y", TensorProto.INT32, [2])])
    with pytest.raises(wonnx.UnsupportedModelError, match="WebNN softmax does not take int32"):
        wonnx.load_model(m, ctx)


def test_if_with_a_known_condition_imports_its_branch(ctx) -> None:
    then = helper.make_graph([helper.make_node("Neg", ["x"], ["t"])], "then", [], [_vi("t", F, [2])])
    other = helper.make_graph([helper.make_node("Abs", ["x"], ["e"])], "else", [], [_vi("e", F, [2])])
    m = _model([helper.make_node("If", ["c"], ["y"], then_branch=then, else_branch=other)], [_vi("x", F, [2])], [_vi("y", F, [2])],
               [numpy_helper.from_array(np.array(False), "c")])
    g = wonnx.load_model(m, ctx)
    assert [op.type for op in g.info.operations] == ["abs"]


def test_hostile_models_fail_cleanly(ctx) -> None:
    huge = _model([helper.make_node("ConstantOfShape", ["s"], ["c"]), helper.make_node("Add", ["x", "c"], ["y"])],
                  [_vi("x", F, [1])], [_vi("y", F, [1])], [numpy_helper.from_array(np.array([100000] * 3, np.int64), "s")])
    with pytest.raises(wonnx.UnsupportedModelError, match="larger than maxTensorByteLength"):
        wonnx.load_model(huge, ctx)
    f = helper.make_function("c", "Rec", ["a"], ["b"], [helper.make_node("Rec", ["a"], ["b"], domain="c")],
                             [helper.make_opsetid("", 18), helper.make_opsetid("c", 1)])
    rec = _model([helper.make_node("Rec", ["x"], ["y"], domain="c")], [_vi("x", F, [1])], [_vi("y", F, [1])], functions=[f])
    rec.opset_import.append(helper.make_opsetid("c", 1))
    with pytest.raises(webnn.ValidationError, match="functions nested more than 32 deep"):
        wonnx.load_model(rec, ctx)
    # the context still works
    ok = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", F, [1])], [_vi("y", F, [1])])
    assert ctx.compute(wonnx.load_model(ok, ctx), {"x": np.array([-1], np.float32)})["y"][0] == 0
