"""Linear algebra: matmul, gemm, triangular."""

from __future__ import annotations

from ..operand import MLOperand
from . import L, Node, invalid, op
from ._util import boolean, broadcast_shapes, cast_option, desc, int_, same, unidirectionally_broadcastable

FLOATS = ("float32", "float16")


@op("matmul", a=L(FLOATS, (2, None)), b=L("same:a", (2, None)), output=L("same:a", (2, None)))
def matmul(a: MLOperand, b: MLOperand) -> Node:
    """Matrix product of the last two dimensions; the batch dimensions broadcast (numpy rules)."""
    if a.shape[-1] != b.shape[-2]:
        raise invalid("b", f"rows of b ({b.shape[-2]}, shape {b.shape}) must equal the columns of a ({a.shape[-1]}, shape {a.shape})")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], "b")
    return Node(desc(a.data_type, list(batch) + [a.shape[-2], b.shape[-1]]))


@op("gemm", a=L(FLOATS, 2), b=L("same:a", 2), c=L("same:a", (0, 2)), output=L("same:a", 2))
def gemm(
    a: MLOperand,
    b: MLOperand,
    *,
    c: MLOperand | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    a_transpose: bool = False,
    b_transpose: bool = False,
) -> Node:
    """``alpha * A' * B' + beta * C`` with A', B' optionally transposed; C broadcasts to [M, N]."""
    alpha_ = cast_option(alpha, "alpha", a.data_type)
    beta_ = cast_option(beta, "beta", a.data_type)
    ta = boolean(a_transpose, "a_transpose")
    tb = boolean(b_transpose, "b_transpose")
    shape_a = a.shape[::-1] if ta else a.shape
    shape_b = b.shape[::-1] if tb else b.shape
    if shape_a[1] != shape_b[0]:
        raise invalid(
            "b",
            f"K of b ({shape_b[0]}, shape {b.shape}, b_transpose={tb}) must equal K of a ({shape_a[1]}, shape {a.shape}, a_transpose={ta})",
        )
    out = [shape_a[0], shape_b[1]]
    if c is not None:
        if not isinstance(c, MLOperand):
            raise invalid("c", f"expected an MLOperand, got {type(c).__name__}")
        if not unidirectionally_broadcastable(c.shape, out):
            raise invalid("c", f"shape {c.shape} is not unidirectionally broadcastable to the output shape {out}")
    attrs = {"alpha": alpha_, "beta": beta_, "a_transpose": ta, "b_transpose": tb}
    return Node(desc(a.data_type, out), attrs)


@op("triangular", input=L(ranks=(2, None)), output=L("same:input", "same:input"))
def triangular(input: MLOperand, *, upper: bool = True, diagonal: int = 0) -> Node:
    """Keep the upper (j - i >= diagonal) or lower (j - i <= diagonal) part of each matrix; zero the rest."""
    up = boolean(upper, "upper")
    k = int_(diagonal, "diagonal")
    return Node(same(input), {"upper": up, "diagonal": k})
