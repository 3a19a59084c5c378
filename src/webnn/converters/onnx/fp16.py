"""Float16 legalisation for ONNX Runtime's CPU provider.

ONNX Runtime's CPU kernels cover float16 for only some operators. This pass keeps
float16 where a kernel exists and, elsewhere, computes the node in float32 with casts
around it (each op's result is rounded back to float16, as float16 semantics require).
The set of operators with float16 CPU kernels is read from the installed ONNX Runtime.
"""

from __future__ import annotations

import functools

import onnx
from onnx import TensorProto, helper

FP16 = TensorProto.FLOAT16
FP32 = TensorProto.FLOAT

# Used only when the installed ONNX Runtime does not expose its kernel registry.
_FALLBACK = frozenset(
    "Cast Concat Expand Flatten Gather GatherElements GatherND Identity IsInf IsNaN LayerNormalization Max Min "
    "Pad Reshape Round ScatterElements ScatterND Shape Sign Slice Split Squeeze Transpose Unsqueeze Clip "
    "DequantizeLinear QuantizeLinear".split()
)


@functools.cache
def ort_float16_ops() -> frozenset[str]:
    """ONNX op types (default domain) with a float16 kernel on ORT's CPU provider."""
    try:
        from onnxruntime.capi import _pybind_state as C  # heavy: on the first float16 pass, not with the converter

        out = set()
        for k in C.get_all_opkernel_def():
            if k.provider != "CPUExecutionProvider" or k.domain not in ("", "ai.onnx"):
                continue
            if k.version_range[1] < 21:
                continue
            if any("tensor(float16)" in t for ts in k.type_constraints.values() for t in ts):
                out.add(k.op_name)
        return frozenset(out) if out else _FALLBACK
    except Exception:  # noqa: BLE001  # pragma: no cover - depends on ORT internals
        return _FALLBACK


def _has_float16(model: onnx.ModelProto) -> bool:
    g = model.graph
    for v in list(g.input) + list(g.output):
        if v.type.tensor_type.elem_type == FP16:
            return True
    if any(t.data_type == FP16 for t in g.initializer):
        return True
    for n in g.node:
        for a in n.attribute:
            if a.name == "to" and a.i == FP16:
                return True
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == FP16:
                return True
    return False


def legalize_float16(model: onnx.ModelProto, supported: frozenset[str] | None = None) -> onnx.ModelProto:
    """Wrap nodes without a float16 kernel in Cast(float32) ... Cast(float16)."""
    if not _has_float16(model):
        return model
    supported = ort_float16_ops() if supported is None else supported
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=False)
    types: dict[str, int] = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        types[v.name] = v.type.tensor_type.elem_type
    for t in inferred.graph.initializer:
        types[t.name] = t.data_type

    g = model.graph
    new_nodes: list[onnx.NodeProto] = []
    up: dict[str, str] = {}
    counter = 0

    def fresh(base: str) -> str:
        nonlocal counter
        counter += 1
        return f"{base}__f32_{counter}"

    for node in g.node:
        touches = any(types.get(n) == FP16 for n in list(node.input) + list(node.output) if n)
        if not touches or node.op_type in supported or node.op_type == "Constant":
            new_nodes.append(node)
            continue
        ins = []
        for n in node.input:
            if n and types.get(n) == FP16:
                if n not in up:
                    up[n] = fresh(n)
                    new_nodes.append(helper.make_node("Cast", [n], [up[n]], name=fresh("cast_up"), to=FP32))
                ins.append(up[n])
            else:
                ins.append(n)
        outs, downs = [], []
        for n in node.output:
            if n and types.get(n) == FP16:
                m = fresh(n)
                outs.append(m)
                downs.append(helper.make_node("Cast", [m], [n], name=fresh("cast_down"), to=FP16))
            else:
                outs.append(n)
        repl = onnx.NodeProto()
        repl.CopyFrom(node)
        del repl.input[:]
        repl.input.extend(ins)
        del repl.output[:]
        repl.output.extend(outs)
        new_nodes.append(repl)
        new_nodes.extend(downs)
    del g.node[:]
    g.node.extend(new_nodes)
    return model
