"""The converter's own ONNX protobuf writer (converters/onnx/_proto.py), read back with ``onnx``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from webnn.converters.onnx import _proto


def test_model_reads_back_with_every_attribute_kind() -> None:
    attrs = {"i": 3, "neg": -2, "b": True, "f": 0.25, "s": "constant", "ints": [0, -1, 2**40], "floats": [1.5, -2.0], "strings": ["a", "b"]}
    weights = np.arange(12, dtype=np.float32).reshape(3, 4)
    data = _proto.model(
        [_proto.Node("Custom", ("x", "", "w"), ("y",), "n0", "com.example", attrs)],
        [_proto.Initializer("w", weights), _proto.Initializer("big", np.ones(300, np.float32), external=True)],
        [("x", 1, [3, 4])],
        [("y", 7, [2])],
        opsets={"": 21, "com.example": 1},
        ir_version=10,
    )
    m = onnx.ModelProto.FromString(data)
    assert m.ir_version == 10 and {(o.domain, o.version) for o in m.opset_import} == {("", 21), ("com.example", 1)}
    node = m.graph.node[0]
    assert (node.op_type, node.domain, list(node.input), list(node.output)) == ("Custom", "com.example", ["x", "", "w"], ["y"])
    want = helper.make_node("Custom", ["x"], ["y"], **attrs).attribute
    assert sorted((a.name, a.type) for a in node.attribute) == sorted((a.name, a.type) for a in want)
    assert {a.name: helper.get_attribute_value(a) for a in node.attribute} == {a.name: helper.get_attribute_value(a) for a in want}
    np.testing.assert_array_equal(numpy_helper.to_array(m.graph.initializer[0]), weights)
    ext = m.graph.initializer[1]
    assert ext.data_location == onnx.TensorProto.EXTERNAL and not ext.raw_data and list(ext.dims) == [300]
    assert {e.key: e.value for e in ext.external_data} == {"location": _proto.EXTERNAL_LOCATION, "length": "1200"}
    vi = m.graph.output[0].type.tensor_type
    assert vi.elem_type == 7 and [d.dim_value for d in vi.shape.dim] == [2]


def test_tensor_types_and_empty_and_big_endian() -> None:
    for dt in ("float32", "float16", "int8", "uint8", "int32", "uint32", "int64", "uint64", "bool", "float64"):
        arr = (np.arange(6) % 2).astype(dt).reshape(2, 3)
        t = onnx.TensorProto.FromString(b"".join(_proto.tensor("t", arr)))
        np.testing.assert_array_equal(numpy_helper.to_array(t), arr)
    t = onnx.TensorProto.FromString(b"".join(_proto.tensor("e", np.zeros([0, 3], np.float32))))
    assert list(t.dims) == [0, 3]
    be = np.arange(4, dtype=">i4")
    np.testing.assert_array_equal(numpy_helper.to_array(onnx.TensorProto.FromString(b"".join(_proto.tensor("b", be)))), be.astype("<i4"))


def test_building_and_computing_float32_does_not_import_onnx() -> None:
    """Startup: the ONNX Runtime path writes its protobuf itself (onnx and ml_dtypes cost 0.6 s)."""
    code = (
        "import sys, numpy as np, webnn\n"
        "ctx = webnn.MLContext(accelerated=False); b = webnn.MLGraphBuilder(ctx)\n"
        "x = b.input('x', [2, 3], 'float32')\n"
        "g = b.build({'y': b.relu(b.add(x, b.constant(np.ones([2, 3], np.float32))))})\n"
        "y = ctx.compute(g, {'x': np.full([2, 3], -3, np.float32)})['y']\n"
        "assert (y == 0).all(), y\n"
        "print(sorted(m for m in sys.modules if m == 'onnx' or m.startswith(('onnx.', 'ml_dtypes'))))\n"
    )
    src = Path(__file__).resolve().parents[2] / "src"
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env={"PYTHONPATH": str(src), "PATH": ""}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
