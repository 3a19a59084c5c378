"""Exact ONNX rewrites for what TensorRT-RTX's parser and builder refuse (or crash on) but can compute another way.

Applied at build time only (the cache key names :data:`VERSION`, so a warm cache load never
parses the model), and only when a rewrite applies; otherwise the bytes pass through
untouched. The ONNX Runtime path never sees these rewrites. Every rewrite computes exactly the
same values as the original on every input. The passes, in order:

1. :func:`~.emulate.emulate_integers`: uint8, int8, uint32 and uint64 values carried in
   int32/int64 (TensorRT-RTX has no uint32/uint64 and computes almost nothing on uint8/int8);
2. node rewrites (:func:`rewrite_nodes`):

   - ``Relu`` on int32 (no kernel) becomes ``Max(x, 0)``;
   - ``BitwiseXor`` with the int64 sign bit (how webnn orders uint64) becomes ``Add`` of it
     (the same bits in wrapping arithmetic; TensorRT-RTX has no bitwise ops);
   - ``ArgMax``/``ArgMin`` of a 1-D tensor (TensorRT-RTX wants 2 dimensions) run on it
     unsqueezed to ``[1, n]``;
   - ``Tile`` of a 0-D tensor or with every repeat 1, and ``Pad`` with no padding, become
     ``Identity`` (a 0-D ``Tile`` followed by a unary op crashes TensorRT-RTX 1.7's builder);
   - reductions of a 0-D tensor (TensorRT-RTX wants a dimension) become the reduction
     function of one value;

3. :func:`~.decompose.decompose_pools`: dilated pooling, and max pooling on integer types;
4. ``Cast`` of a constant is folded (TensorRT-RTX takes an int8 constant for quantized weights),
   for integer/bool sources and float16<->float32, where numpy's conversion is ONNX Runtime's;
   unused initializers are dropped (TensorRT-RTX imports every initializer and refuses types it
   has no tensors for, even when nothing reads them).

What cannot be rewritten exactly raises :class:`~webnn.TrtxRuntimeFailed` naming the node, its
op and the TensorRT-RTX limit (see :func:`~.graphedit.refuse`).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .decompose import candidates as pool_candidates
from .decompose import decompose_pools
from .emulate import INT64_MIN, carried_type, emulate_integers
from .graphedit import GraphEdit, attr, infer, refuse

#: Part of the engine cache key: bump when a rewrite changes.
VERSION = 2

_FOLDABLE_SRC = {
    TensorProto.INT8, TensorProto.UINT8, TensorProto.INT16, TensorProto.UINT16, TensorProto.INT32, TensorProto.UINT32,
    TensorProto.INT64, TensorProto.UINT64, TensorProto.BOOL,
}  # fmt: skip
_FLOATS = {TensorProto.FLOAT, TensorProto.FLOAT16}
_REDUCE = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"}
_BITWISE = {"BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot", "BitShift"}
_NODE_OPS = {"Relu", "ArgMax", "ArgMin", "Tile", "Pad"} | _REDUCE | _BITWISE


def _unused_initializers(model: onnx.ModelProto) -> bool:
    g = model.graph
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    return any(t.name not in used for t in g.initializer)


def _candidates(model: onnx.ModelProto) -> bool:
    g = model.graph
    if _unused_initializers(model) or carried_type(model) or pool_candidates(model):
        return True
    inits = {t.name for t in g.initializer}
    return any(n.op_type in _NODE_OPS or (n.op_type == "Cast" and n.input and n.input[0] in inits) for n in g.node)


def legalize(onnx_bytes: bytes) -> tuple[bytes, list[str]]:
    """(bytes for TensorRT-RTX, descriptions of the rewrites made); the input bytes when none applied.

    Raises :class:`~webnn.TrtxRuntimeFailed` for a node TensorRT-RTX cannot compute exactly.
    """
    model = onnx.ModelProto.FromString(onnx_bytes)
    if not _candidates(model):
        return onnx_bytes, []
    changes = emulate_integers(model)
    changes += rewrite_nodes(model)
    changes += decompose_pools(model)
    changes += fold_and_prune(model)
    if not changes:
        return onnx_bytes, []
    return model.SerializeToString(), changes


# -- node rewrites ------------------------------------------------------------------------------------


def _all_equal(value: np.ndarray | None, x: int) -> bool:
    return value is not None and value.size > 0 and bool(np.all(value == x))


def rewrite_nodes(model: onnx.ModelProto) -> list[str]:
    """The node rewrites listed in the module docstring (step 2); returns what changed."""
    g = model.graph
    if not any(n.op_type in _NODE_OPS for n in g.node):
        return []
    types, shapes = infer(model)
    e = GraphEdit(model)

    def rank(name: str) -> int | None:
        s = shapes.get(name)
        return None if s is None else len(s)

    for n in g.node:
        e.at(n)
        op, x = n.op_type, (n.input[0] if n.input else "")
        name = n.name or None
        if op == "Relu" and types.get(x) == TensorProto.INT32:
            e.node("Max", [x, e.const(np.array(0, np.int32))], list(n.output), name=name)
            e.note(f"Relu {n.name!r} on int32 -> Max(x, 0)")
            continue
        if op in _BITWISE:
            k = None
            if op == "BitwiseXor":
                k = next((i for i in (0, 1) if types.get(n.input[i]) == TensorProto.INT64 and _all_equal(e.constant_value(n.input[i]), INT64_MIN)), None)
            if k is None:
                raise refuse(n, "TensorRT-RTX has no bitwise operations")
            e.node("Add", [n.input[1 - k], n.input[k]], list(n.output), name=name)
            e.note(f"BitwiseXor {n.name!r} with the int64 sign bit -> Add")
            continue
        if op in ("ArgMax", "ArgMin") and rank(x) == 1:
            axis = int(attr(n, "axis", 0))
            keep = int(attr(n, "keepdims", 1))
            u = e.node("Unsqueeze", [x, e.const(np.array([0], np.int64))])
            r = e.node(op, [u], 1, name=name, axis=1 if axis in (0, -1) else axis, keepdims=keep, select_last_index=attr(n, "select_last_index"))
            e.node("Squeeze", [r, e.const(np.array([0], np.int64))], list(n.output))
            e.note(f"{op} {n.name!r} of a 1-D tensor -> on [1, n]")
            continue
        if op == "Tile" and (rank(x) == 0 or _all_equal(e.constant_value(n.input[1]), 1)):
            e.node("Identity", [x], list(n.output), name=name)
            e.note(f"Tile {n.name!r} repeating nothing -> Identity")
            continue
        if op == "Pad" and len(n.input) > 1 and (rank(x) == 0 or _all_equal(e.constant_value(n.input[1]), 0)):
            e.node("Identity", [x], list(n.output), name=name)
            e.note(f"Pad {n.name!r} adding nothing -> Identity")
            continue
        if op in _REDUCE and rank(x) == 0:
            _reduce_one(e, n)
            e.note(f"{op} {n.name!r} of a 0-D tensor -> the reduction of one value")
            continue
        e.keep(n)
    return e.commit()


def _reduce_one(e: GraphEdit, n: onnx.NodeProto) -> None:
    """A reduction over a 0-D tensor: its function applied to the one value."""
    x, out, name = n.input[0], list(n.output), n.name or None
    op = n.op_type
    if op == "ReduceSumSquare":
        e.node("Mul", [x, x], out, name=name)
    elif op in ("ReduceL1", "ReduceL2"):
        e.node("Abs", [x], out, name=name)
    elif op == "ReduceLogSum":
        e.node("Log", [x], out, name=name)
    elif op == "ReduceLogSumExp":
        e.node("Log", [e.node("Exp", [x])], out, name=name)
    else:  # sum, mean, max, min, product of one value
        e.node("Identity", [x], out, name=name)


# -- constants ----------------------------------------------------------------------------------------


def fold_and_prune(model: onnx.ModelProto) -> list[str]:
    """Fold ``Cast`` of constants; drop initializers nothing reads (step 4)."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    changes: list[str] = []
    folded_at = []
    for k, n in enumerate(g.node):
        if n.op_type == "Cast" and n.input and n.input[0] in inits:
            src = inits[n.input[0]].data_type
            to = int(attr(n, "to"))
            if src in _FOLDABLE_SRC or (src in _FLOATS and to in _FLOATS):
                arr = numpy_helper.to_array(inits[n.input[0]])
                with np.errstate(over="ignore", invalid="ignore"):
                    value = np.asarray(arr.astype(helper.tensor_dtype_to_np_dtype(to)))
                folded = numpy_helper.from_array(value, n.output[0])
                g.initializer.append(folded)
                inits[folded.name] = folded
                folded_at.append(k)
                changes.append(f"folded Cast of constant {n.input[0]!r} ({TensorProto.DataType.Name(src)} -> {TensorProto.DataType.Name(to)})")
    for k in reversed(folded_at):  # in place: rebuilding the list would copy every node
        del g.node[k]
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    unused = [k for k, t in enumerate(g.initializer) if t.name not in used]
    if unused:
        dropped = [g.initializer[k].name for k in unused]
        changes.append(f"dropped {len(dropped)} unused initializer(s) ({', '.join(dropped[:3])}{'...' if len(dropped) > 3 else ''})")
        for k in reversed(unused):  # in place: rebuilding the list would copy every initializer
            del g.initializer[k]
        gone = set(dropped)
        for k in reversed([k for k, vi in enumerate(g.input) if vi.name in gone]):
            del g.input[k]
    return changes
