"""Patterns of WebNN ops the ``"onnxruntime"`` target emits as one ONNX Runtime contrib operator.

ONNX Runtime's own optimizer already fuses LayerNormalization with a residual Add
(SkipLayerNormalization) and MatMul + Add into Gemm, but not softmax attention written
op by op. This module finds that subgraph in a :class:`~webnn.graph.GraphInfo`, exactly,
and emits ``com.microsoft.MultiHeadAttention`` instead (the same arithmetic, within
float32 rounding). The graph (IR) is not changed, and the standard ``"onnx"`` target
never uses these (TensorRT-RTX parses standard ONNX only).

Attention, as BERT-style encoders write it (Q, K, V are ``[B, S, N*H]`` / ``[B, L, N*H]``):

    q = transpose(reshape(Q, [B, S, N, H]), [0, 2, 1, 3])        (k, v likewise from K, V)
    kt = transpose(k, [0, 1, 3, 2])        or transpose(reshape(K, ...), [0, 2, 3, 1])
    s = matmul(q, kt), then optionally mul/div by a constant scalar, then optionally add(bias)
    out = reshape(transpose(matmul(softmax(s, axis=3), v), [0, 2, 1, 3]), [B, S, N*H])

Every intermediate must be used only by the next op of the pattern and not be a graph
output; ``bias`` must broadcast to ``[B, N, S, L]`` with its batch and head dimensions
either full or 1 (MultiHeadAttention's ``attention_bias``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...graph import GraphInfo, Operation

#: The ONNX domain of ONNX Runtime's contrib operators.
MS_DOMAIN = "com.microsoft"

if TYPE_CHECKING:
    from . import Emitter


@dataclass(frozen=True)
class Attention:
    """One matched attention subgraph: the op indices it covers and what the fused op needs."""

    covered: frozenset[int]
    anchor: int  # index of the final reshape, where the fused op is emitted
    q: int
    k: int
    v: int
    bias: int | None
    scale: float
    heads: int
    out: int


class _Graph:
    def __init__(self, info: GraphInfo) -> None:
        self.info = info
        self.producer: dict[int, int] = {}
        self.uses: dict[int, int] = {}
        for idx, op in enumerate(info.operations):
            for o in op.outputs:
                self.producer[o] = idx
            for i in op.inputs:
                if i is not None:
                    self.uses[i] = self.uses.get(i, 0) + 1
        self.outputs = set(info.outputs.values())

    def op(self, operand: int | None, op_type: str, covered: list[int], *, private: bool = True) -> Operation | None:
        """The op producing ``operand`` if it is an ``op_type`` whose result only the pattern reads."""
        if operand is None or operand not in self.producer:
            return None
        if private and (self.uses.get(operand, 0) != 1 or operand in self.outputs):
            return None
        idx = self.producer[operand]
        op = self.info.operations[idx]
        if op.type != op_type:
            return None
        covered.append(idx)
        return op

    def shape(self, operand: int | None) -> tuple[int, ...]:
        assert operand is not None
        return tuple(self.info.operands[operand].shape)

    def scalar(self, operand: int | None) -> float | None:
        if operand is None or operand not in self.info.constants:
            return None
        arr = self.info.constants[operand]
        return float(arr.reshape(-1)[0]) if arr.size == 1 else None


def _heads(g: _Graph, operand: int | None, perm: list[int], covered: list[int]) -> tuple[int, int, int] | None:
    """(source [B, T, N*H] operand, N, H) of ``transpose(reshape(source, [B, T, N, H]), perm)``."""
    t = g.op(operand, "transpose", covered)
    if t is None or list(t.attr("permutation")) != perm:
        return None
    r = g.op(t.input(), "reshape", covered)
    if r is None:
        return None
    src = r.input()
    src_shape, split = g.shape(src), g.shape(r.outputs[0])
    if len(src_shape) != 3 or len(split) != 4 or split[:2] != src_shape[:2] or split[2] * split[3] != src_shape[2]:
        return None
    assert src is not None
    return src, split[2], split[3]


def _pick(g: _Graph, op: Operation, kinds: tuple[str, ...]) -> tuple[int | None, int | None]:
    """(operand produced by one of ``kinds``, the other operand) of a commutative binary op."""
    a, b = op.input("a"), op.input("b")
    if b is not None and b in g.producer and g.info.operations[g.producer[b]].type in kinds and a not in g.producer:
        return b, a
    if a is not None and a in g.producer and g.info.operations[g.producer[a]].type in kinds:
        return a, b
    return b, a


def match_attention(g: _Graph, anchor: int) -> Attention | None:
    info = g.info
    final = info.operations[anchor]
    if final.type != "reshape":
        return None
    covered = [anchor]
    out_t = g.op(final.input(), "transpose", covered)
    if out_t is None or list(out_t.attr("permutation")) != [0, 2, 1, 3]:
        return None
    pv = g.op(out_t.input(), "matmul", covered)
    if pv is None:
        return None
    sm = g.op(pv.input("a"), "softmax", covered)
    if sm is None or int(sm.attr("axis")) != 3:
        return None
    scores = sm.input()
    bias = None
    add = g.op(scores, "add", covered)
    if add is not None:
        scores, bias = _pick(g, add, ("mul", "div", "matmul"))
    scale = 1.0
    scaled = g.op(scores, "mul", covered) or g.op(scores, "div", covered)
    if scaled is not None:
        if scaled.type == "mul":
            scores, c_operand = _pick(g, scaled, ("matmul",))
        else:
            scores, c_operand = scaled.input("a"), scaled.input("b")
        c = g.scalar(c_operand)
        if c is None or c == 0 or not np.isfinite(c):
            return None
        scale = c if scaled.type == "mul" else 1.0 / c
    qk = g.op(scores, "matmul", covered)
    if qk is None:
        return None
    q = _heads(g, qk.input("a"), [0, 2, 1, 3], covered)
    kt_cover: list[int] = []
    kt = g.op(qk.input("b"), "transpose", kt_cover)
    if kt is None:
        return None
    k = None
    if list(kt.attr("permutation")) == [0, 1, 3, 2]:
        k = _heads(g, kt.input(), [0, 2, 1, 3], kt_cover)
    elif list(kt.attr("permutation")) == [0, 2, 3, 1]:
        r = g.op(kt.input(), "reshape", kt_cover)
        if r is not None:
            src, split = r.input(), g.shape(r.outputs[0])
            if len(g.shape(src)) == 3 and len(split) == 4 and split[2] * split[3] == g.shape(src)[2]:
                k = (src, split[2], split[3])  # type: ignore[assignment]
    covered += kt_cover
    v = _heads(g, pv.input("b"), [0, 2, 1, 3], covered)
    if q is None or k is None or v is None:
        return None
    (qs, n, h), (ks, nk, hk), (vs, nv, hv) = q, k, v
    bq, sq, dq = g.shape(qs)
    bk, lk, dk = g.shape(ks)
    if (nk, hk, nv, hv) != (n, h, n, h) or g.shape(vs) != (bk, lk, dk) or (bk, dk) != (bq, dq):
        return None
    if g.shape(final.outputs[0]) != (bq, sq, dq):
        return None
    if any(info.operands[i].data_type != "float32" for i in (qs, ks, vs)):
        return None
    if bias is not None:
        bshape = (1,) * (4 - len(g.shape(bias))) + g.shape(bias)
        if len(bshape) != 4 or bshape[0] not in (1, bq) or bshape[1] not in (1, n) or bshape[2] not in (1, sq) or bshape[3] not in (1, lk):
            return None
        if info.operands[bias].data_type != "float32":
            return None
    return Attention(frozenset(covered), anchor, qs, ks, vs, bias, scale, n, final.outputs[0])


def find_attention(info: GraphInfo) -> dict[int, Attention]:
    """Matched attention subgraphs by anchor op index (non-overlapping)."""
    g = _Graph(info)
    found: dict[int, Attention] = {}
    taken: set[int] = set()
    for idx, op in enumerate(info.operations):
        if op.type != "reshape":
            continue
        m = match_attention(g, idx)
        if m is not None and not (m.covered & taken):
            found[idx] = m
            taken |= m.covered
    return found


def emit_attention(e: Emitter, m: Attention) -> None:
    """Emit ``com.microsoft.MultiHeadAttention`` for a match (bias expanded to [b, n, S, L] once)."""
    bias_name = ""
    if m.bias is not None:
        seq, length = e.info.operands[m.q].shape[1], e.info.operands[m.k].shape[1]
        shape = tuple(e.info.operands[m.bias].shape)
        shape = (1,) * (4 - len(shape)) + shape
        target = (shape[0], shape[1], seq, length)
        key = ("attention_bias", m.bias, target)
        bias_name = e.fusion_cache.get(key, "")
        if not bias_name:
            src = e.name(m.bias)
            if tuple(e.info.operands[m.bias].shape) != shape:
                src = e.node("Reshape", [src, e.i64(list(shape))])
            bias_name = src if shape == target else e.node("Expand", [src, e.i64(list(target))])
            e.fusion_cache[key] = bias_name
    e.node(
        "MultiHeadAttention",
        [e.name(m.q), e.name(m.k), e.name(m.v), "", "", bias_name or None],
        e.name(m.out),
        domain=MS_DOMAIN,
        num_heads=m.heads,
        scale=float(m.scale),
    )
