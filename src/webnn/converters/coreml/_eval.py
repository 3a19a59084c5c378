"""numpy value inference for the MIL ops that coremltools leaves without one (conv,
conv_transpose, avg_pool, max_pool, l2_pool, instance_norm, gather_nd, scatter_nd,
constexpr_blockwise_shift_scale) or gets wrong (cumsum with
``exclusive``), installed only while :func:`webnn.converters.coreml.evaluate` builds a program.

They follow MIL's documented semantics (NCHW input, OIHW / IOHW weights, custom ``pad``
[top, bottom, left, right], strides, dilations, groups; pools exclude padding from averages)
and compute in float64, rounding once to the output type. This lets the Linux tests check the
rules (layouts, padding, groups, output padding, window placement) numerically; it says
nothing about CoreML's own kernels.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np


def _params(op):
    n_sp = op.x.rank - 2
    strides = list(op.strides.val) if op.strides is not None else [1] * n_sp
    dil = list(op.dilations.val) if op.dilations is not None else [1] * n_sp
    pad = list(op.pad.val) if op.pad is not None else [0] * (2 * n_sp)
    groups = int(op.groups.val) if op.groups is not None else 1
    if op.pad_type is not None and op.pad_type.val == "valid":
        pad = [0] * (2 * n_sp)
    return strides, dil, pad, groups


def conv_ref(x: np.ndarray, w: np.ndarray, b, strides, dil, pad, groups) -> np.ndarray:
    x = np.pad(x.astype(np.float64), [(0, 0), (0, 0), (pad[0], pad[1]), (pad[2], pad[3])])
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h - ((kh - 1) * dil[0] + 1)) // strides[0] + 1
    ow = (wd - ((kw - 1) * dil[1] + 1)) // strides[1] + 1
    y = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        xs = x[:, g * cg : (g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dil[0] : i * dil[0] + (oh - 1) * strides[0] + 1 : strides[0],
                           j * dil[1] : j * dil[1] + (ow - 1) * strides[1] + 1 : strides[1]]
                y[:, g * og : (g + 1) * og] += np.einsum("nchw,oc->nohw", patch, w[g * og : (g + 1) * og, :, i, j])
    if b is not None:
        y += np.asarray(b, np.float64).reshape(1, -1, 1, 1)
    return y


def conv_transpose_ref(x: np.ndarray, w: np.ndarray, b, strides, dil, pad, groups) -> np.ndarray:
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, ci, h, wd = x.shape
    _, cog, kh, kw = w.shape
    full_h = (h - 1) * strides[0] + (kh - 1) * dil[0] + 1
    full_w = (wd - 1) * strides[1] + (kw - 1) * dil[1] + 1
    y = np.zeros((n, cog * groups, full_h, full_w))
    cig = ci // groups
    for g in range(groups):
        xs = x[:, g * cig : (g + 1) * cig]
        for i in range(kh):
            for j in range(kw):
                contrib = np.einsum("nchw,co->nohw", xs, w[g * cig : (g + 1) * cig, :, i, j])
                y[:, g * cog : (g + 1) * cog, i * dil[0] : i * dil[0] + (h - 1) * strides[0] + 1 : strides[0],
                  j * dil[1] : j * dil[1] + (wd - 1) * strides[1] + 1 : strides[1]] += contrib
    y = y[:, :, pad[0] : full_h - pad[1], pad[2] : full_w - pad[3]]
    if b is not None:
        y += np.asarray(b, np.float64).reshape(1, -1, 1, 1)
    return y


def _vi_conv(self):
    if self.x.val is None or self.weight.val is None or (self.bias is not None and self.bias.val is None):
        return None
    y = conv_ref(self.x.val, self.weight.val, None if self.bias is None else self.bias.val, *_params(self))
    return y.astype(self.x.val.dtype)


def _vi_conv_transpose(self):
    if self.x.val is None or self.weight.val is None or (self.bias is not None and self.bias.val is None):
        return None
    y = conv_transpose_ref(self.x.val, self.weight.val, None if self.bias is None else self.bias.val, *_params(self))
    return y.astype(self.x.val.dtype)


def _pool(kind: str):
    def vi(self):
        if self.x.val is None:
            return None
        x = self.x.val.astype(np.float64)
        kh, kw = (int(k) for k in self.kernel_sizes.val)
        sh, sw = (int(s) for s in self.strides.val) if self.strides is not None else (1, 1)
        pad = [int(p) for p in self.pad.val] if self.pad is not None and self.pad_type.val == "custom" else [0, 0, 0, 0]
        n, c, h, w = x.shape
        valid = np.pad(np.ones((h, w)), [(pad[0], pad[1]), (pad[2], pad[3])])
        fill = -np.inf if kind == "max" else 0.0
        xp = np.pad(x, [(0, 0), (0, 0), (pad[0], pad[1]), (pad[2], pad[3])], constant_values=fill)
        oh = (xp.shape[2] - kh) // sh + 1
        ow = (xp.shape[3] - kw) // sw + 1
        y = np.zeros((n, c, oh, ow))
        for i in range(oh):
            for j in range(ow):
                win = xp[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                if kind == "max":
                    y[:, :, i, j] = win.max(axis=(2, 3))
                elif kind == "l2":
                    y[:, :, i, j] = np.sqrt((win * win).sum(axis=(2, 3)))
                else:
                    y[:, :, i, j] = win.sum(axis=(2, 3)) / valid[i * sh : i * sh + kh, j * sw : j * sw + kw].sum()
        return y.astype(self.x.val.dtype)

    return vi


def _vi_gather_nd(self):
    if self.x.val is None or self.indices.val is None:
        return None
    x, idx = self.x.val, self.indices.val
    k = idx.shape[-1]
    flat = idx.reshape(-1, k)
    out = np.stack([x[tuple(i)] for i in flat]) if len(flat) else np.zeros((0,) + x.shape[k:], x.dtype)
    return out.reshape(idx.shape[:-1] + x.shape[k:])


def _vi_scatter_nd(self):
    if self.data.val is None or self.indices.val is None or self.updates.val is None:
        return None
    if self.mode is not None and self.mode.val != "update":
        return None
    out = np.copy(self.data.val)
    idx = self.indices.val
    k = idx.shape[-1]
    upd = self.updates.val.reshape((-1,) + out.shape[k:])
    for i, u in zip(idx.reshape(-1, k), upd, strict=True):
        out[tuple(i)] = u
    return out


def _vi_instance_norm(self):
    if self.x.val is None or any(v is not None and v.val is None for v in (self.gamma, self.beta)):
        return None
    x = self.x.val.astype(np.float64)
    axes = tuple(range(2, x.ndim))
    d = x - x.mean(axis=axes, keepdims=True)
    y = d / np.sqrt((d * d).mean(axis=axes, keepdims=True) + float(self.epsilon.val))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if self.gamma is not None:
        y = y * self.gamma.val.astype(np.float64).reshape(shape)
    if self.beta is not None:
        y = y + self.beta.val.astype(np.float64).reshape(shape)
    return y.astype(self.x.val.dtype)


def _vi_blockwise_shift_scale(self):
    data, scale = self.data.val, self.scale.val
    offset = None if self.offset is None else self.offset.val
    if data is None or scale is None:
        return None

    def expand(v):
        for ax, (n, m) in enumerate(zip(data.shape, v.shape, strict=True)):
            v = np.repeat(v, n // m, axis=ax)
        return v

    d = data.astype(np.float64)
    if offset is not None:
        d = d - expand(offset.astype(np.float64))
    return (d * expand(scale.astype(np.float64))).astype(scale.dtype)


def _vi_cumsum(self):
    if self.x.val is None:
        return None
    data = np.asarray(self.x.val)
    axis = int(self.axis.val) if self.axis is not None else 0
    if self.reverse is not None and self.reverse.val:
        data = np.flip(data, axis=axis)
    out = np.cumsum(data, axis=axis, dtype=data.dtype)
    if self.exclusive is not None and self.exclusive.val:
        out = np.concatenate([np.zeros_like(np.take(out, [0], axis=axis)), np.delete(out, -1, axis=axis)], axis=axis)
    if self.reverse is not None and self.reverse.val:
        out = np.flip(out, axis=axis)
    return out.astype(data.dtype)


#: op name -> (value inference, whether to replace coremltools' own)
_REFERENCES = {
    "conv": (_vi_conv, False),
    "conv_transpose": (_vi_conv_transpose, False),
    "avg_pool": (_pool("avg"), False),
    "max_pool": (_pool("max"), False),
    "l2_pool": (_pool("l2"), False),
    "gather_nd": (_vi_gather_nd, False),
    "instance_norm": (_vi_instance_norm, False),
    "scatter_nd": (_vi_scatter_nd, False),
    "cumsum": (_vi_cumsum, True),  # coremltools' fails with exclusive=True
    "constexpr_blockwise_shift_scale": (_vi_blockwise_shift_scale, False),
}


def _has_own(cls, name: str) -> bool:
    return any(name in k.__dict__ for k in cls.__mro__ if k.__name__ not in ("Operation", "object"))


@contextlib.contextmanager
def reference_value_inference() -> Iterator[None]:
    from coremltools.converters.mil.mil.ops.registry import SSAOpRegistry  # optional; _mil imports it quietly first

    patched = []
    for name, (fn, replace) in _REFERENCES.items():
        for cls in {c for c in SSAOpRegistry.core_ops.get(name, {}).values() if c is not None}:
            if replace or not _has_own(cls, "value_inference"):
                patched.append((cls, cls.__dict__.get("value_inference")))
                cls.value_inference = fn
    try:
        yield
    finally:
        for cls, prev in patched:
            if prev is None:
                del cls.value_inference
            else:
                cls.value_inference = prev
