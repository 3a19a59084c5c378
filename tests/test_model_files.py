"""webnn.model_files: any model file (told apart by content) to an MLGraph, and conversions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import webnn
from webnn.model_files import convert_model_file, load_model_file, sniff


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(backend="onnxruntime")


def _onnx(path: Path) -> Path:
    w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2), "w")
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Relu", ["m"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])], [w],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(m, path)
    return path


X = np.array([[1, -2, 3], [-1, 0, 2]], np.float32)
Y = np.maximum(X @ np.arange(6, dtype=np.float32).reshape(3, 2), 0)


def test_every_format_by_content(tmp_path: Path, ctx: webnn.MLContext) -> None:
    src = _onnx(tmp_path / "model.bin")  # no .onnx extension: content decides
    assert sniff(src) == "onnx"
    for to, name in (("webnn", "g.webnn"), ("webnn-graph", "t.webnn"), ("onnx", "n.onnx")):
        out = convert_model_file(src, tmp_path / name, to, dims={"n": 2})
        assert sniff(out) == {"onnx": "onnx"}.get(to, to)
        graph = load_model_file(out, ctx)
        np.testing.assert_array_equal(ctx.compute(graph, {"x": X})["y"], Y)
    graph = load_model_file(src, ctx, input_shapes={"x": [2, 3]})
    np.testing.assert_array_equal(ctx.compute(graph, {"x": X})["y"], Y)


def test_convert_to_coreml(tmp_path: Path) -> None:
    pytest.importorskip("coremltools", reason="needs coremltools (pip install 'webnn[coreml]')")
    out = convert_model_file(_onnx(tmp_path / "m.onnx"), tmp_path / "m.mlpackage", "coreml", dims={"n": 2})
    assert out.exists()


def test_errors(tmp_path: Path) -> None:
    (tmp_path / "junk.webnn").write_text("hello")
    with pytest.raises(webnn.ValidationError, match="not a saved webnn graph"):
        sniff(tmp_path / "junk.webnn")
    with pytest.raises(webnn.ValidationError, match="no such file"):
        sniff(tmp_path / "none")
    with pytest.raises(webnn.ValidationError, match="is a directory"):
        sniff(tmp_path)
    with pytest.raises(webnn.ValidationError, match="target must be one of"):
        convert_model_file(_onnx(tmp_path / "m.onnx"), tmp_path / "o", "tflite", dims={"n": 1})
    with pytest.raises(webnn.ValidationError, match="symbolic"):
        convert_model_file(tmp_path / "m.onnx", tmp_path / "o.webnn", "webnn")
