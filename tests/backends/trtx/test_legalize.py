"""TensorRT-RTX legalization: each rewrite is exact (same values on ONNX Runtime) and lets the build pass."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

from webnn.backends.trtx.engines import get_engine
from webnn.backends.trtx.legalize import legalize
from webnn.backends.trtx.loaders import network_from_onnx
from webnn.errors import TrtxRuntimeFailed

from . import models
from .models import _model


def _same_on_ort(a: bytes, b: bytes, feed: dict) -> None:
    ra = ort.InferenceSession(a, providers=["CPUExecutionProvider"]).run(None, feed)
    rb = ort.InferenceSession(b, providers=["CPUExecutionProvider"]).run(None, feed)
    for x, y in zip(ra, rb, strict=True):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def test_untouched_when_nothing_applies() -> None:
    m = models.tiny()
    assert legalize(m) == (m, [])


def test_relu_int32_clip_uint8_cast_of_constant_unused_initializer() -> None:
    m = _model(
        [
            helper.make_node("Relu", ["i"], ["ri"], name="relu_i32"),
            helper.make_node("Clip", ["u", "lo", "hi"], ["cu"], name="clip_u8"),
            helper.make_node("Cast", ["k8"], ["k32"], name="cast_k", to=TensorProto.INT32),
            helper.make_node("Add", ["ri", "k32"], ["y"], name="add"),
        ],
        [helper.make_tensor_value_info("i", TensorProto.INT32, [4]), helper.make_tensor_value_info("u", TensorProto.UINT8, [4])],
        [helper.make_tensor_value_info(n, t, [4]) for n, t in (("y", TensorProto.INT32), ("cu", TensorProto.UINT8))],
        [
            numpy_helper.from_array(np.array(3, np.uint8), "lo"),
            numpy_helper.from_array(np.array(200, np.uint8), "hi"),
            numpy_helper.from_array(np.array([-128, -1, 0, 127], np.int8), "k8"),
            numpy_helper.from_array(np.array([1, 2], np.uint32), "unused_u32"),
        ],
    )
    with pytest.raises(TrtxRuntimeFailed):
        network_from_onnx(m)
    legal, changes = legalize(m)
    text = "\n".join(changes)
    for what in (
        "Relu 'relu_i32' on int32 -> Max",
        "Clip 'clip_u8' on uint8",
        "folded Cast of constant 'k8'",
        "dropped 2 unused initializer(s) (k8, unused_u32)",
    ):
        assert what in text, text
    feed = {"i": np.array([-5, 0, 7, -(2**31)], np.int32), "u": np.array([0, 2, 150, 255], np.uint8)}
    _same_on_ort(m, legal, feed)
    rec = get_engine(m, progress=False)  # legalized inside the build
    assert rec.meta["legalized"] == changes
