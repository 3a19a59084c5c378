"""The ONNX graph walker: initializers, inputs, folding, node handlers, function expansion.

Every ONNX tensor is a :class:`Value`: a WebNN operand, or a numpy array when its value is
known at import (initializers, ``Constant`` nodes, shapes, and every node whose inputs are all
known, folded with ONNX's own reference evaluator). Each remaining node goes to its handler
in :mod:`webnn.onnx.ops`, which records WebNN builder calls; a node without a handler whose
schema defines an ONNX function body is replaced by that body (ONNX's own decomposition).
Refusals are collected over the whole model and raised together.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..errors import UnsupportedError, ValidationError
from ..operand import MLOperand
from ..types import MAX_TENSOR_BYTE_LENGTH
from ._registry import MAX_VERIFIED_OPSET, REFUSED_OPS, Refused, handler_for, load_ops

STANDARD_DOMAINS = ("", "ai.onnx")

#: ONNX element type -> WebNN data type (bool tensors are uint8 holding 0 or 1).
WEBNN_TYPES: dict[int, str] = {
    TensorProto.FLOAT: "float32",
    TensorProto.FLOAT16: "float16",
    TensorProto.INT32: "int32",
    TensorProto.UINT32: "uint32",
    TensorProto.INT64: "int64",
    TensorProto.UINT64: "uint64",
    TensorProto.INT8: "int8",
    TensorProto.UINT8: "uint8",
    TensorProto.BOOL: "uint8",
}
#: WebNN data type -> ONNX element type (for operands that are not booleans).
ONNX_TYPES: dict[str, int] = {v: k for k, v in WEBNN_TYPES.items() if k != TensorProto.BOOL}

#: Operators never folded at import: their results are not a function of their inputs, or
#: folding would change what the graph stores (dequantizing weights quadruples them).
NO_FOLD = frozenset({
    "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial",
    "DequantizeLinear",
})


def type_name(elem: int) -> str:
    try:
        return TensorProto.DataType.Name(elem).lower()
    except ValueError:
        return f"type {elem}"


class UnsupportedModelError(UnsupportedError):
    """Some nodes of an ONNX model cannot be expressed in WebNN; ``nodes`` lists every one of
    them as ``(op_type, node_name, reason_key, detail)``."""

    def __init__(self, model_name: str, nodes: list[tuple[str, str, str, str]], unchecked: int = 0) -> None:
        self.nodes = nodes
        self.unchecked = unchecked
        lines = [f"{op} {name!r}: {detail}" for op, name, _key, detail in nodes]
        more = f" ({unchecked} later node(s) that depend on them could not be checked)" if unchecked else ""
        super().__init__(
            f"ONNX model {model_name!r}: {len(nodes)} node(s) cannot be expressed in WebNN{more}:\n  " + "\n  ".join(lines)
        )


class Value:
    """One ONNX tensor: a WebNN operand or a numpy array known at import, with its ONNX type."""

    __slots__ = ("elem", "operand", "array")

    def __init__(self, elem: int, operand: MLOperand | None = None, array: np.ndarray | None = None) -> None:
        self.elem = elem
        self.operand = operand
        self.array = array

    @property
    def known(self) -> bool:
        return self.array is not None

    @property
    def shape(self) -> tuple[int, ...]:
        if self.array is not None:
            return tuple(self.array.shape)
        assert self.operand is not None
        return tuple(self.operand.shape)


#: The value of a refused node's output whose shape is unknown: nodes using it are not checked.
UNKNOWN = Value(TensorProto.UNDEFINED)


class Boolean:
    """A handler output that is an ONNX ``bool`` tensor (a uint8 operand holding 0 or 1)."""

    __slots__ = ("operand",)

    def __init__(self, operand: MLOperand) -> None:
        self.operand = operand


class NodeContext:
    """What a handler sees of one node: its inputs, attributes, version and the builder."""

    def __init__(self, imp: Importer, node: onnx.NodeProto, schema: Any, inputs: list[Value | None]) -> None:
        self.imp = imp
        self.b = imp.b
        self.node = node
        self.schema = schema
        self.op_type = node.op_type
        self.name = node.name
        self.version: int = schema.since_version if schema is not None else 1
        self.inputs = inputs
        self._attrs = {a.name: a for a in node.attribute}

    # -- inputs ---------------------------------------------------------------------------
    def has(self, i: int) -> bool:
        return i < len(self.inputs) and self.inputs[i] is not None

    def value(self, i: int) -> Value:
        v = self.inputs[i] if i < len(self.inputs) else None
        if v is None:
            raise ValidationError(f"ONNX node {self.op_type} {self.name!r}: input {i} is required")
        return v

    def input_name(self, i: int) -> str:
        if self.schema is not None and self.schema.inputs:
            formal = self.schema.inputs[min(i, len(self.schema.inputs) - 1)]
            return formal.name
        return f"input {i}"

    def is_const(self, i: int) -> bool:
        return self.has(i) and self.value(i).known

    def const(self, i: int, what: str | None = None) -> np.ndarray:
        """The value of input ``i``, which must be known at import (else a "dynamic" refusal)."""
        v = self.value(i)
        if v.array is None:
            raise Refused("dynamic", f"input {what or self.input_name(i)!r} must be known at import (WebNN needs it at build time); it is computed at run time")
        return v.array

    def ints(self, i: int, what: str | None = None) -> list[int]:
        return [int(v) for v in np.asarray(self.const(i, what)).reshape(-1)]

    def shape(self, i: int) -> tuple[int, ...]:
        return self.value(i).shape

    def rank(self, i: int) -> int:
        return len(self.shape(i))

    def elem(self, i: int) -> int:
        return self.value(i).elem

    def is_bool(self, i: int) -> bool:
        return self.elem(i) == TensorProto.BOOL

    def dtype(self, i: int) -> str:
        """The WebNN data type of input ``i`` (a "dtype" refusal when there is none)."""
        return self.imp.webnn_type(self.elem(i), f"input {self.input_name(i)!r}")

    def x(self, i: int) -> MLOperand:
        """Input ``i`` as a WebNN operand (a known value becomes a constant)."""
        return self.imp.operand(self.value(i), f"input {self.input_name(i)!r}")

    def opt(self, i: int) -> MLOperand | None:
        return self.x(i) if self.has(i) else None

    # -- attributes -----------------------------------------------------------------------
    def has_attr(self, name: str) -> bool:
        return name in self._attrs

    def attr(self, name: str, default: Any = None) -> Any:
        """The attribute's value, else the schema's default for this version, else ``default``."""
        a = self._attrs.get(name)
        if a is None and self.schema is not None:
            formal = self.schema.attributes.get(name)
            if formal is not None and formal.default_value.name:
                a = formal.default_value
        if a is None:
            return default
        if a.ref_attr_name:
            raise ValidationError(f"ONNX node {self.op_type} {self.name!r}: attribute {name!r} refers to a function attribute outside a function")
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            return v.decode("utf-8", "replace")
        if isinstance(v, list) and v and isinstance(v[0], bytes):
            return [s.decode("utf-8", "replace") for s in v]
        if isinstance(v, TensorProto):
            return numpy_helper.to_array(v)
        return v

    # -- outputs and helpers --------------------------------------------------------------
    @property
    def n_outputs(self) -> int:
        return len(self.node.output)

    def wants(self, i: int) -> bool:
        """Whether output ``i`` is requested (present and named)."""
        return i < len(self.node.output) and bool(self.node.output[i])

    def refuse(self, key: str, detail: str) -> Refused:
        """``raise n.refuse("key", "why")``: ``key`` must be declared by the handler or generic."""
        return Refused(key, detail)

    def constant(self, array: Any, data_type: str | None = None) -> MLOperand:
        arr = np.asarray(array) if data_type is None else np.asarray(array, dtype=np.dtype(data_type))
        return self.imp.constant_operand(arr)

    def scalar(self, value: Any, data_type: str) -> MLOperand:
        """A rank-0 constant of ``data_type`` (shared within the graph)."""
        return self.imp.scalar(value, data_type)

    def axis(self, value: int, rank: int, what: str = "axis") -> int:
        """An ONNX axis (negative counts from the end) as a WebNN axis."""
        a = int(value)
        if not -rank <= a < max(rank, 1):
            raise ValidationError(f"ONNX node {self.op_type} {self.name!r}: {what} {a} is out of range for rank {rank}")
        return a + rank if a < 0 else a

    def axes(self, values: Iterable[int], rank: int, what: str = "axes") -> list[int]:
        out = [self.axis(v, rank, what) for v in values]
        if len(set(out)) != len(out):
            raise ValidationError(f"ONNX node {self.op_type} {self.name!r}: {what} {list(values)} repeat an axis")
        return out


class Importer:
    """Records one ONNX model into a builder. Use :meth:`run`."""

    def __init__(
        self,
        model: onnx.ModelProto,
        builder: Any,
        *,
        input_shapes: Mapping[str, Sequence[int]] | None = None,
        dims: Mapping[str, int] | None = None,
        inputs: Mapping[str, MLOperand] | None = None,
        placeholders: bool = False,
    ) -> None:
        load_ops()
        self.model = model
        self.b = builder
        self.input_shapes = dict(input_shapes or {})
        self.dims = dict(dims or {})
        self.given = dict(inputs or {})
        self.placeholders = placeholders
        self.env: dict[str, Value] = {}
        self.refusals: list[tuple[str, str, str, str]] = []
        self.unchecked = 0
        self.opsets = self._opsets(model.opset_import)
        self.functions = {(f.domain, f.name): f for f in model.functions}
        self._scalar_cache: dict[tuple, MLOperand] = {}
        self._counter = itertools.count()
        self._inferred: dict[str, onnx.TypeProto] | None = None
        self.name = model.graph.name or "model"

    # -- types and operands ---------------------------------------------------------------
    def webnn_type(self, elem: int, what: str) -> str:
        t = WEBNN_TYPES.get(elem)
        if t is None:
            raise Refused("dtype", f"{what} has ONNX type {type_name(elem)}, which has no WebNN data type")
        return t

    def constant_operand(self, arr: np.ndarray) -> MLOperand:
        if arr.dtype == np.bool_:
            arr = arr.astype(np.uint8)
        if arr.dtype.name not in ONNX_TYPES:
            raise Refused("dtype", f"a constant of numpy type {arr.dtype.name} has no WebNN data type")
        if 0 in arr.shape:
            raise Refused("empty", f"a constant of shape {list(arr.shape)} has a zero-size dimension")
        return self.b.constant(arr if arr.flags.c_contiguous else np.array(arr, order="C"))  # the builder copies

    def operand(self, v: Value, what: str) -> MLOperand:
        if v.operand is not None:
            return v.operand
        if v is UNKNOWN:  # pragma: no cover - callers skip nodes with unknown inputs
            raise RuntimeError("unknown value used")
        assert v.array is not None
        if v.elem not in WEBNN_TYPES:
            raise Refused("dtype", f"{what} has ONNX type {type_name(v.elem)}, which has no WebNN data type")
        v.operand = self.constant_operand(v.array)  # one constant per known value
        return v.operand

    def scalar(self, value: Any, data_type: str) -> MLOperand:
        arr = np.asarray(value, dtype=np.dtype(data_type))
        key = (data_type, arr.tobytes())
        op = self._scalar_cache.get(key)
        if op is None:
            op = self.b.constant(arr)
            self._scalar_cache[key] = op
        return op

    @staticmethod
    def _opsets(imports: Iterable[onnx.OperatorSetIdProto]) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in imports:
            out["" if o.domain == "ai.onnx" else o.domain] = int(o.version)
        return out

    # -- the walk -------------------------------------------------------------------------
    def run(self) -> dict[str, MLOperand]:
        g = self.model.graph
        if "" not in self.opsets:
            if any(n.domain in STANDARD_DOMAINS for n in g.node):
                raise ValidationError(f"ONNX model {self.name!r}: no opset_import for the standard domain")
        for init in g.initializer:
            self.env[init.name] = self._initializer(init)
        for sp in g.sparse_initializer:
            self.env[sp.values.name] = self._sparse(sp)
        self._inputs(g)
        self._nodes(g.node, self.opsets, "")
        if self.refusals:
            raise UnsupportedModelError(self.name, self.refusals, self.unchecked)
        return self._outputs(g)

    def _initializer(self, t: TensorProto) -> Value:
        if t.data_location == TensorProto.EXTERNAL and not t.raw_data:
            raise ValidationError(f"ONNX model {self.name!r}: initializer {t.name!r} is stored in an external file"
                                  " that was not loaded (load the model from its path)")
        try:
            arr = numpy_helper.to_array(t)
        except Exception as e:  # noqa: BLE001 - a malformed tensor
            raise ValidationError(f"ONNX model {self.name!r}: initializer {t.name!r} cannot be read ({e})") from None
        return Value(t.data_type, array=arr)

    def _sparse(self, sp: onnx.SparseTensorProto) -> Value:
        values = numpy_helper.to_array(sp.values)
        idx = numpy_helper.to_array(sp.indices).astype(np.int64)
        dense = np.zeros(int(np.prod(sp.dims)), dtype=values.dtype)
        if idx.ndim == 2:
            idx = np.ravel_multi_index(tuple(idx.T), tuple(sp.dims))
        dense[idx.reshape(-1)] = values.reshape(-1)
        return Value(sp.values.data_type, array=dense.reshape(tuple(sp.dims)))

    def _input_shape(self, vi: onnx.ValueInfoProto) -> tuple[int, tuple[int, ...]]:
        name = vi.name
        if not vi.type.HasField("tensor_type"):
            raise Refused("dtype", f"graph input {name!r} is not a tensor (WebNN inputs are tensors)")
        tt = vi.type.tensor_type
        elem = tt.elem_type
        given = self.input_shapes.get(name)
        if given is not None:
            shape = tuple(int(d) for d in given)
            if tt.HasField("shape"):
                if len(tt.shape.dim) != len(shape):
                    raise ValidationError(f"input_shapes[{name!r}] = {list(shape)} has rank {len(shape)}, the model's input has rank {len(tt.shape.dim)}")
                for i, (d, s) in enumerate(zip(tt.shape.dim, shape, strict=False)):
                    if d.HasField("dim_value") and d.dim_value != s:
                        raise ValidationError(f"input_shapes[{name!r}] = {list(shape)}: dimension {i} is {d.dim_value} in the model")
            return elem, shape
        if not tt.HasField("shape"):
            raise ValidationError(f"ONNX model input {name!r} has no shape; give it with input_shapes={{{name!r}: [...]}}")
        dims = []
        for i, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(int(d.dim_value))
            elif d.HasField("dim_value"):
                dims.append(0)  # a zero-size input: known at import (it holds no data)
            elif d.dim_param and d.dim_param in self.dims:
                dims.append(int(self.dims[d.dim_param]))
            else:
                sym = f" ({d.dim_param!r})" if d.dim_param else ""
                raise ValidationError(
                    f"ONNX model input {name!r}: dimension {i}{sym} is symbolic; WebNN graphs have static shapes: "
                    f"give it with input_shapes={{{name!r}: [...]}}" + (f" or dims={{{d.dim_param!r}: N}}" if d.dim_param else "")
                )
        return elem, tuple(dims)

    def _inputs(self, g: onnx.GraphProto) -> None:
        inits = {t.name for t in g.initializer} | {s.values.name for s in g.sparse_initializer}
        real = [vi for vi in g.input if vi.name not in inits]
        unknown = sorted(set(self.input_shapes) - {vi.name for vi in real})
        if unknown:
            raise ValidationError(f"input_shapes names {', '.join(map(repr, unknown))}, not inputs of the model (inputs: {', '.join(vi.name for vi in real)})")
        for vi in real:
            if vi.name in self.given:
                op = self.given[vi.name]
                elem = ONNX_TYPES.get(op.data_type, TensorProto.UNDEFINED)
                tt = vi.type.tensor_type
                if tt.elem_type == TensorProto.BOOL and op.data_type == "uint8":
                    elem = TensorProto.BOOL
                if tt.elem_type != elem:
                    raise ValidationError(f"inputs[{vi.name!r}] is {op.data_type}, the model's input is {type_name(tt.elem_type)}")
                self.env[vi.name] = Value(elem, operand=op)
                continue
            try:
                elem, shape = self._input_shape(vi)
                dt = self.webnn_type(elem, f"graph input {vi.name!r}")
                if 0 in shape:
                    # A zero-size tensor holds no data: its value is known (and it is no WebNN input).
                    self.env[vi.name] = Value(elem, array=np.empty(shape, dtype=helper.tensor_dtype_to_np_dtype(elem)))
                    continue
            except Refused as r:
                self.refusals.append(("(graph input)", vi.name, r.key, r.detail))
                self.env[vi.name] = UNKNOWN
                continue
            self.env[vi.name] = Value(elem, operand=self.b.input(vi.name, list(shape), dt))

    def _nodes(self, nodes: Iterable[onnx.NodeProto], opsets: Mapping[str, int], prefix: str) -> None:
        for node in nodes:
            self._node(node, opsets, prefix)

    def _lookup(self, name: str, node: onnx.NodeProto) -> Value | None:
        if not name:
            return None
        v = self.env.get(name)
        if v is None:
            raise ValidationError(f"ONNX node {node.op_type} {node.name!r} uses tensor {name!r}, which no earlier node, input or initializer defines")
        return v

    def _node(self, node: onnx.NodeProto, opsets: Mapping[str, int], prefix: str) -> None:
        inputs = [self._lookup(n, node) for n in node.input]
        label = node.name or f"{prefix}{node.op_type}_{next(self._counter)}"
        if any(v is UNKNOWN for v in inputs):
            self.unchecked += 1
            self._set_unknown(node)
            return
        try:
            outs = self._dispatch(node, opsets, inputs, label)
        except _Reported:
            self._set_unknown(node)
            return
        except Refused as r:
            self.refusals.append((node.op_type, label, r.key, r.detail))
            self._placeholders(node)
            return
        except ValidationError as e:
            if isinstance(e, _ModelError):
                raise
            self.refusals.append((node.op_type, label, "webnn", str(e)))
            self._placeholders(node)
            return
        if outs is None:  # expanded as a function: its body defined the outputs
            return
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        for i, name in enumerate(node.output):
            if not name:
                continue
            out = outs[i] if i < len(outs) else None
            if out is None:
                raise RuntimeError(f"ONNX importer: the {node.op_type} handler gave no value for output {i} ({name!r})")
            self.env[name] = self._as_value(out, node, i, inputs)

    def _as_value(self, out: Any, node: onnx.NodeProto, i: int, inputs: list[Value | None]) -> Value:
        if isinstance(out, Value):
            return out
        if isinstance(out, Boolean):
            return Value(TensorProto.BOOL, operand=out.operand)
        if isinstance(out, MLOperand):
            if out.data_type == "uint8" and self._bool_output(node, i, inputs):
                return Value(TensorProto.BOOL, operand=out)
            return Value(ONNX_TYPES[out.data_type], operand=out)
        arr = np.asarray(out)
        return Value(helper.np_dtype_to_tensor_dtype(arr.dtype), array=arr)

    @staticmethod
    def _bool_output(node: onnx.NodeProto, i: int, inputs: list[Value | None]) -> bool:
        """Whether output ``i`` has the type of a bool input (type-preserving operators)."""
        try:
            schema = onnx.defs.get_schema(node.op_type, 1 << 30, "")
        except onnx.defs.SchemaError:
            return False
        if not schema.outputs or not schema.inputs:
            return False
        t = schema.outputs[min(i, len(schema.outputs) - 1)].type_str
        for k, v in enumerate(inputs):
            formal = schema.inputs[min(k, len(schema.inputs) - 1)]
            if v is not None and formal.type_str == t:
                return v.elem == TensorProto.BOOL
        return False

    def _set_unknown(self, node: onnx.NodeProto) -> None:
        for name in node.output:
            if name:
                self.env[name] = UNKNOWN

    def _placeholders(self, node: onnx.NodeProto) -> None:
        """Stand-ins for a refused node's outputs, so later nodes are still checked."""
        if not self.placeholders:
            self._set_unknown(node)
            return
        types = self._inferred_types()
        for name in node.output:
            if not name:
                continue
            t = types.get(name)
            v = UNKNOWN
            if t is not None and t.HasField("tensor_type") and t.tensor_type.HasField("shape"):
                tt = t.tensor_type
                dims = [d.dim_value if d.HasField("dim_value") else 0 for d in tt.shape.dim]
                dt = WEBNN_TYPES.get(tt.elem_type)
                if dt is not None and all(d > 0 for d in dims):
                    op = self.b.input(f"__unsupported_{next(self._counter)}", dims, dt)
                    v = Value(tt.elem_type, operand=op)
            self.env[name] = v

    def _inferred_types(self) -> dict[str, onnx.TypeProto]:
        if self._inferred is None:
            self._inferred = {}
            m = onnx.ModelProto()
            m.CopyFrom(self.model)
            del m.graph.initializer[:]  # shapes only; keep it light
            for vi in m.graph.input:
                v = self.env.get(vi.name)
                if v is not None and v is not UNKNOWN:
                    vi.type.CopyFrom(helper.make_tensor_type_proto(vi.type.tensor_type.elem_type, list(v.shape)))
            for init in self.model.graph.initializer:
                m.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    inferred = onnx.shape_inference.infer_shapes(m, data_prop=True)
                for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
                    self._inferred[vi.name] = vi.type
            except Exception:  # noqa: BLE001 - inference is only a help for error reporting
                pass
        return self._inferred

    # -- one node -------------------------------------------------------------------------
    def _dispatch(self, node: onnx.NodeProto, opsets: Mapping[str, int], inputs: list[Value | None], label: str) -> Any:
        domain = "" if node.domain == "ai.onnx" else node.domain
        local = self.functions.get((node.domain, node.op_type))
        if local is not None:
            return self._expand(node, local, label)
        if domain != "":
            raise Refused("opset", f"domain {node.domain!r} is not the ONNX standard domain"
                          " (only standard-domain operators and model-local functions are imported)")
        opset = opsets.get("", 0)
        try:
            schema = onnx.defs.get_schema(node.op_type, opset, "")
        except onnx.defs.SchemaError:
            raise Refused("opset", f"{node.op_type} is not an ONNX operator in opset {opset}") from None
        if schema.since_version > MAX_VERIFIED_OPSET:
            raise Refused("opset", f"{node.op_type}-{schema.since_version} is newer than the verified opset {MAX_VERIFIED_OPSET}")
        if self._foldable(node, inputs):
            folded = self._fold(node, opset, inputs)
            if folded is not None:
                return folded
        h = handler_for(node.op_type, schema.since_version)
        if h is not None:
            ctx = NodeContext(self, node, schema, inputs)
            try:
                return h.fn(ctx)
            except (Refused, ValidationError, _Reported):
                raise
            except Exception as e:
                raise _ModelError(f"ONNX node {node.op_type} {label!r}: cannot be imported ({type(e).__name__}: {e})") from e
        if node.op_type in REFUSED_OPS:
            raise Refused("op", REFUSED_OPS[node.op_type])
        body = self._function_body(node, schema, opset, inputs)
        if body is not None:
            return self._expand(node, body, label, schema)
        if load_ops().get(node.op_type):
            raise Refused("opset", f"{node.op_type}-{schema.since_version} is not implemented (implemented versions: {_versions(node.op_type)})")
        raise Refused("op", f"{node.op_type}-{schema.since_version} has no WebNN mapping and ONNX defines no function body for it at opset {opset}")

    def _foldable(self, node: onnx.NodeProto, inputs: list[Value | None]) -> bool:
        if node.op_type in NO_FOLD:
            return False
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            return False
        if not all(v is None or v.known for v in inputs):
            return False
        return _fold_size(node, inputs) <= MAX_TENSOR_BYTE_LENGTH

    def _fold(self, node: onnx.NodeProto, opset: int, inputs: list[Value | None]) -> list[Any] | None:
        """Evaluate a node whose inputs are all known with ONNX's reference evaluator."""
        from onnx.reference import ReferenceEvaluator  # deferred: 0.3 s to import, only needed to fold constants

        names = [f"i{k}" if v is not None else "" for k, v in enumerate(inputs)]
        n = helper.make_node(node.op_type, names, [f"o{k}" if o else "" for k, o in enumerate(node.output)], domain=node.domain)
        n.attribute.extend(node.attribute)
        feeds = {nm: v.array for nm, v in zip(names, inputs, strict=False) if v is not None}
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                results: Any = ReferenceEvaluator(n, opsets={"": opset}).run(None, feeds)
        except Exception:  # noqa: BLE001 - not evaluable: the handler decides
            return None
        out: list[Any] = []
        k = 0
        for name in node.output:
            if not name:
                out.append(None)
                continue
            r = results[k]
            k += 1
            if not isinstance(r, np.ndarray):
                if isinstance(r, (np.generic, int, float, bool)):
                    r = np.asarray(r)
                else:
                    return None  # a sequence, an optional, ...
            out.append(Value(helper.np_dtype_to_tensor_dtype(r.dtype) if r.dtype != object else TensorProto.STRING, array=r))
        return out

    def _function_body(self, node: onnx.NodeProto, schema: Any, opset: int, inputs: list[Value | None]) -> onnx.FunctionProto | None:
        versions = [v for v in schema.function_opset_versions if v <= opset]
        if versions:
            f = onnx.FunctionProto()
            f.ParseFromString(schema.get_function_with_opset_version(max(versions)))
            return f if f.node else None
        versions = [v for v in schema.context_dependent_function_opset_versions if v <= opset]
        if versions:
            types = []
            for v in inputs:
                if v is None:
                    types.append(onnx.TypeProto().SerializeToString())
                else:
                    types.append(helper.make_tensor_type_proto(v.elem, list(v.shape)).SerializeToString())
            try:
                raw = schema.get_context_dependent_function_with_opset_version(max(versions), node.SerializeToString(), types)
            except Exception:  # noqa: BLE001 - the schema could not build a body for these types
                return None
            if not raw:
                return None
            f = onnx.FunctionProto()
            f.ParseFromString(raw)
            return f if f.node else None
        return None

    def _expand(self, node: onnx.NodeProto, f: onnx.FunctionProto, label: str, schema: Any = None) -> None:
        """Import ``f``'s body in place of ``node`` (ONNX's own definition of the operator)."""
        if label.count("/") >= 32:
            raise _ModelError(f"ONNX node {node.op_type} {label!r}: functions nested more than 32 deep (a recursive function?)")
        prefix = f"{label}/"
        rename: dict[str, str] = {}
        for k, formal in enumerate(f.input):
            rename[formal] = node.input[k] if k < len(node.input) else ""
        for k, formal in enumerate(f.output):
            if k < len(node.output) and node.output[k]:
                rename[formal] = node.output[k]
        actual_attrs = {a.name: a for a in node.attribute}
        defaults = {a.name: a for a in f.attribute_proto}
        if schema is not None:
            for name, formal in schema.attributes.items():
                if formal.default_value.name and name not in defaults:
                    defaults[name] = formal.default_value
        opsets = dict(self.opsets)
        opsets.update(self._opsets(f.opset_import))

        def rn(name: str) -> str:
            if not name:
                return ""
            return rename.get(name, prefix + name)

        body: list[onnx.NodeProto] = []
        for inner in f.node:
            n = onnx.NodeProto()
            n.CopyFrom(inner)
            n.name = prefix + (inner.name or f"{inner.op_type}_{len(body)}")
            n.input[:] = [rn(x) for x in inner.input]
            n.output[:] = [rn(x) for x in inner.output]
            attrs = []
            for a in inner.attribute:
                if a.ref_attr_name:
                    src = actual_attrs.get(a.ref_attr_name) or defaults.get(a.ref_attr_name)
                    if src is None:
                        continue  # an optional function attribute that was not given
                    b = onnx.AttributeProto()
                    b.CopyFrom(src)
                    b.name = a.name
                    attrs.append(b)
                else:
                    attrs.append(a)
            del n.attribute[:]
            n.attribute.extend(attrs)
            body.append(n)
        self._nodes(body, opsets, prefix)

    def subgraph(self, g: onnx.GraphProto, label: str) -> list[Value]:
        """Import a subgraph (e.g. the branch an ``If`` with a known condition takes) in place:
        it sees every outer value; returns its outputs."""
        for init in g.initializer:
            self.env[init.name] = self._initializer(init)
        before = len(self.refusals)
        self._nodes(g.node, self.opsets, f"{label}/")
        if len(self.refusals) > before:
            raise _Reported()
        outs = []
        for vi in g.output:
            v = self.env.get(vi.name)
            if v is None:
                raise ValidationError(f"subgraph of {label!r}: output {vi.name!r} is not computed")
            outs.append(v)
        return outs

    # -- outputs --------------------------------------------------------------------------
    def _outputs(self, g: onnx.GraphProto) -> dict[str, MLOperand]:
        out: dict[str, MLOperand] = {}
        refusals = []
        for vi in g.output:
            v = self.env.get(vi.name)
            if v is None:
                raise ValidationError(f"ONNX model {self.name!r}: output {vi.name!r} is not computed by any node")
            try:
                op = self.operand(v, f"output {vi.name!r}")
            except Refused as r:
                refusals.append(("(graph output)", vi.name, r.key, r.detail))
                continue
            if op._kind != "output":  # an input or a constant: WebNN outputs come from operators
                op = self.b.identity(op)
            out[vi.name] = op
        if refusals:
            raise UnsupportedModelError(self.name, refusals)
        return out


class _ModelError(ValidationError):
    """A malformed node (not a refusal): raised at once."""


class _Reported(Exception):
    """A subgraph's nodes were refused (each one already recorded)."""


def _fold_size(node: onnx.NodeProto, inputs: list[Value | None]) -> int:
    """An upper bound of the bytes a fold of a size-making operator would allocate (0: not one)."""
    try:
        arrays: list[Any] = [None if v is None else v.array for v in inputs]
        if node.op_type == "ConstantOfShape" and arrays:
            return 8 * math.prod(int(d) for d in np.asarray(arrays[0]).reshape(-1))
        if node.op_type in ("Expand", "Tile") and len(arrays) > 1:
            x, s = arrays[0], [int(d) for d in np.asarray(arrays[1]).reshape(-1)]
            n = math.prod(s) * (math.prod(x.shape) if node.op_type == "Tile" else 1)
            return 8 * max(n, x.size)
        if node.op_type == "Range" and len(arrays) == 3:
            start, limit, delta = (float(np.asarray(a).reshape(-1)[0]) for a in arrays)
            return 8 * max(0, math.ceil((limit - start) / delta)) if delta else 0
    except (TypeError, ValueError, OverflowError, AttributeError):
        return 0
    return 0


def _versions(op_type: str) -> str:
    return ", ".join(f"{h.since}..{h.until}" for h in load_ops().get(op_type, []))


__all__ = ["Importer", "NodeContext", "Value", "Boolean", "UnsupportedModelError", "WEBNN_TYPES", "ONNX_TYPES"]
