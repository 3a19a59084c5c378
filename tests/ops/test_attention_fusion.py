"""The ``"onnxruntime"`` target emits softmax attention as com.microsoft.MultiHeadAttention only
when the pattern matches exactly; fused and unfused models compute the same values."""

from __future__ import annotations

import math

import numpy as np
import onnx
import pytest

import webnn
from webnn.backends.onnxruntime import open_session
from webnn.converters.onnx import OnnxConverter

B, S, L, N, H = 2, 5, 7, 3, 4
D = N * H


def _attention(b, *, scale="mul", bias_shape=(B, 1, 1, L), k_perm="two_step", extra_use=False):
    q_in, k_in, v_in = (b.input(n, [B, t, D], "float32") for n, t in (("q", S), ("k", L), ("v", L)))

    def heads(x, t):
        return b.transpose(b.reshape(x, [B, t, N, H]), permutation=[0, 2, 1, 3])

    if k_perm == "two_step":
        kt = b.transpose(heads(k_in, L), permutation=[0, 1, 3, 2])
    else:
        kt = b.transpose(b.reshape(k_in, [B, L, N, H]), permutation=[0, 2, 3, 1])
    s = b.matmul(heads(q_in, S), kt)
    outputs = {}
    if scale == "mul":
        s = b.mul(s, b.constant(1 / math.sqrt(H), data_type="float32"))
    elif scale == "div":
        s = b.div(s, b.constant(math.sqrt(H), data_type="float32"))
    if extra_use:
        outputs["scores"] = s
    if bias_shape is not None:
        s = b.add(s, b.input("bias", list(bias_shape), "float32"))
    p = b.softmax(s, 3)
    outputs["out"] = b.reshape(b.transpose(b.matmul(p, heads(v_in, L)), permutation=[0, 2, 1, 3]), [B, S, D])
    return b._graph_info(outputs)


def _run(info, fuse: bool, feeds):
    c = OnnxConverter("onnxruntime", fuse=fuse).convert(info)
    ops = [n.op_type for n in onnx.ModelProto.FromString(c.data).graph.node]
    session, _ = open_session(c.data, external_initializers=c.metadata["external_initializers"])
    names = [o.name for o in session.get_outputs()]
    return ops, dict(zip(names, session.run(names, feeds), strict=False))


def _feeds(bias_shape):
    rng = np.random.default_rng(1)
    f = {n: rng.standard_normal([B, t, D]).astype(np.float32) for n, t in (("q", S), ("k", L), ("v", L))}
    if bias_shape is not None:
        f["bias"] = np.where(rng.random(bias_shape) < 0.3, -10000.0, 0.0).astype(np.float32) + rng.standard_normal(bias_shape).astype(np.float32)
    return f


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"scale": "div"},
        {"scale": None},
        {"bias_shape": None},
        {"bias_shape": (B, N, S, L)},
        {"bias_shape": (1, 1, S, L)},
        {"bias_shape": (L,)},
        {"k_perm": "one_step"},
    ],
)
def test_fused_matches_unfused(kw) -> None:
    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    info = _attention(b, **kw)
    feeds = _feeds(kw.get("bias_shape", (B, 1, 1, L)))
    fused_ops, fused = _run(info, True, feeds)
    plain_ops, plain = _run(info, False, feeds)
    assert fused_ops.count("MultiHeadAttention") == 1 and "Softmax" not in fused_ops
    assert "MultiHeadAttention" not in plain_ops
    np.testing.assert_allclose(fused["out"], plain["out"], atol=2e-6, rtol=1e-5)


def test_not_fused_when_an_intermediate_is_used_elsewhere() -> None:
    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    info = _attention(b, extra_use=True)
    ops, _ = _run(info, True, _feeds((B, 1, 1, L)))
    assert "MultiHeadAttention" not in ops and "Softmax" in ops


def test_not_fused_for_other_softmax_axes_or_scales() -> None:
    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    x = b.input("x", [B, N, S, S], "float32")
    v = b.input("v", [B, S, D], "float32")
    p = b.softmax(x, 2)
    out = b.reshape(b.transpose(b.matmul(p, b.transpose(b.reshape(v, [B, S, N, H]), permutation=[0, 2, 1, 3])), permutation=[0, 2, 1, 3]), [B, S, D])
    ops, _ = _run(b._graph_info({"o": out}), True, {"x": np.zeros([B, N, S, S], np.float32), "v": np.zeros([B, S, D], np.float32)})
    assert "MultiHeadAttention" not in ops


def test_standard_target_never_uses_contrib_ops() -> None:
    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    model = onnx.ModelProto.FromString(OnnxConverter("onnx").convert(_attention(b)).data)
    assert {n.domain for n in model.graph.node} == {""} and [o.domain for o in model.opset_import] == [""]
    onnx.checker.check_model(model, full_check=True)
