"""Small ONNX models for the TensorRT-RTX tests (built with onnx.helper)."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def _model(nodes, inputs, outputs, inits=(), opset: int = 17) -> bytes:
    g = helper.make_graph(nodes, "t", inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="webnn-tests")
    m.ir_version = 8 if opset <= 17 else 10
    return m.SerializeToString()


def tiny(scale: float = 2.0) -> bytes:
    """y = relu(x * scale + 1), x float32 [2, 4]."""
    return _model(
        [
            helper.make_node("Mul", ["x", "s"], ["m"], name="mul"),
            helper.make_node("Add", ["m", "one"], ["a"], name="add"),
            helper.make_node("Relu", ["a"], ["y"], name="relu"),
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
        [numpy_helper.from_array(np.array(scale, np.float32), "s"), numpy_helper.from_array(np.array(1.0, np.float32), "one")],
    )


def dynamic_matmul() -> bytes:
    """y = x @ W + b with x float32 [N, 8] (N dynamic), W [8, 16]."""
    rng = np.random.default_rng(0)
    return _model(
        [helper.make_node("MatMul", ["x", "W"], ["m"], name="matmul"), helper.make_node("Add", ["m", "b"], ["y"], name="bias")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 16])],
        [
            numpy_helper.from_array(rng.standard_normal((8, 16)).astype(np.float32), "W"),
            numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "b"),
        ],
    )


def nonzero() -> bytes:
    """Data-dependent output shape: indices of x's non-zero elements (int64 [2, K])."""
    return _model(
        [helper.make_node("NonZero", ["x"], ["y"], name="nz")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, [2, "K"])],
    )


def int_types() -> bytes:
    """Mixed I/O dtypes: int32 and float16 inputs, int64 and float16 outputs."""
    return _model(
        [
            helper.make_node("Cast", ["i"], ["i64"], to=TensorProto.INT64, name="cast"),
            helper.make_node("Add", ["i64", "k"], ["yi"], name="addi"),
            helper.make_node("Mul", ["h", "h"], ["yh"], name="sq"),
        ],
        [helper.make_tensor_value_info("i", TensorProto.INT32, [5]), helper.make_tensor_value_info("h", TensorProto.FLOAT16, [2, 3])],
        [helper.make_tensor_value_info("yi", TensorProto.INT64, [5]), helper.make_tensor_value_info("yh", TensorProto.FLOAT16, [2, 3])],
        [numpy_helper.from_array(np.array(7, np.int64), "k")],
    )


def unsupported_op() -> bytes:
    """A model TensorRT-RTX's parser rejects: a Unique node named 'dedupe'."""
    return _model(
        [helper.make_node("Unique", ["x"], ["y"], name="dedupe", sorted=1)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["U"])],
    )
