"""LSTM and GRU (WebNN lstm / gru: the same gate packing), RNN (unrolled)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import FLOATS, need_types, reshape

_ACTS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
REFUSES = {
    "activation": "an activation other than Sigmoid, Tanh, Relu, or different activations per direction",
    "clip": "cell clipping (clip)",
    "sequence_lens": "sequence_lens shorter than the sequence (per-batch lengths)",
    "input_forget": "input_forget=1 (coupled input and forget gates)",
}
_DIRECTIONS = {"forward": "forward", "reverse": "backward", "bidirectional": "both"}


def _activations(n: NodeContext, count: int, default: list[str], nd: int) -> list[str]:
    names = n.attr("activations") if n.has_attr("activations") else None
    names = list(default) * nd if not names else [a.lower() for a in names]
    if len(names) == count:  # one direction's list given for both
        names = names * nd
    if len(names) != count * nd:
        raise ValueError(f"{len(names)} activations for {nd} direction(s)")
    per_dir = [names[i * count:(i + 1) * count] for i in range(nd)]
    if any(p != per_dir[0] for p in per_dir):
        raise n.refuse("activation", f"activations {names} differ per direction")
    for a in per_dir[0]:
        if a not in _ACTS:
            raise n.refuse("activation", f"activation {a!r}")
    return [_ACTS[a] for a in per_dir[0]]


def _common(n: NodeContext) -> tuple[MLOperand, int, str, int, bool]:
    need_types(n, 0, FLOATS, n.op_type.lower())
    if n.attr("clip") is not None:
        raise n.refuse("clip", f"clip={n.attr('clip')}")
    direction = n.attr("direction", "forward")
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction {direction!r}")
    nd = 2 if direction == "bidirectional" else 1
    layout = int(n.attr("layout", 0)) if n.version >= 14 else 0
    x = n.x(0)
    if layout:
        x = n.b.transpose(x, permutation=[1, 0, 2])
    steps = x.shape[0]
    if n.has(4):
        lens = np.asarray(n.const(4, "sequence_lens")).reshape(-1)
        if (lens != steps).any():
            raise n.refuse("sequence_lens", f"sequence_lens {lens.tolist()} with {steps} steps")
    return x, nd, _DIRECTIONS[direction], layout, True


def _state(n: NodeContext, i: int, layout: int) -> MLOperand | None:
    if not n.has(i):
        return None
    s = n.x(i)
    return n.b.transpose(s, permutation=[1, 0, 2]) if layout else s


def _split_bias(n: NodeContext, i: int, width: int) -> tuple[MLOperand | None, MLOperand | None]:
    if not n.has(i):
        return None, None
    bias = n.x(i)
    nd = bias.shape[0]
    return n.b.slice(bias, [0, 0], [nd, width]), n.b.slice(bias, [0, width], [nd, width])


def _outputs(n: NodeContext, seq: MLOperand | None, states: list[MLOperand], layout: int) -> list[MLOperand | None]:
    outs: list[MLOperand | None] = []
    if n.wants(0):
        assert seq is not None
        outs.append(n.b.transpose(seq, permutation=[2, 0, 1, 3]) if layout else seq)
    else:
        outs.append(None)
    for s in states:
        outs.append(n.b.transpose(s, permutation=[1, 0, 2]) if layout else s)
    return outs


def _part(n: NodeContext, t: MLOperand, k: int) -> MLOperand:
    """``t[k]``: entry ``k`` of the leading axis (a direction, or a time step), that axis dropped."""
    return reshape(n, n.b.slice(t, [k] + [0] * (t.rank - 1), [1] + list(t.shape[1:])), list(t.shape[1:]))


def _step_order(direction: str, d: int, steps: int) -> range:
    """The time steps direction ``d`` of a ``direction`` network visits, in order."""
    backward = direction == "backward" or (direction == "both" and d == 1)
    return range(steps - 1, -1, -1) if backward else range(steps)


def _gates(n: NodeContext, xt: MLOperand, h: MLOperand, w: MLOperand, r: MLOperand, bias: MLOperand | None) -> MLOperand:
    """X_t W^T + H_{t-1} R^T (+ Wb + Rb): the gates of one step before their activations."""
    b = n.b
    g = b.add(b.gemm(xt, w, b_transpose=True), b.gemm(h, r, b_transpose=True))
    return g if bias is None else b.add(g, bias)


def _stack(n: NodeContext, parts: list[MLOperand], axis: int) -> MLOperand:
    return n.b.concat(parts, axis) if len(parts) > 1 else parts[0]


def _sequence(n: NodeContext, per_dir: list[list[Any]], batch: int, hidden: int) -> MLOperand | None:
    """Output Y ([steps, nd, batch, hidden]) from each direction's hidden state per step; None when not wanted."""
    if not n.wants(0):
        return None
    steps = len(per_dir[0])
    frames = [_stack(n, [reshape(n, hs[t], [1, 1, batch, hidden]) for hs in per_dir], 1) for t in range(steps)]
    return _stack(n, frames, 0)


@onnx_op("LSTM", since=7, refuses=REFUSES,
         note="gates i, o, f, c are WebNN's 'iofg' layout; B split into bias and recurrentBias;"
              " with peepholes unrolled (ONNX's output gate uses the new cell state, WebNN's the previous one)")
def lstm(n: NodeContext) -> list[MLOperand | None]:
    x, nd, direction, layout, _ = _common(n)
    if int(n.attr("input_forget", 0)):
        raise n.refuse("input_forget", "input_forget=1")
    w, r = n.x(1), n.x(2)
    hidden = int(n.attr("hidden_size") or r.shape[-1])
    acts = _activations(n, 3, ["sigmoid", "tanh", "tanh"], nd)
    bias, rbias = _split_bias(n, 3, 4 * hidden)
    if n.has(7) and not (n.is_const(7) and not np.asarray(n.const(7)).any()):
        # WebNN's output-gate peephole multiplies the previous cell state, ONNX's the new one.
        return _lstm_unrolled(n, x, nd, direction, layout, hidden, acts)
    outs = n.b.lstm(
        x, w, r, x.shape[0], hidden, bias=bias, recurrent_bias=rbias, peephole_weight=n.opt(7),
        initial_hidden_state=_state(n, 5, layout), initial_cell_state=_state(n, 6, layout),
        return_sequence=n.wants(0), direction=direction, layout="iofg", activations=acts,
    )
    h, c = outs[0], outs[1]
    seq = outs[2] if n.wants(0) else None
    return _outputs(n, seq, [h, c], layout)


@onnx_op("GRU", since=7, refuses={k: v for k, v in REFUSES.items() if k != "input_forget"},
         note="gates z, r, h are WebNN's 'zrn' layout; linear_before_reset is resetAfter")
def gru(n: NodeContext) -> list[MLOperand | None]:
    x, nd, direction, layout, _ = _common(n)
    w, r = n.x(1), n.x(2)
    hidden = int(n.attr("hidden_size") or r.shape[-1])
    acts = _activations(n, 2, ["sigmoid", "tanh"], nd)
    bias, rbias = _split_bias(n, 3, 3 * hidden)
    outs = n.b.gru(
        x, w, r, x.shape[0], hidden, bias=bias, recurrent_bias=rbias, initial_hidden_state=_state(n, 5, layout),
        reset_after=bool(n.attr("linear_before_reset", 0)), return_sequence=n.wants(0), direction=direction,
        layout="zrn", activations=acts,
    )
    seq = outs[1] if n.wants(0) else None
    return _outputs(n, seq, [outs[0]], layout)


@onnx_op("RNN", since=7, kind="decomposition", refuses={k: v for k, v in REFUSES.items() if k != "input_forget"},
         note="unrolled: H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb) per step")
def rnn(n: NodeContext) -> list[MLOperand | None]:
    x, nd, direction, layout, _ = _common(n)
    b = n.b
    w, r = n.x(1), n.x(2)
    hidden = int(n.attr("hidden_size") or r.shape[-1])
    (act,) = _activations(n, 1, ["tanh"], nd)
    steps, batch, _ = x.shape
    dt = x.data_type
    h0 = _state(n, 5, layout)
    wb, rb = _split_bias(n, 3, hidden)
    hs_dirs, last = [], []
    for d in range(nd):
        wd, rd = _part(n, w, d), _part(n, r, d)
        bias = None
        if wb is not None:
            bias = reshape(n, b.add(b.slice(wb, [d, 0], [1, hidden]), b.slice(rb, [d, 0], [1, hidden])), [hidden])
        h = (reshape(n, b.slice(h0, [d, 0, 0], [1, batch, hidden]), [batch, hidden]) if h0 is not None
             else n.constant(np.zeros((batch, hidden), dtype=np.dtype(dt))))
        per_step: list[Any] = [None] * steps
        for t in _step_order(direction, d, steps):
            h = getattr(b, act)(_gates(n, _part(n, x, t), h, wd, rd, bias))
            per_step[t] = h
        hs_dirs.append(per_step)
        last.append(reshape(n, h, [1, batch, hidden]))
    y_h = _stack(n, last, 0)
    return _outputs(n, _sequence(n, hs_dirs, batch, hidden), [y_h], layout)


def _lstm_unrolled(n: NodeContext, x: MLOperand, nd: int, direction: str, layout: int, hidden: int, acts: list[str]) -> list[MLOperand | None]:
    """ONNX's LSTM equations step by step (used for peepholes)."""
    b = n.b
    w, r, p = n.x(1), n.x(2), n.x(7)
    steps, batch, _ = x.shape
    dt = x.data_type
    h0, c0 = _state(n, 5, layout), _state(n, 6, layout)
    wb, rb = _split_bias(n, 3, 4 * hidden)
    f_act, g_act, h_act = (getattr(b, a) for a in acts)

    def gate(t: MLOperand, k: int) -> MLOperand:
        return b.slice(t, [0, k * hidden], [batch, hidden])

    seqs, hs, cs = [], [], []
    for d in range(nd):
        wd, rd, pd = _part(n, w, d), _part(n, r, d), _part(n, p, d)
        p_i, p_o, p_f = (b.slice(pd, [k * hidden], [hidden]) for k in range(3))
        bias = b.add(_part(n, wb, d), _part(n, rb, d)) if wb is not None and rb is not None else None
        zeros = n.constant(np.zeros((batch, hidden), dtype=np.dtype(dt)))
        h = _part(n, h0, d) if h0 is not None else zeros
        c = _part(n, c0, d) if c0 is not None else zeros
        per_step: list[Any] = [None] * steps
        for t in _step_order(direction, d, steps):
            g = _gates(n, _part(n, x, t), h, wd, rd, bias)
            i = f_act(b.add(gate(g, 0), b.mul(p_i, c)))
            f = f_act(b.add(gate(g, 2), b.mul(p_f, c)))
            cc = g_act(gate(g, 3))
            c = b.add(b.mul(f, c), b.mul(i, cc))
            o = f_act(b.add(gate(g, 1), b.mul(p_o, c)))
            h = b.mul(o, h_act(c))
            per_step[t] = h
        seqs.append(per_step)
        hs.append(reshape(n, h, [1, batch, hidden]))
        cs.append(reshape(n, c, [1, batch, hidden]))
    y_h, y_c = _stack(n, hs, 0), _stack(n, cs, 0)
    return _outputs(n, _sequence(n, seqs, batch, hidden), [y_h, y_c], layout)
