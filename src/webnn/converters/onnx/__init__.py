"""GraphInfo -> ONNX. One rule per operator lives in this package's family modules.

A rule is ``fn(e: Emitter, op: Operation) -> None`` registered with :func:`rule`; it
reads the op's inputs by name (``e.x(op, "input")``, ``e.x_opt(op, "bias")`` for an optional
one; the names of the op definition's operand parameters) and its attributes (``op.attr("padding")``), and emits ONNX nodes
that write the op's outputs.
Ops ONNX lacks are decomposed exactly inside their rule. After all rules ran, a
float16 pass (:mod:`.fp16`) wraps nodes ONNX Runtime has no float16 CPU kernel for in
casts to float32.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ...errors import ConversionError
from ...graph import GraphInfo, Operation
from ...types import MLOperandDescriptor
from .. import ConvertedGraph
from .fp16 import legalize_float16

OPSET = 21
IR_VERSION = 10

Rule = Callable[["Emitter", Operation], None]
RULES: dict[str, Rule] = {}


def rule(*names: str) -> Callable[[Rule], Rule]:
    """Register ``fn`` as the ONNX rule for the given WebNN op types."""

    def register(fn: Rule) -> Rule:
        for n in names:
            if n in RULES:
                raise RuntimeError(f"ONNX rule for {n} defined twice")
            RULES[n] = fn
        return fn

    return register


def onnx_dtype(data_type: str | np.dtype) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(data_type))


class Emitter:
    """Accumulates ONNX nodes and initializers for one graph."""

    def __init__(self, info: GraphInfo) -> None:
        self.info = info
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        reserved = set(info.inputs) | set(info.outputs)
        self._counter = itertools.count()
        self._reserved = reserved
        self._names: dict[int, str] = {}
        for name, i in info.inputs.items():
            self._names[i] = name
        self._extra_outputs: list[tuple[str, int]] = []  # (output name, operand id) needing Identity
        #: WebNN output name -> ONNX graph output name (they differ only when an output
        #: shares its name with an input, which WebNN allows and ONNX does not).
        self.output_names: dict[str, str] = {}
        for name, i in info.outputs.items():
            onnx_name = name
            if name in info.inputs:
                onnx_name = f"{name}__output"
                while onnx_name in reserved:
                    onnx_name += "_"
                reserved.add(onnx_name)
            self.output_names[name] = onnx_name
            if i in self._names:
                self._extra_outputs.append((onnx_name, i))
            else:
                self._names[i] = onnx_name
        self._const_cache: dict[tuple, str] = {}
        self.current: Operation | None = None

    # -- names ---------------------------------------------------------------------------
    def tmp(self, hint: str = "t") -> str:
        while True:
            n = f"_{hint}_{next(self._counter)}"
            if n not in self._reserved:
                return n

    def name(self, operand_id: int) -> str:
        if operand_id not in self._names:
            self._names[operand_id] = self.tmp("v")
        return self._names[operand_id]

    def x(self, op: Operation, name: str | None = None) -> str:
        """Tensor name of ``op``'s input ``name`` (default: its first input), which must be given."""
        oid = op.input(name)
        if oid is None:
            raise LookupError(f"{op.type}: input {name!r} is absent (an optional input is read with x_opt)")
        return self.name(oid)

    def x_opt(self, op: Operation, name: str) -> str | None:
        """Tensor name of ``op``'s optional input ``name``; None when it is absent."""
        oid = op.input(name)
        return None if oid is None else self.name(oid)

    def y(self, op: Operation, i: int = 0) -> str:
        """Tensor name of ``op``'s i-th output."""
        return self.name(op.outputs[i])

    def xd(self, op: Operation, name: str | None = None) -> MLOperandDescriptor:
        """Descriptor of ``op``'s input ``name`` (default: its first input), which must be given."""
        return self.info.input_descriptor(op, name)

    def yd(self, op: Operation, i: int = 0) -> MLOperandDescriptor:
        return self.info.operands[op.outputs[i]]

    # -- emission ------------------------------------------------------------------------
    def node(self, op_type: str, inputs: Sequence[str | None], outputs: int | str | Sequence[str] = 1, *, domain: str = "", **attrs: Any) -> Any:
        """Add an ONNX node; returns its output name (or list of names when several)."""
        if isinstance(outputs, int):
            outs = [self.tmp(op_type.lower()) for _ in range(outputs)]
        elif isinstance(outputs, str):
            outs = [outputs]
        else:
            outs = list(outputs)
        ins = ["" if i is None else i for i in inputs]
        while ins and ins[-1] == "":
            ins.pop()
        attrs = {k: v for k, v in attrs.items() if v is not None}
        label = self.current.type if self.current else "graph"
        self.nodes.append(helper.make_node(op_type, ins, outs, name=f"{label}_{len(self.nodes)}", domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def const(self, value: Any, data_type: str | np.dtype | None = None, name: str | None = None) -> str:
        """An initializer holding ``value`` (small repeated constants are shared)."""
        arr = np.asarray(value, dtype=None if data_type is None else np.dtype(data_type))
        key = None
        if arr.size <= 16 and name is None:
            key = (arr.dtype.str, arr.shape, arr.tobytes())
            if key in self._const_cache:
                return self._const_cache[key]
        n = name or self.tmp("c")
        self.initializers.append(numpy_helper.from_array(np.asarray(arr, order="C"), n))
        if key is not None:
            self._const_cache[key] = n
        return n

    def i64(self, values: Iterable[int] | int) -> str:
        """An int64 1-D initializer (shapes, axes, pads) or a scalar if given an int."""
        if isinstance(values, (int, np.integer)):
            return self.const(np.array(values, dtype=np.int64))
        return self.const(np.array(list(values), dtype=np.int64))

    def cast(self, x: str, data_type: str | np.dtype, output: str | None = None) -> str:
        return self.node("Cast", [x], output or 1, to=onnx_dtype(data_type))

    def scalar(self, value: Any, data_type: str) -> str:
        """A rank-0 initializer of ``data_type`` (for arithmetic on tensors of that type)."""
        return self.const(np.array(value, dtype=np.dtype(data_type)))


def _load_rules() -> None:
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_") and mod.name != "fp16":
            importlib.import_module(f"{__name__}.{mod.name}")


def to_onnx_model(info: GraphInfo) -> onnx.ModelProto:
    """Build the ONNX ModelProto for a graph (float16 legalisation included)."""
    return _to_onnx(info)[0]


def _to_onnx(info: GraphInfo) -> tuple[onnx.ModelProto, dict[str, str]]:
    if not RULES:
        _load_rules()
    e = Emitter(info)
    for i, arr in info.constants.items():
        e.initializers.append(numpy_helper.from_array(np.asarray(arr, order="C"), e.name(i)))
    for op in info.operations:
        fn = RULES.get(op.type)
        if fn is None:
            raise ConversionError(f"ONNX converter: no rule for operator {op.type!r}")
        e.current = op
        try:
            fn(e, op)
        except ConversionError:
            raise
        except Exception as exc:  # a converter bug: say which op
            raise ConversionError(f"ONNX converter: failed on {op.type} ({type(exc).__name__}: {exc})") from exc
    e.current = None
    for name, oid in e._extra_outputs:
        e.node("Identity", [e.name(oid)], name)

    def vi(name: str, d: MLOperandDescriptor) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, onnx_dtype(d.data_type), list(d.shape))

    graph = helper.make_graph(
        e.nodes,
        "webnn",
        [vi(n, info.operands[i]) for n, i in info.inputs.items()],
        [vi(e.output_names[n], info.operands[i]) for n, i in info.outputs.items()],
        initializer=e.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="webnn")
    model.ir_version = IR_VERSION
    return legalize_float16(model), e.output_names


class OnnxConverter:
    """The ``"onnx"`` converter: GraphInfo -> ONNX model bytes (opset 21)."""

    format = "onnx"

    def convert(self, graph_info: GraphInfo) -> ConvertedGraph:
        model, output_names = _to_onnx(graph_info)
        return ConvertedGraph("onnx", model.SerializeToString(), {"opset": OPSET, "output_names": output_names})


__all__ = ["OnnxConverter", "Emitter", "rule", "RULES", "to_onnx_model", "onnx_dtype", "OPSET"]
