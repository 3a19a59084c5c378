"""numpy value inference for the MIL ops that coremltools leaves without one (conv,
conv_transpose), installed only while :func:`webnn.converters.coreml.evaluate` builds a program.

They follow MIL's documented semantics (NCHW input, OIHW / IOHW weights, custom ``pad``
[top, bottom, left, right], strides, dilations, groups) and compute in float64, rounding once
to the output type. This lets the Linux tests check the conv rules (layouts, padding, groups,
output padding) numerically; it says nothing about CoreML's own kernels.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

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


@contextlib.contextmanager
def reference_value_inference() -> Iterator[None]:
    from coremltools.converters.mil.mil.ops.registry import SSAOpRegistry

    patched = []
    for name, fn in (("conv", _vi_conv), ("conv_transpose", _vi_conv_transpose)):
        for cls in {c for c in SSAOpRegistry.core_ops.get(name, {}).values() if c is not None}:
            if "value_inference" not in cls.__dict__:
                cls.value_inference = fn
                patched.append(cls)
    try:
        yield
    finally:
        for cls in patched:
            del cls.value_inference
