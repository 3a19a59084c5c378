"""MatMul, Gemm, Einsum, Trilu."""

from __future__ import annotations

import string

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import FLOATS, broadcast, need_types, prod, reshape

INT_MATMUL = ("int32", "uint32", "int64", "uint64")


def matmul(n: NodeContext, a: MLOperand, b: MLOperand) -> MLOperand:
    """numpy matmul semantics (1-D operands promoted and the added axis removed)."""
    ra, rb = a.rank, b.rank
    if ra == 0 or rb == 0:
        raise ValueError("MatMul operands must have rank >= 1")
    a2 = reshape(n, a, [1, a.shape[0]]) if ra == 1 else a
    b2 = reshape(n, b, [b.shape[0], 1]) if rb == 1 else b
    if a.data_type in FLOATS:
        y = n.b.matmul(a2, b2)
    else:
        # Integer matmul: exact products and sums (the same wrap-around as ONNX Runtime's kernels).
        if a2.shape[-1] != b2.shape[-2]:
            raise ValueError(f"MatMul shapes {list(a.shape)} and {list(b.shape)} do not match")
        ae = n.b.reshape(a2, list(a2.shape) + [1])
        be = n.b.reshape(b2, list(b2.shape[:-2]) + [1] + list(b2.shape[-2:]))
        y = n.b.reduce_sum(n.b.mul(ae, be), axes=[len(broadcast(ae.shape, be.shape)) - 2])
    shape = list(y.shape)
    if ra == 1:
        del shape[-2]
    if rb == 1:
        del shape[-1]
    return reshape(n, y, shape)


@onnx_op("MatMul", since=1, note="1-D operands reshaped; integer types by mul + reduceSum")
def matmul_(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS + INT_MATMUL, "matmul")
    if n.dtype(1) != dt:
        raise ValueError("MatMul operands have different types")
    return matmul(n, n.x(0), n.x(1))


@onnx_op("Gemm", since=7, refuses={"c": "C of a shape that does not broadcast to [M, N]"})
def gemm(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "gemm")
    a, b = n.x(0), n.x(1)
    c = n.opt(2)
    kw = dict(alpha=float(n.attr("alpha", 1.0)), beta=float(n.attr("beta", 1.0)),
              a_transpose=bool(n.attr("transA", 0)), b_transpose=bool(n.attr("transB", 0)))
    if c is not None and c.rank > 2:
        # A rank-3+ C of leading 1s still broadcasts to [M, N]
        if any(d != 1 for d in c.shape[:-2]):
            raise n.refuse("c", f"C of shape {list(c.shape)}")
        c = reshape(n, c, list(c.shape[-2:]))
    return n.b.gemm(a, b, c=c, **kw)


@onnx_op("Trilu", since=14)
def trilu(n: NodeContext) -> MLOperand:
    n.dtype(0)
    k = int(n.ints(1, "k")[0]) if n.has(1) else 0
    return n.b.triangular(n.x(0), upper=bool(n.attr("upper", 1)), diagonal=k)


# -- Einsum -----------------------------------------------------------------------------
_LABELS = set(string.ascii_letters)


def _parse(equation: str, ranks: list[int]) -> tuple[list[str], str]:
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
        explicit = True
    else:
        lhs, out, explicit = eq, "", False
    terms = lhs.split(",")
    if len(terms) != len(ranks):
        raise ValueError(f"equation {equation!r} has {len(terms)} operands, the node {len(ranks)}")
    used = set(c for c in eq if c in _LABELS)
    spare = [c for c in string.ascii_letters if c not in used]
    ell_rank = max((r - len(t.replace("...", "")) for t, r in zip(terms, ranks, strict=False) if "..." in t), default=0)
    ell = "".join(spare[:ell_rank])
    parsed = []
    for t, r in zip(terms, ranks, strict=False):
        if "..." in t:
            k = r - len(t.replace("...", ""))
            t = t.replace("...", ell[ell_rank - k:] if k else "")
        if len(t) != r or any(c not in _LABELS for c in t):
            raise ValueError(f"term {t!r} does not match an operand of rank {r}")
        parsed.append(t)
    if explicit:
        out = out.replace("...", ell)
    else:
        counts: dict[str, int] = {}
        for t in parsed:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return parsed, out


@onnx_op(
    "Einsum",
    since=12,
    kind="decomposition",
    refuses={"diagonal": "a label repeated within one operand (a diagonal)", "broadcast": "a label of different sizes (broadcast ellipsis dimensions)"},
    note="transpose, reduceSum and matmul, operand by operand",
)
def einsum(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "matmul")
    ops = [n.x(i) for i in range(len(n.inputs))]
    terms, out = _parse(n.attr("equation"), [o.rank for o in ops])
    sizes: dict[str, int] = {}
    for t, o in zip(terms, ops, strict=False):
        if len(set(t)) != len(t):
            raise n.refuse("diagonal", f"term {t!r} of {n.attr('equation')!r}")
        for c, d in zip(t, o.shape, strict=False):
            if sizes.setdefault(c, d) != d:
                if d == 1 or sizes[c] == 1:
                    raise n.refuse("broadcast", f"label {c!r} has sizes {sizes[c]} and {d}")
                raise ValueError(f"label {c!r} has sizes {sizes[c]} and {d}")
    # Sum out labels used by one operand only and absent from the output, then contract pairwise.
    cur, cur_t = ops[0], terms[0]
    rest = list(zip(ops[1:], terms[1:], strict=False))

    def needed_after(k: int) -> set[str]:
        s = set(out)
        for _, t in rest[k:]:
            s |= set(t)
        return s

    cur, cur_t = _sum_out(n, cur, cur_t, needed_after(0))
    for k, (o, t) in enumerate(rest):
        keep = needed_after(k + 1)
        o, t = _sum_out(n, o, t, keep | set(cur_t))
        cur, cur_t = _contract(n, cur, cur_t, o, t, keep, sizes)
    if cur_t != out:
        cur, cur_t = _sum_out(n, cur, cur_t, set(out))
        perm = [cur_t.index(c) for c in out]
        if perm != list(range(len(perm))):
            cur = n.b.transpose(cur, permutation=perm)
    if cur is ops[0] or cur in ops:
        cur = n.b.identity(cur)
    return cur


def _sum_out(n: NodeContext, x: MLOperand, t: str, keep: set[str]) -> tuple[MLOperand, str]:
    axes = [i for i, c in enumerate(t) if c not in keep]
    if not axes:
        return x, t
    return n.b.reduce_sum(x, axes=axes), "".join(c for c in t if c in keep)


def _contract(n: NodeContext, a: MLOperand, ta: str, b: MLOperand, tb: str, keep: set[str], sizes: dict[str, int]) -> tuple[MLOperand, str]:
    batch = [c for c in ta if c in tb and c in keep]
    contr = [c for c in ta if c in tb and c not in keep]
    fa = [c for c in ta if c not in tb]
    fb = [c for c in tb if c not in ta]
    pa = [ta.index(c) for c in batch + fa + contr]
    pb = [tb.index(c) for c in batch + contr + fb]
    if pa != list(range(len(pa))):
        a = n.b.transpose(a, permutation=pa)
    if pb != list(range(len(pb))):
        b = n.b.transpose(b, permutation=pb)
    nb, nfa, nc, nfb = (prod([sizes[c] for c in g]) for g in (batch, fa, contr, fb))
    a3 = reshape(n, a, [nb, nfa, nc])
    b3 = reshape(n, b, [nb, nc, nfb])
    y = n.b.matmul(a3, b3)
    labels = batch + fa + fb
    return reshape(n, y, [sizes[c] for c in labels]), "".join(labels)
