"""CoreML rules for matmul, gemm and triangular."""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from ._mil import Emitter, mb, rule


@rule("matmul", mil="matmul (batch dimensions broadcast as in numpy)")
def matmul(e: Emitter, op: Operation) -> None:
    e.set(op, mb.matmul(x=e.x(op, 0), y=e.x(op, 1)))


@rule("gemm", mil="matmul(transpose_x, transpose_y), mul by alpha, add beta * c")
def gemm(e: Emitter, op: Operation) -> None:
    a = op.attributes
    x = e.x(op, 0)
    y = mb.matmul(x=x, y=e.x(op, 1), transpose_x=bool(a["a_transpose"]), transpose_y=bool(a["b_transpose"]))
    if a["alpha"] != 1.0:
        y = mb.mul(x=y, y=e.s(a["alpha"], x))
    c = e.x(op, 2)
    if c is not None and a["beta"] != 0.0:
        if a["beta"] != 1.0:
            c = mb.mul(x=c, y=e.s(a["beta"], x))
        y = mb.add(x=y, y=c)
    e.set(op, y)


@rule("triangular", mil="select(constant band mask, x, 0)")
def triangular(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    shape = e.xd(op).shape
    h, w = shape[-2], shape[-1]
    k = op.attributes["diagonal"]
    d = np.arange(w)[None, :] - np.arange(h)[:, None]  # j - i
    mask = d >= k if op.attributes["upper"] else d <= k
    e.set(op, e.select(mask, x, e.s(0, x)))
