"""Exact ONNX rewrites for what TensorRT-RTX's parser refuses but can express another way.

Applied at build time only (the cache key names :data:`VERSION`, so a warm cache load
never parses the model), and only when a rewrite applies; otherwise the bytes pass through
untouched. Every rewrite computes exactly the same values as the original on every input:

- unused initializers are dropped (TensorRT-RTX imports every initializer, and refuses
  the types it has no tensors for, such as uint32, even when nothing reads them);
- ``Cast`` of an initializer is folded into a new initializer (TensorRT-RTX treats an
  int8 constant as quantized weights and refuses it anywhere but before a dequantize);
  folded only for integer/bool sources and float16<->float32, where numpy's conversion is
  ONNX Runtime's;
- ``Relu`` on int32 (no TensorRT-RTX kernel) becomes ``Max(x, 0)``;
- ``Clip`` on uint8 (no kernel) runs on int32 between two casts (the clipped values fit).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

#: Part of the engine cache key: bump when a rewrite changes.
VERSION = 1

_FOLDABLE_SRC = {
    TensorProto.INT8, TensorProto.UINT8, TensorProto.INT16, TensorProto.UINT16, TensorProto.INT32,
    TensorProto.UINT32, TensorProto.INT64, TensorProto.UINT64, TensorProto.BOOL,
}
_FLOATS = {TensorProto.FLOAT, TensorProto.FLOAT16}


def _candidates(model: onnx.ModelProto) -> bool:
    g = model.graph
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    if any(t.name not in used for t in g.initializer):
        return True
    inits = {t.name for t in g.initializer}
    return any(n.op_type in ("Relu", "Clip") or (n.op_type == "Cast" and n.input and n.input[0] in inits) for n in g.node)


def _types(model: onnx.ModelProto) -> dict[str, int]:
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    except Exception:  # noqa: BLE001 - no type information: only the type-free rewrites apply
        inferred = model
    g = inferred.graph
    out = {t.name: t.data_type for t in g.initializer}
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        if vi.type.HasField("tensor_type"):
            out[vi.name] = vi.type.tensor_type.elem_type
    return out


def legalize(onnx_bytes: bytes) -> tuple[bytes, list[str]]:
    """(bytes for TensorRT-RTX, descriptions of the rewrites made); the input bytes when none applied."""
    model = onnx.ModelProto.FromString(onnx_bytes)
    if not _candidates(model):
        return onnx_bytes, []
    g = model.graph
    types = _types(model)
    inits = {t.name: t for t in g.initializer}
    changes: list[str] = []
    nodes: list[onnx.NodeProto] = []
    names = {n.name for n in g.node} | set(types) | {i for n in g.node for i in n.input} | {o for n in g.node for o in n.output}

    def fresh(base: str) -> str:
        k = 0
        while f"{base}__trtx{k}" in names:
            k += 1
        names.add(f"{base}__trtx{k}")
        return f"{base}__trtx{k}"

    for n in g.node:
        t_in = types.get(n.input[0]) if n.input else None
        if n.op_type == "Cast" and n.input[0] in inits:
            src = inits[n.input[0]].data_type
            to = next(a.i for a in n.attribute if a.name == "to")
            if src in _FOLDABLE_SRC or (src in _FLOATS and to in _FLOATS):
                arr = numpy_helper.to_array(inits[n.input[0]])
                folded = numpy_helper.from_array(np.asarray(arr.astype(helper.tensor_dtype_to_np_dtype(to))), n.output[0])
                g.initializer.append(folded)
                inits[folded.name] = folded
                changes.append(f"folded Cast of constant {n.input[0]!r} ({TensorProto.DataType.Name(src)} -> {TensorProto.DataType.Name(to)})")
                continue
        if n.op_type == "Relu" and t_in == TensorProto.INT32:
            zero = fresh(f"{n.name or 'relu'}_zero")
            g.initializer.append(numpy_helper.from_array(np.array(0, np.int32), zero))
            nodes.append(helper.make_node("Max", [n.input[0], zero], list(n.output), name=n.name or fresh("relu")))
            changes.append(f"Relu {n.name!r} on int32 -> Max(x, 0)")
            continue
        if n.op_type == "Clip" and t_in == TensorProto.UINT8:
            base = n.name or "clip"
            ins = []
            for k, x in enumerate(n.input):
                if not x:
                    ins.append("")
                    continue
                y = fresh(f"{base}_in{k}")
                nodes.append(helper.make_node("Cast", [x], [y], name=fresh(f"{base}_cast{k}"), to=TensorProto.INT32))
                ins.append(y)
            mid = fresh(f"{base}_i32")
            nodes.append(helper.make_node("Clip", ins, [mid], name=n.name or fresh("clip")))
            nodes.append(helper.make_node("Cast", [mid], list(n.output), name=fresh(f"{base}_back"), to=TensorProto.UINT8))
            changes.append(f"Clip {n.name!r} on uint8 -> int32 between casts")
            continue
        nodes.append(n)
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    keep = [t for t in g.initializer if t.name in used]
    dropped = [t.name for t in g.initializer if t.name not in used]
    if dropped:
        changes.append(f"dropped {len(dropped)} unused initializer(s) ({', '.join(dropped[:3])}{'...' if len(dropped) > 3 else ''})")
        del g.initializer[:]
        g.initializer.extend(keep)
        graph_inputs = [vi for vi in g.input if vi.name not in dropped]
        del g.input[:]
        g.input.extend(graph_inputs)
    if not changes:
        return onnx_bytes, []
    return model.SerializeToString(), changes
