"""A small ONNX graph editor for the TensorRT-RTX legalization passes.

:class:`GraphEdit` walks a model's nodes once and collects their replacements: helper nodes
get fresh names derived from the node they replace (``<node>__trtx<k>``), constants become
initializers, and :meth:`GraphEdit.commit` swaps the new node list in. :func:`infer` reads the
element type and (static) shape of every value from ONNX shape inference, which the passes
use to decide what a node computes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ...errors import TrtxRuntimeFailed

#: Shape of a value: a tuple of dimensions (None for an unknown one), or None when even the rank is unknown.
Shape = tuple[int | None, ...] | None


def type_name(elem_type: int) -> str:
    """``"uint32"`` for ``TensorProto.UINT32`` (the ONNX name, lower case)."""
    try:
        return TensorProto.DataType.Name(elem_type).lower()
    except ValueError:
        return f"type {elem_type}"


def np_dtype(elem_type: int) -> np.dtype:
    return np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))


def infer(model: onnx.ModelProto) -> tuple[dict[str, int], dict[str, Shape]]:
    """(element type, shape) of every value ONNX shape inference can tell (inputs, initializers, node outputs)."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    except Exception:  # noqa: BLE001 - no inference (e.g. an unknown domain): what the model declares
        inferred = model
    g = inferred.graph
    types: dict[str, int] = {}
    shapes: dict[str, Shape] = {}
    for t in g.initializer:
        types[t.name] = t.data_type
        shapes[t.name] = tuple(int(d) for d in t.dims)
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        if not vi.type.HasField("tensor_type"):
            continue
        tt = vi.type.tensor_type
        if tt.elem_type:
            types[vi.name] = tt.elem_type
        if tt.HasField("shape"):
            shapes[vi.name] = tuple(int(d.dim_value) if d.HasField("dim_value") else None for d in tt.shape.dim)
    for n in g.node:  # Constant nodes: their value's type (inference may not have run)
        if n.op_type == "Constant" and n.output:
            for a in n.attribute:
                if a.name == "value":
                    types.setdefault(n.output[0], a.t.data_type)
                    shapes.setdefault(n.output[0], tuple(int(d) for d in a.t.dims))
    return types, shapes


def attr(node: onnx.NodeProto, name: str, default: Any = None) -> Any:
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def refuse(node: onnx.NodeProto, why: str) -> TrtxRuntimeFailed:
    """The build-time refusal of one node: names the node, its op and the TensorRT-RTX limit."""
    return TrtxRuntimeFailed(f"TensorRT-RTX cannot build node {node.name or '(unnamed)'!r} ({node.op_type}): {why}")


class GraphEdit:
    """Replacement nodes for one pass over ``model.graph`` (call :meth:`commit` at the end)."""

    def __init__(self, model: onnx.ModelProto) -> None:
        self.model = model
        self.graph = model.graph
        self.nodes: list[onnx.NodeProto] = []
        self.changes: list[str] = []
        g = model.graph
        self.inits: dict[str, onnx.TensorProto] = {t.name: t for t in g.initializer}
        self._names = {n.name for n in g.node} | set(self.inits) | {v.name for v in list(g.input) + list(g.output) + list(g.value_info)}
        self._names |= {x for n in g.node for x in list(n.input) + list(n.output)}
        self._consts: dict[tuple, str] = {}
        self._base = "graph"

    # -- names -----------------------------------------------------------------------
    def fresh(self, base: str | None = None) -> str:
        """A value or node name not used anywhere in the graph yet."""
        base = base or self._base
        k = 0
        while f"{base}__trtx{k}" in self._names:
            k += 1
        name = f"{base}__trtx{k}"
        self._names.add(name)
        return name

    def at(self, node: onnx.NodeProto) -> None:
        """Name the helpers that follow after ``node``."""
        self._base = node.name or node.op_type.lower()

    # -- emission --------------------------------------------------------------------
    def keep(self, node: onnx.NodeProto) -> None:
        self.nodes.append(node)

    def node(self, op_type: str, inputs: Sequence[str], outputs: int | str | Sequence[str] = 1, *, name: str | None = None, **attrs: Any) -> Any:
        """Emit a node; returns its output name (a list of names for several)."""
        if isinstance(outputs, int):
            outs = [self.fresh() for _ in range(outputs)]
        elif isinstance(outputs, str):
            outs = [outputs]
        else:
            outs = list(outputs)
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=name or self.fresh(), **{k: v for k, v in attrs.items() if v is not None}))
        return outs[0] if len(outs) == 1 else outs

    def const(self, value: Any, dtype: Any = None) -> str:
        """An initializer holding ``value`` (small constants are shared)."""
        arr = np.asarray(value, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes()) if arr.size <= 16 else None
        if key is not None and key in self._consts:
            return self._consts[key]
        name = self.fresh("c")
        t = numpy_helper.from_array(np.asarray(arr, order="C"), name)
        self.graph.initializer.append(t)
        self.inits[name] = t
        if key is not None:
            self._consts[key] = name
        return name

    def constant_value(self, name: str) -> np.ndarray | None:
        """The value of initializer ``name`` (None when it is not one)."""
        t = self.inits.get(name)
        return None if t is None else numpy_helper.to_array(t)

    def note(self, text: str) -> None:
        self.changes.append(text)

    def commit(self) -> list[str]:
        """Replace the graph's nodes with the emitted ones; returns the change descriptions."""
        del self.graph.node[:]
        self.graph.node.extend(self.nodes)
        return self.changes


def drop_value_info(model: onnx.ModelProto, names: Iterable[str] | None = None) -> None:
    """Forget recorded intermediate types/shapes (all, or of ``names``) after a pass changed them."""
    g = model.graph
    if names is None:
        del g.value_info[:]
        return
    drop = set(names)
    keep = [v for v in g.value_info if v.name not in drop]
    del g.value_info[:]
    g.value_info.extend(keep)
