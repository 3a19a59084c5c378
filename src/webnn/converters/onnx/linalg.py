"""ONNX rules for matmul, gemm and triangular."""

from __future__ import annotations

from ...graph import Operation
from . import Emitter, rule
from .reduction import from_work, to_work


@rule("matmul")
def matmul(e: Emitter, op: Operation) -> None:
    # ONNX MatMul follows numpy.matmul: batch dimensions broadcast, as WebNN's matmul does.
    e.node("MatMul", [e.x(op, "a"), e.x(op, "b")], e.y(op))


@rule("gemm")
def gemm(e: Emitter, op: Operation) -> None:
    e.node(
        "Gemm",
        [e.x(op, "a"), e.x(op, "b"), e.x_opt(op, "c")],
        e.y(op),
        alpha=float(op.attr("alpha")),
        beta=float(op.attr("beta")),
        transA=int(op.attr("a_transpose")),
        transB=int(op.attr("b_transpose")),
    )


@rule("triangular")
def triangular(e: Emitter, op: Operation) -> None:
    # ONNX Trilu keeps j - i >= k (upper) or j - i <= k (lower): WebNN's diagonal is k.
    x, out = e.x(op), e.y(op)
    dt = e.xd(op).data_type
    k, upper = e.i64(op.attr("diagonal")), int(op.attr("upper"))
    if dt in ("float32", "float16", "int32", "int64"):  # ORT's Trilu kernels (float16 via the pass)
        e.node("Trilu", [x, k], out, upper=upper)
        return
    w, _ = to_work(e, x, dt, ordered=False)
    from_work(e, e.node("Trilu", [w, k], 1, upper=upper), dt, False, out)
