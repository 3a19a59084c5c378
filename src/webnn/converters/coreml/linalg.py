"""CoreML rules for matmul, gemm and triangular."""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from ._mil import Emitter, mb, rule


@rule("matmul", mil="matmul (batch dimensions broadcast as in numpy)")
def matmul(e: Emitter, op: Operation) -> None:
    e.set(op, mb.matmul(x=e.x(op, "a"), y=e.x(op, "b")))


@rule("gemm", mil="matmul(transpose_x, transpose_y), mul by alpha, add beta * c")
def gemm(e: Emitter, op: Operation) -> None:
    alpha, beta = op.attr("alpha"), op.attr("beta")
    x = e.x(op, "a")
    y = mb.matmul(x=x, y=e.x(op, "b"), transpose_x=bool(op.attr("a_transpose")), transpose_y=bool(op.attr("b_transpose")))
    if alpha != 1.0:
        y = mb.mul(x=y, y=e.s(alpha, x))
    c = e.x(op, "c")
    if c is not None and beta != 0.0:
        if beta != 1.0:
            c = mb.mul(x=c, y=e.s(beta, x))
        y = mb.add(x=y, y=c)
    e.set(op, y)


@rule("triangular", mil="select(constant band mask, x, 0)", wide=True)
def triangular(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    shape = e.xd(op).shape
    h, w = shape[-2], shape[-1]
    k = op.attr("diagonal")
    d = np.arange(w)[None, :] - np.arange(h)[:, None]  # j - i
    mask = d >= k if op.attr("upper") else d <= k
    e.set(op, e.select(mask, x, e.s(0, x)))
