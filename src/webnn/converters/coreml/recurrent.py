"""CoreML rules for recurrent networks: gru gru_cell lstm lstm_cell, unrolled over the static steps.

MIL's own ``gru``/``lstm`` ops do not express WebNN's options (GRU ``resetAfter`` both ways,
gate layouts, per-direction activations, LSTM peepholes on the *previous* cell state, a
separate recurrent bias), so each network is unrolled into the spec's gruCell/lstmCell
decompositions: the input projections of all steps are one ``matmul``, each step adds the
recurrent ``matmul`` and applies the gates. Every op stays in the graph's float type.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...graph import Operation
from ._mil import Emitter, mb, rule

_ACT = {"relu": mb.relu, "sigmoid": mb.sigmoid, "tanh": mb.tanh}
#: Position of each gate's block in the weight layout.
_GRU_GATES = {"zrn": {"z": 0, "r": 1, "n": 2}, "rzn": {"r": 0, "z": 1, "n": 2}}
_LSTM_GATES = {"iofg": {"i": 0, "o": 1, "f": 2, "g": 3}, "ifgo": {"i": 0, "f": 1, "g": 2, "o": 3}}


def _take(x, i: int, axis: int = 0):
    """``x[i]`` along ``axis`` (the axis removed)."""
    return mb.gather(x=x, indices=np.int32(i), axis=axis)


def _gates(v, n: int) -> list:
    """``v`` split into ``n`` equal blocks along the last axis."""
    return list(mb.split(x=v, num_splits=n, axis=-1))


def _gru_direction(e: Emitter, op: Operation, xs, w, r, b, rb, h, steps: int, backward: bool):
    """One direction of a GRU over ``xs`` ([steps, batch, in]); returns (final h, [h per step])."""
    f, g = (_ACT[n] for n in op.attr("activations"))
    gate = _GRU_GATES[op.attr("layout")]
    reset_after = op.attr("reset_after")
    xw = mb.matmul(x=xs, y=w, transpose_y=True)  # [steps, batch, 3H]
    if b is not None:
        xw = mb.add(x=xw, y=b)
    # recurrent weights per gate, for resetAfter=False's (r * h) R_n^T
    r_blocks = list(mb.split(x=r, num_splits=3, axis=0))  # [H, H] each
    rb_blocks = _gates(rb, 3) if rb is not None else [None] * 3
    one = e.s(1, h)
    seq: dict[int, object] = {}
    order = range(steps - 1, -1, -1) if backward else range(steps)
    for t in order:
        xg = _gates(_take(xw, t), 3)
        if reset_after:
            hr = mb.matmul(x=h, y=r, transpose_y=True)
            if rb is not None:
                hr = mb.add(x=hr, y=rb)
            hg = _gates(hr, 3)
            z = f(x=mb.add(x=xg[gate["z"]], y=hg[gate["z"]]))
            rr = f(x=mb.add(x=xg[gate["r"]], y=hg[gate["r"]]))
            n = g(x=mb.add(x=xg[gate["n"]], y=mb.mul(x=rr, y=hg[gate["n"]])))
        else:
            def rec(k: str, v):
                y = mb.matmul(x=v, y=r_blocks[gate[k]], transpose_y=True)
                return y if rb_blocks[gate[k]] is None else mb.add(x=y, y=rb_blocks[gate[k]])

            z = f(x=mb.add(x=xg[gate["z"]], y=rec("z", h)))
            rr = f(x=mb.add(x=xg[gate["r"]], y=rec("r", h)))
            n = g(x=mb.add(x=xg[gate["n"]], y=rec("n", mb.mul(x=rr, y=h))))
        h = mb.add(x=mb.mul(x=mb.sub(x=one, y=z), y=n), y=mb.mul(x=z, y=h))
        seq[t] = h
    return h, [seq[t] for t in range(steps)]


def _lstm_direction(e: Emitter, op: Operation, xs, w, r, b, rb, p, h, c, steps: int, backward: bool):
    """One direction of an LSTM over ``xs`` ([steps, batch, in]); returns (final h, final c, [h per step])."""
    f, g, hf = (_ACT[n] for n in op.attr("activations"))
    gate = _LSTM_GATES[op.attr("layout")]
    xw = mb.matmul(x=xs, y=w, transpose_y=True)  # [steps, batch, 4H]
    for bias in (b, rb):
        if bias is not None:
            xw = mb.add(x=xw, y=bias)
    p_i = p_o = p_f = None
    if p is not None:
        p_i, p_o, p_f = _gates(p, 3)
    seq: dict[int, object] = {}
    order = range(steps - 1, -1, -1) if backward else range(steps)
    for t in order:
        pre = _gates(mb.add(x=_take(xw, t), y=mb.matmul(x=h, y=r, transpose_y=True)), 4)
        gi, go, gf, gg = (pre[gate[k]] for k in "iofg")
        if p is not None:
            gi = mb.add(x=gi, y=mb.mul(x=c, y=p_i))
            gf = mb.add(x=gf, y=mb.mul(x=c, y=p_f))
            go = mb.add(x=go, y=mb.mul(x=c, y=p_o))  # the previous cell state (the spec's lstmCell)
        i, fg, o, cand = f(x=gi), f(x=gf), f(x=go), g(x=gg)
        c = mb.add(x=mb.mul(x=fg, y=c), y=mb.mul(x=i, y=cand))
        h = mb.mul(x=o, y=hf(x=c))
        seq[t] = h
    return h, c, [seq[t] for t in range(steps)]


def _zeros(e: Emitter, batch: int, hs: int, dt: str):
    return e.const(np.zeros((batch, hs)), "fp32" if dt == "float32" else "fp16")


def _sequence(per_dir: list[list]):
    """[steps, nd, batch, H] from each direction's per-step states."""
    seqs = [mb.stack(values=s, axis=0) if len(s) > 1 else mb.expand_dims(x=s[0], axes=[0]) for s in per_dir]
    return mb.stack(values=seqs, axis=1) if len(seqs) > 1 else mb.expand_dims(x=seqs[0], axes=[1])


def _stack0(vs: list):
    return mb.stack(values=vs, axis=0) if len(vs) > 1 else mb.expand_dims(x=vs[0], axes=[0])


def _take_or_none(x, d: int):
    return None if x is None else _take(x, d)


def _networks(e: Emitter, op: Operation, initial: tuple[str, ...], run: Callable) -> None:
    """A gru or lstm over its directions. ``run(d, states, backward)`` computes direction ``d``
    from its initial ``states`` (the inputs named ``initial``, zeros when absent) and returns its
    final states and its hidden state per step; the outputs are the final states stacked over
    the directions, then (``return_sequence``) the sequence."""
    direction = op.attr("direction")
    xd = e.xd(op)
    batch, hs = xd.shape[1], op.attr("hidden_size")
    inits = [e.x(op, n) for n in initial]
    finals: list[list] = [[] for _ in initial]
    seqs = []
    for d in range(2 if direction == "both" else 1):
        states = [_take(v, d) if v is not None else _zeros(e, batch, hs, xd.data_type) for v in inits]
        *final, seq = run(d, states, direction == "backward" or d == 1)
        for acc, v in zip(finals, final, strict=True):
            acc.append(v)
        seqs.append(seq)
    for i, acc in enumerate(finals):
        e.set(op, _stack0(acc), i)
    if op.attr("return_sequence"):
        e.set(op, _sequence(seqs), len(initial))


@rule("gru", mil="unrolled: matmul, add, split, sigmoid/tanh/relu, mul per step; stack")
def gru(e: Emitter, op: Operation) -> None:
    x, w, r, b, rb = (e.x(op, n) for n in ("input", "weight", "recurrent_weight", "bias", "recurrent_bias"))
    steps = op.attr("steps")

    def run(d: int, states: list, backward: bool):
        return _gru_direction(e, op, x, _take(w, d), _take(r, d), _take_or_none(b, d), _take_or_none(rb, d), states[0], steps, backward)

    _networks(e, op, ("initial_hidden_state",), run)


@rule("gru_cell", mil="one unrolled gru step")
def gru_cell(e: Emitter, op: Operation) -> None:
    x, w, r, h, b, rb = (e.x(op, n) for n in ("input", "weight", "recurrent_weight", "hidden_state", "bias", "recurrent_bias"))
    hf, _ = _gru_direction(e, op, mb.expand_dims(x=x, axes=[0]), w, r, b, rb, h, 1, False)
    e.set(op, hf)


@rule("lstm", mil="unrolled: matmul, add, split, sigmoid/tanh/relu, mul per step (peepholes on the previous cell state); stack")
def lstm(e: Emitter, op: Operation) -> None:
    x, w, r, b, rb, p = (e.x(op, n) for n in ("input", "weight", "recurrent_weight", "bias", "recurrent_bias", "peephole_weight"))
    steps = op.attr("steps")

    def run(d: int, states: list, backward: bool):
        h0, c0 = states
        return _lstm_direction(e, op, x, _take(w, d), _take(r, d), _take_or_none(b, d), _take_or_none(rb, d), _take_or_none(p, d), h0, c0, steps, backward)

    _networks(e, op, ("initial_hidden_state", "initial_cell_state"), run)


@rule("lstm_cell", mil="one unrolled lstm step")
def lstm_cell(e: Emitter, op: Operation) -> None:
    names = ("input", "weight", "recurrent_weight", "hidden_state", "cell_state", "bias", "recurrent_bias", "peephole_weight")
    x, w, r, h, c, b, rb, p = (e.x(op, n) for n in names)
    hf, cf, _ = _lstm_direction(e, op, mb.expand_dims(x=x, axes=[0]), w, r, b, rb, p, h, c, 1, False)
    e.set(op, hf, 0)
    e.set(op, cf, 1)
