"""CoreML rules for normalizations: ``(x - mean) / sqrt(variance + epsilon) * scale + bias``.

- layerNormalization: MIL's ``layer_norm`` when its constraints hold (scale/bias constants or
  absent, axes ascending and consecutive: CoreML crashes on other axes on some devices);
  instanceNormalization: MIL's ``instance_norm`` (NCHW; "nhwc" transposed in and out) when
  scale/bias are constants or absent. Both compute their statistics natively.
- Otherwise, and for batchNormalization always (MIL's ``batch_norm`` needs constant statistics,
  axis 1 and rank 3-5; its folded arithmetic also rounds differently from the spec's formula),
  the spec's formula is decomposed: mean and variance with ``reduce_mean``, per-channel operands
  reshaped to broadcast. A float16 decomposition computes in float32 and rounds the result to
  float16 once (float16 intermediate statistics miss WPT's tolerances).
- layerNormalization with empty axes: ``(x - x) / sqrt(epsilon) * scale + bias``.
"""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from ._mil import Emitter, mb, rule


def _to32(e: Emitter, v):
    return None if v is None else e.cast(v, "fp32")


def _normalize(e: Emitter, d, var, eps: float, scale, bias):
    """``d / sqrt(var + eps) * scale + bias`` (``d`` = x - mean)."""
    y = mb.real_div(x=d, y=mb.sqrt(x=mb.add(x=var, y=e.s(eps, d))))
    if scale is not None:
        y = mb.mul(x=y, y=scale)
    if bias is not None:
        y = mb.add(x=y, y=bias)
    return y


def _decompose(e: Emitter, x, axes: list[int], eps: float, scale, bias, out_carrier: str):
    """The spec's formula over ``axes`` (float32 inside for float16); scale/bias already broadcastable."""
    x, scale, bias = _to32(e, x), _to32(e, scale), _to32(e, bias)
    if axes:
        d = mb.sub(x=x, y=mb.reduce_mean(x=x, axes=axes, keep_dims=True))
        var = mb.reduce_mean(x=mb.mul(x=d, y=d), axes=axes, keep_dims=True)
    else:
        d, var = mb.sub(x=x, y=x), np.float32(0)
    return e.cast(_normalize(e, d, var, eps, scale, bias), out_carrier)


def _per_axis(v, n: int, rank: int, axis: int):
    """A [n] vector reshaped to broadcast along ``axis`` of a rank-``rank`` tensor."""
    if v is None or axis == rank - 1:
        return v
    return mb.reshape(x=v, shape=np.array([n] + [1] * (rank - 1 - axis), dtype=np.int32))


@rule("batch_normalization", mil="sub, add, sqrt, real_div, mul, add (the spec's formula; float32 inside for float16)")
def batch_normalization(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    rank, axis = xd.rank, int(op.attr("axis"))
    c = xd.shape[axis]
    x = _to32(e, e.x(op))
    mean, var, scale, bias = (_per_axis(_to32(e, e.x(op, n)), c, rank, axis) for n in ("mean", "variance", "scale", "bias"))
    y = _normalize(e, mb.sub(x=x, y=mean), var, op.attr("epsilon"), scale, bias)
    e.set(op, e.cast(y, e.carrier_of_var(e.x(op))))


def _native_params(e: Emitter, op: Operation) -> bool:
    """Whether scale and bias are constants or absent (MIL's norm ops take constants only)."""
    return all(op.input(n) is None or e.const_value(op, n) is not None for n in ("scale", "bias"))


def _gamma_beta(e: Emitter, op: Operation) -> dict:
    """MIL's ``gamma`` / ``beta`` arguments: the op's scale and bias, where given."""
    return {k: e.x(op, n) for k, n in (("gamma", "scale"), ("beta", "bias")) if op.input(n) is not None}


@rule("instance_normalization", mil="instance_norm (constant or absent scale/bias); else reduce_mean decomposition")
def instance_normalization(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    nhwc = op.attr("layout") == "nhwc"
    eps = op.attr("epsilon")
    x = e.x(op)
    carrier = e.carrier_of_var(x)
    if _native_params(e, op):
        if nhwc:
            x = mb.transpose(x=x, perm=[0, 3, 1, 2])
        kw = _gamma_beta(e, op)
        y = mb.instance_norm(x=x, epsilon=e.s(eps, x), **kw)
        e.set(op, mb.transpose(x=y, perm=[0, 2, 3, 1]) if nhwc else y)
        return
    c = xd.shape[3] if nhwc else xd.shape[1]
    scale, bias = (_per_axis(e.x(op, n), c, 4, 3 if nhwc else 1) for n in ("scale", "bias"))
    e.set(op, _decompose(e, x, [1, 2] if nhwc else [2, 3], eps, scale, bias, carrier))


@rule(
    "layer_normalization",
    mil="layer_norm (constant or absent scale/bias, ascending consecutive axes); else reduce_mean decomposition",
)
def layer_normalization(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    shape, rank = list(xd.shape), xd.rank
    axes = [int(a) for a in op.attr("axes")]
    eps = op.attr("epsilon")
    x = e.x(op)
    carrier = e.carrier_of_var(x)
    if axes and _native_params(e, op) and axes == list(range(axes[0], axes[0] + len(axes))):
        kw = _gamma_beta(e, op)
        if "beta" in kw and "gamma" not in kw:  # coremltools checks beta's shape against gamma's
            kw["gamma"] = e.const(np.ones([shape[a] for a in axes]), carrier)
        e.set(op, mb.layer_norm(x=x, axes=axes, epsilon=e.s(eps, x), **kw))
        return

    def arrange(v):
        if v is None or not axes:
            return v
        order = sorted(range(len(axes)), key=lambda i: axes[i])  # scale's dims into ascending axis order
        if order != list(range(len(axes))):
            v = mb.transpose(x=v, perm=order)
        if sorted(axes) != list(range(rank - len(axes), rank)):  # not the trailing axes: make room
            v = mb.reshape(x=v, shape=np.array([shape[i] if i in axes else 1 for i in range(rank)], dtype=np.int32))
        return v

    e.set(op, _decompose(e, x, axes, eps, arrange(e.x(op, "scale")), arrange(e.x(op, "bias")), carrier))
