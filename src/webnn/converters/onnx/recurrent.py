"""ONNX rules for recurrent networks: gru gru_cell lstm lstm_cell.

gru/gruCell map onto ONNX GRU, whose semantics match WebNN's exactly: ONNX gate order
is z, r, h (WebNN "zrn"; "rzn" is reordered with Split+Concat), ``linear_before_reset``
is WebNN's ``resetAfter``, and ONNX's single bias ``B`` is ``[bias, recurrentBias]``
(zeros for an absent one). The cells are one-step networks (``[1, ...]`` unsqueezes).

lstm/lstmCell map onto ONNX LSTM (gate order i, o, f, c = WebNN "iofg"; "ifgo" is
reordered) except when a peephole weight is given: ONNX's output gate peeps at the
*new* cell state, while WebNN's peeps at the *previous* one (the spec's lstmCell
decomposition: ``o = f(cellState * p_o + ...)``). With a peephole the network is
unrolled over the (static) steps into MatMul/Add/Mul and the activations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np

from ...graph import Operation
from . import Emitter, rule

_ACT = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}
_DIRECTION = {"forward": "forward", "backward": "reverse", "both": "bidirectional"}
# Index of each ONNX gate in the WebNN layout (ONNX GRU: z r h; ONNX LSTM: i o f c).
_GRU_PERM = {"zrn": None, "rzn": [1, 0, 2]}
_LSTM_PERM = {"iofg": None, "ifgo": [0, 3, 1, 2]}


@overload
def _reorder(e: Emitter, x: str, perm: list[int] | None, axis: int) -> str: ...
@overload
def _reorder(e: Emitter, x: str | None, perm: list[int] | None, axis: int) -> str | None: ...
def _reorder(e: Emitter, x: str | None, perm: list[int] | None, axis: int) -> str | None:
    """Reorder the gate blocks of ``x`` along ``axis`` into ONNX's gate order."""
    if x is None or perm is None:
        return x
    parts = e.node("Split", [x], len(perm), axis=axis, num_outputs=len(perm))
    return e.node("Concat", [parts[i] for i in perm], 1, axis=axis)


@overload
def _unsqueeze0(e: Emitter, x: str) -> str: ...
@overload
def _unsqueeze0(e: Emitter, x: str | None) -> str | None: ...
def _unsqueeze0(e: Emitter, x: str | None) -> str | None:
    return None if x is None else e.node("Unsqueeze", [x, e.i64([0])], 1)


def _squeeze0(e: Emitter, x: str, out: str) -> str:
    return e.node("Squeeze", [x, e.i64([0])], out)


def _onnx_bias(e: Emitter, b: str | None, rb: str | None, nd: int, width: int, dt: str) -> str | None:
    """ONNX's ``B``: ``[bias, recurrentBias]`` along axis 1, zeros for an absent one."""
    if b is None and rb is None:
        return None
    zero = None
    if b is None or rb is None:
        zero = e.const(np.zeros((nd, width), dtype=dt))
    return e.node("Concat", [b or zero, rb or zero], 1, axis=1)


def _activations(acts: Sequence[str], nd: int) -> list[str]:
    return [_ACT[a] for a in acts] * nd


# --------------------------------------------------------------------------------------
# GRU
# --------------------------------------------------------------------------------------


def _gru(e: Emitter, op: Operation, x: str, w: str, r: str, b: str | None, rb: str | None, h0: str | None,
         direction: str, nd: int, dt: str, y: str, y_h: str) -> None:
    hs = op.attr("hidden_size")
    perm = _GRU_PERM[op.attr("layout")]
    w, r = _reorder(e, w, perm, 1), _reorder(e, r, perm, 1)
    b, rb = _reorder(e, b, perm, 1), _reorder(e, rb, perm, 1)
    e.node(
        "GRU",
        [x, w, r, _onnx_bias(e, b, rb, nd, 3 * hs, dt), None, h0],
        [y, y_h],
        hidden_size=hs,
        direction=_DIRECTION[direction],
        activations=_activations(op.attr("activations"), nd),
        linear_before_reset=int(op.attr("reset_after")),
        layout=0,
    )




@rule("gru")
def gru(e: Emitter, op: Operation) -> None:
    direction = op.attr("direction")
    y = e.y(op, 1) if op.attr("return_sequence") else ""
    x, w, r = (e.x(op, n) for n in ("input", "weight", "recurrent_weight"))
    b, rb, h0 = (e.x_opt(op, n) for n in ("bias", "recurrent_bias", "initial_hidden_state"))
    _gru(e, op, x, w, r, b, rb, h0, direction, 2 if direction == "both" else 1, e.xd(op).data_type, y, e.y(op, 0))


@rule("gru_cell")
def gru_cell(e: Emitter, op: Operation) -> None:
    x, w, r, h = (_unsqueeze0(e, e.x(op, n)) for n in ("input", "weight", "recurrent_weight", "hidden_state"))
    b, rb = (_unsqueeze0(e, e.x_opt(op, n)) for n in ("bias", "recurrent_bias"))
    y_h = e.tmp("gru_h")
    _gru(e, op, x, w, r, b, rb, h, "forward", 1, e.xd(op).data_type, "", y_h)
    _squeeze0(e, y_h, e.y(op))


# --------------------------------------------------------------------------------------
# LSTM
# --------------------------------------------------------------------------------------


def _lstm(e: Emitter, op: Operation, x: str, w: str, r: str, b: str | None, rb: str | None, p: str | None, h0: str | None,
          c0: str | None, direction: str, steps: int, nd: int, y: str, y_h: str, y_c: str) -> None:
    hs = op.attr("hidden_size")
    perm = _LSTM_PERM[op.attr("layout")]
    xd = e.xd(op)
    batch, dt = xd.shape[-2], xd.data_type
    w, r = _reorder(e, w, perm, 1), _reorder(e, r, perm, 1)
    b, rb = _reorder(e, b, perm, 1), _reorder(e, rb, perm, 1)
    if p is None:
        e.node(
            "LSTM",
            [x, w, r, _onnx_bias(e, b, rb, nd, 4 * hs, dt), None, h0, c0],
            [y, y_h, y_c],
            hidden_size=hs,
            direction=_DIRECTION[direction],
            activations=_activations(op.attr("activations"), nd),
            layout=0,
        )
        return
    _lstm_unrolled(e, x, w, r, b, rb, p, h0, c0, op.attr("activations"), hs, steps, batch, nd, direction, dt, y, y_h, y_c)


def _split0(e: Emitter, x: str | None, n: int) -> list[str | None]:
    """``x`` split into ``n`` parts along axis 0 (kept rank)."""
    if x is None:
        return [None] * n
    if n == 1:
        return [x]
    return list(e.node("Split", [x], n, axis=0, num_outputs=n))


def _lstm_unrolled(e: Emitter, x: str, w: str, r: str, b: str | None, rb: str | None, p: str, h0: str | None,
                   c0: str | None, acts: Sequence[str], hs: int, steps: int, batch: int, nd: int, direction: str,
                   dt: str, y: str, y_h: str, y_c: str) -> None:
    """The spec's lstm decomposition (lstmCell per step, peepholes on the previous cell state).

    ``w``, ``r``, ``b``, ``rb`` are already in ONNX gate order (i, o, f, c). Every per-step
    tensor keeps a leading dimension of 1 (``[1, batch, ...]``), so a direction's final
    states are already in the ``[1, batch, hiddenSize]`` shape of its output slice.
    """
    f_gate, g_cell, h_filter = (_ACT[a] for a in acts)
    zeros = e.const(np.zeros((1, batch, hs), dtype=dt))
    ws, rs, bs, rbs, ps, h0s, c0s = (_split0(e, v, nd) for v in (w, r, b, rb, p, h0, c0))
    finals_h, finals_c, sequences = [], [], []
    for d in range(nd):
        wt = e.node("Transpose", [ws[d]], 1, perm=[0, 2, 1])  # [1, I, 4H]
        rt = e.node("Transpose", [rs[d]], 1, perm=[0, 2, 1])  # [1, H, 4H]
        xw = e.node("MatMul", [x, wt], 1)  # [steps, batch, 4H]: input projections of all steps
        biases = [v for v in (bs[d], rbs[d]) if v is not None]  # [1, 4H]
        if biases:
            bias = biases[0] if len(biases) == 1 else e.node("Add", biases, 1)
            xw = e.node("Add", [xw, bias], 1)
        xws = _split0(e, xw, steps)  # [1, batch, 4H] each
        p_i, p_o, p_f = e.node("Split", [ps[d]], 3, axis=1, num_outputs=3)  # [1, H] each
        h = h0s[d] if h0s[d] is not None else zeros
        c = c0s[d] if c0s[d] is not None else zeros
        backward = direction == "backward" or d == 1
        order = range(steps - 1, -1, -1) if backward else range(steps)
        per_step: dict[int, str] = {}
        for t in order:
            pre = e.node("Add", [xws[t], e.node("MatMul", [h, rt], 1)], 1)
            g_i, g_o, g_f, g_c = e.node("Split", [pre], 4, axis=2, num_outputs=4)
            i = e.node(f_gate, [e.node("Add", [g_i, e.node("Mul", [c, p_i], 1)], 1)], 1)
            f = e.node(f_gate, [e.node("Add", [g_f, e.node("Mul", [c, p_f], 1)], 1)], 1)
            o = e.node(f_gate, [e.node("Add", [g_o, e.node("Mul", [c, p_o], 1)], 1)], 1)
            g = e.node(g_cell, [g_c], 1)
            c = e.node("Add", [e.node("Mul", [f, c], 1), e.node("Mul", [i, g], 1)], 1)
            h = e.node("Mul", [o, e.node(h_filter, [c], 1)], 1)
            per_step[t] = h
        finals_h.append(h)
        finals_c.append(c)
        if y:
            seq = per_step[0] if steps == 1 else e.node("Concat", [per_step[t] for t in range(steps)], 1, axis=0)
            sequences.append(e.node("Unsqueeze", [seq, e.i64([1])], 1))  # [steps, 1, B, H]
    for finals, out in ((finals_h, y_h), (finals_c, y_c)):
        if len(finals) == 1:
            e.node("Identity", finals, out)
        else:
            e.node("Concat", finals, out, axis=0)
    if y:
        if len(sequences) == 1:
            e.node("Identity", sequences, y)
        else:
            e.node("Concat", sequences, y, axis=1)




@rule("lstm")
def lstm(e: Emitter, op: Operation) -> None:
    direction = op.attr("direction")
    y = e.y(op, 2) if op.attr("return_sequence") else ""
    x, w, r = (e.x(op, n) for n in ("input", "weight", "recurrent_weight"))
    b, rb, p, h0, c0 = (e.x_opt(op, n) for n in ("bias", "recurrent_bias", "peephole_weight", "initial_hidden_state", "initial_cell_state"))
    _lstm(e, op, x, w, r, b, rb, p, h0, c0, direction, op.attr("steps"), 2 if direction == "both" else 1, y, e.y(op, 0), e.y(op, 1))


@rule("lstm_cell")
def lstm_cell(e: Emitter, op: Operation) -> None:
    x, w, r, h, c = (_unsqueeze0(e, e.x(op, n)) for n in ("input", "weight", "recurrent_weight", "hidden_state", "cell_state"))
    b, rb, p = (_unsqueeze0(e, e.x_opt(op, n)) for n in ("bias", "recurrent_bias", "peephole_weight"))
    y_h, y_c = e.tmp("lstm_h"), e.tmp("lstm_c")
    _lstm(e, op, x, w, r, b, rb, p, h, c, "forward", 1, 1, "", y_h, y_c)
    _squeeze0(e, y_h, e.y(op, 0))
    _squeeze0(e, y_c, e.y(op, 1))
