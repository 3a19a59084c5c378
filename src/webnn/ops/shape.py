"""Data movement: reshape transpose concat split slice expand tile reverse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..operand import MLOperand
from ..types import MAX_RANK
from . import ANY, L, Node, invalid, op
from ._util import INT32_MAX, desc, is_int, same, uint, uints
from ._util import axes as _axes
from ._util import axis as _axis


def _new_shape(value: Any) -> list[int]:
    """reshape's / expand's ``new_shape``: valid dimensions, at most the maximum rank."""
    shape = uints(value, "new_shape")
    if any(d <= 0 or d > INT32_MAX for d in shape):
        raise invalid("new_shape", f"every dimension must be a valid dimension (1..{INT32_MAX}), got {shape}")
    if len(shape) > MAX_RANK:
        raise invalid("new_shape", f"rank {len(shape)} exceeds the maximum supported rank {MAX_RANK}")
    return shape


@op(input=L(), output=L("same:input"))
def reshape(input: MLOperand, new_shape: Sequence[int]) -> Node:
    """Same elements, new (valid) shape; the element counts must match."""
    shape = _new_shape(new_shape)
    n_in = 1
    for d in input.shape:
        n_in *= d
    n_out = 1
    for d in shape:
        n_out *= d
    if n_in != n_out:
        raise invalid("new_shape", f"{shape} has {n_out} elements but input {input.shape} has {n_in}")
    return Node(desc(input.data_type, shape, "new_shape"), {"new_shape": shape})


@op(input=L(), output=L("same:input", "same:input"))
def transpose(input: MLOperand, *, permutation: Sequence[int] | None = None) -> Node:
    """Permute dimensions; default is the reversed order."""
    rank = input.rank
    if permutation is None:
        perm = list(range(rank - 1, -1, -1))
    else:
        perm = uints(permutation, "permutation")
        if len(perm) != rank:
            raise invalid("permutation", f"expected {rank} values (the input rank), got {len(perm)} ({perm})")
        if any(p >= rank for p in perm):
            raise invalid("permutation", f"values must be in [0, {rank - 1}], got {perm}")
        if len(set(perm)) != len(perm):
            raise invalid("permutation", f"values must be unique, got {perm}")
    shape = [input.shape[p] for p in perm]
    return Node(desc(input.data_type, shape), {"permutation": perm})


@op(inputs=L(ANY, (1, None)), output=L("same:inputs", "same:inputs"))
def concat(inputs: Sequence[MLOperand], axis: int) -> Node:
    """Concatenate along ``axis``; every other dimension must match."""
    if isinstance(inputs, MLOperand) or not isinstance(inputs, (list, tuple)):
        raise invalid("inputs", f"expected a sequence of MLOperand, got {type(inputs).__name__}")
    if not inputs:
        raise invalid("inputs", "must not be empty")
    for i, x in enumerate(inputs):
        if not isinstance(x, MLOperand):
            raise invalid("inputs", f"item {i} is not an MLOperand ({type(x).__name__})")
    first = inputs[0]
    a = uint(axis, "axis")
    if a >= first.rank:
        raise invalid("axis", f"must be in [0, {first.rank - 1}] for inputs of rank {first.rank}, got {a}")
    shape = list(first.shape)
    for i, x in enumerate(inputs[1:], start=1):
        if x.data_type != first.data_type:
            raise invalid("inputs", f"item {i} has data type {x.data_type}, expected {first.data_type} (as item 0)")
        if x.rank != first.rank:
            raise invalid("inputs", f"item {i} has rank {x.rank}, expected {first.rank} (as item 0)")
        for d in range(x.rank):
            if d != a and x.shape[d] != first.shape[d]:
                raise invalid("inputs", f"item {i} shape {x.shape} differs from item 0 shape {first.shape} on dimension {d} (not the axis {a})")
        shape[a] += x.shape[a]
        if shape[a] > INT32_MAX:
            raise invalid("inputs", f"concatenated size {shape[a]} along axis {a} is not a valid dimension")
    return Node(desc(first.data_type, shape), {"axis": a})


@op(multi_output=True, input=L(ANY, (1, None)), outputs=L("same:input", "same:input"))
def split(input: MLOperand, splits: int | Sequence[int], *, axis: int = 0) -> Node:
    """Split along ``axis`` into ``splits`` equal parts, or parts of the listed sizes."""
    a = _axis(axis, input.rank)
    dim = input.shape[a]
    if is_int(splits):
        count = uint(splits, "splits")
        if count == 0:
            raise invalid("splits", "must be greater than 0")
        if dim % count:
            raise invalid("splits", f"{count} does not evenly divide dimension {a} of size {dim}")
        sizes = [dim // count] * count
    else:
        sizes = uints(splits, "splits")
        if not sizes:
            raise invalid("splits", "must not be an empty sequence")
        if any(s == 0 for s in sizes):
            raise invalid("splits", f"sizes must be greater than 0, got {sizes}")
        if sum(sizes) != dim:
            raise invalid("splits", f"sizes {sizes} sum to {sum(sizes)}, expected dimension {a} size {dim}")
    outs = []
    for s in sizes:
        shape = list(input.shape)
        shape[a] = s
        outs.append(desc(input.data_type, shape))
    return Node(outs, {"splits": sizes, "axis": a})


@op(input=L(), output=L("same:input", "same:input"))
def slice(input: MLOperand, starts: Sequence[int], sizes: Sequence[int], *, strides: Sequence[int] | None = None) -> Node:
    """``sizes`` elements from ``starts`` in each dimension, stepping by ``strides``."""
    rank = input.rank
    st = uints(starts, "starts")
    sz = uints(sizes, "sizes")
    if any(s == 0 for s in sz):
        raise invalid("sizes", f"sizes must be greater than 0, got {sz}")
    if len(st) != rank:
        raise invalid("starts", f"expected {rank} values (the input rank), got {len(st)}")
    if len(sz) != rank:
        raise invalid("sizes", f"expected {rank} values (the input rank), got {len(sz)}")
    if strides is None:
        steps = [1] * rank
    else:
        steps = uints(strides, "strides")
        if len(steps) != rank:
            raise invalid("strides", f"expected {rank} values (the input rank), got {len(steps)}")
        if any(s < 1 for s in steps):
            raise invalid("strides", f"strides must be greater than 0, got {steps}")
    shape = []
    for d in range(rank):
        n = input.shape[d]
        if st[d] > n:
            raise invalid("starts", f"start {st[d]} of dimension {d} is beyond its size {n}")
        if st[d] + sz[d] > n:
            raise invalid("sizes", f"start {st[d]} + size {sz[d]} exceeds dimension {d} size {n}")
        shape.append(sz[d] // steps[d] + (1 if sz[d] % steps[d] else 0))
    return Node(desc(input.data_type, shape), {"starts": st, "sizes": sz, "strides": steps})


@op(input=L(), output=L("same:input"))
def expand(input: MLOperand, new_shape: Sequence[int]) -> Node:
    """Unidirectionally broadcast ``input`` to ``new_shape``."""
    shape = _new_shape(new_shape)
    src = input.shape
    ok = len(src) <= len(shape)
    if ok:
        padded = [1] * (len(shape) - len(src)) + list(src)
        ok = all(f == t or f == 1 for f, t in zip(padded, shape, strict=True))
    if not ok:
        raise invalid("new_shape", f"input shape {src} is not unidirectionally broadcastable to {shape}")
    return Node(desc(input.data_type, shape, "new_shape"), {"new_shape": shape})


@op(input=L(), output=L("same:input", "same:input"))
def tile(input: MLOperand, repetitions: Sequence[int]) -> Node:
    """Repeat the whole tensor ``repetitions[d]`` times along each dimension ``d``."""
    reps = uints(repetitions, "repetitions")
    if len(reps) != input.rank:
        raise invalid("repetitions", f"expected {input.rank} values (the input rank), got {len(reps)}")
    if any(r == 0 for r in reps):
        raise invalid("repetitions", f"values must be greater than 0, got {reps}")
    shape = [d * r for d, r in zip(input.shape, reps, strict=True)]
    return Node(desc(input.data_type, shape, "repetitions"), {"repetitions": reps})


@op(input=L(), output=L("same:input", "same:input"))
def reverse(input: MLOperand, *, axes: Sequence[int] | None = None) -> Node:
    """Reverse the order of elements along ``axes`` (all axes when absent; none when empty)."""
    ax = _axes(axes, input.rank)
    return Node(same(input), {"axes": ax})
