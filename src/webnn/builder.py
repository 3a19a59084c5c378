"""MLGraphBuilder: records operators into a graph, validating each call per the spec.

Builder methods for operators are generated from the op table in :mod:`webnn.ops`:
``builder.conv2d(x, w, padding=[1, 1, 1, 1])`` binds the call against the op's
definition, checks its operands and tensor limits, runs the definition's validation
and shape inference, and records the operation. Type checkers see them through
``_builder_ops.pyi`` (generated from the same table by tools/gen_builder_stub.py).
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidStateError, ValidationError
from .graph import GraphInfo, Operation
from .operand import MLOperand
from .ops import Limit, OpArgError, OpDef, load_all
from .types import MAX_TENSOR_BYTE_LENGTH, NUMPY_DTYPES, MLOperandDescriptor, as_descriptor, check_data_type, check_shape, data_type_of

if TYPE_CHECKING:  # pragma: no cover
    from ._builder_ops import BuilderOps  # the operator methods' typed declarations
    from .context import MLContext, MLGraph
else:
    BuilderOps = object  # at runtime the operator methods come from the op table (_install_ops)


class MLGraphBuilder(BuilderOps):
    """Builds a graph of WebNN operators for one :class:`~webnn.MLContext`."""

    def __init__(self, context: MLContext) -> None:
        # The context module imports this one (create_graph_builder), so the context is known by
        # what the builder needs of it: the method that compiles the finished graph.
        if not callable(getattr(context, "_build_graph", None)):
            raise ValidationError(f"MLGraphBuilder: expected an MLContext, got {type(context).__name__}")
        self._context = context
        self._descs: list[MLOperandDescriptor] = []
        self._ops: list[Operation] = []
        self._producer: dict[int, int] = {}  # operand id -> index in _ops
        self._inputs: dict[str, int] = {}
        self._constants: dict[int, np.ndarray] = {}
        self._built = False
        self._lock = threading.Lock()

    @property
    def context(self) -> MLContext:
        return self._context

    # -- operands ------------------------------------------------------------------------
    def _new_operand(self, desc: MLOperandDescriptor, kind: str, name: str = "") -> MLOperand:
        self._descs.append(desc)
        return MLOperand(self, len(self._descs) - 1, desc, kind, name)

    def _check_can_build(self, what: str) -> None:
        if self._built:
            raise InvalidStateError(f"{what}: this builder has already built a graph; create a new MLGraphBuilder")

    def input(self, name: str, descriptor: MLOperandDescriptor | Mapping | Sequence[int], data_type: str | None = None) -> MLOperand:
        """A named graph input: ``input("x", [1, 3], "float32")`` or ``input("x", MLOperandDescriptor(...))``."""
        self._check_can_build("input")
        if not isinstance(name, str) or not name:
            raise ValidationError(f"input: name must be a non-empty string, got {name!r}")
        if name in self._inputs:
            raise ValidationError(f"input: name {name!r} is already used by another input of this builder")
        if data_type is not None or not isinstance(descriptor, (MLOperandDescriptor, Mapping)):
            # input(name, shape[, data_type]): the seed's spelling; data type defaults to float32.
            dt = check_data_type("float32" if data_type is None else data_type, f"input {name!r}: data_type")
            desc = MLOperandDescriptor(dt, check_shape(descriptor, f"input {name!r}: shape"))
        else:
            desc = as_descriptor(descriptor, f"input {name!r}: descriptor")
        _check_byte_length(desc, f"input {name!r}")
        operand = self._new_operand(desc, "input", name)
        self._inputs[name] = operand._id
        return operand

    def constant(self, value: Any, data_or_type: Any = None, *, data_type: str | None = None, shape: Sequence[int] | None = None) -> MLOperand:
        """A constant operand. Forms accepted:

        - ``constant(np_array)``: data type from the array (copied once);
        - ``constant(3.0, data_type="float16")`` or ``constant([1, 2], data_type="int32")``;
        - ``constant(descriptor, buffer)`` (the spec's form; the buffer's byte length must match);
        - ``constant("float32", 1.5)`` (the spec's scalar form).
        """
        self._check_can_build("constant")
        if isinstance(value, (MLOperandDescriptor, dict)):
            desc = as_descriptor(value, "constant: descriptor")
            arr = _buffer_to_array(data_or_type, desc)
            return self._add_constant(arr, desc)
        if isinstance(value, str) and data_or_type is not None:  # spec scalar form constant(type, value)
            value, data_type = data_or_type, value
        elif data_or_type is not None:
            data_type = data_or_type
        if hasattr(value, "__dlpack__") and not isinstance(value, np.ndarray):
            value = np.from_dlpack(value)
        if isinstance(value, np.ndarray) and data_type is None:
            arr = value
            dt = data_type_of(arr, "constant")
        else:
            if data_type is None:
                if isinstance(value, (np.generic,)):
                    data_type = value.dtype.name
                else:
                    raise ValidationError("constant: data_type is required for a Python scalar or list (e.g. data_type='float32')")
            dt = check_data_type(data_type, "constant: data_type")
            try:
                arr = np.asarray(value)
                if arr.dtype.kind not in "biuf":
                    raise TypeError(arr.dtype)
                arr = arr.astype(NUMPY_DTYPES[dt])
            except (TypeError, ValueError) as e:
                raise ValidationError(f"constant: value is not numeric data ({e})") from None
        if shape is not None:
            shape_t = check_shape(shape, "constant: shape")
            if int(np.prod(shape_t, dtype=np.int64)) != arr.size:
                raise ValidationError(f"constant: shape {list(shape_t)} does not match {arr.size} elements")
            arr = arr.reshape(shape_t)
        desc = MLOperandDescriptor(dt, check_shape(arr.shape, "constant: shape"))
        return self._add_constant(arr, desc)

    def _add_constant(self, arr: np.ndarray, desc: MLOperandDescriptor) -> MLOperand:
        data = np.array(arr, dtype=desc.dtype, order="C", copy=True).reshape(desc.shape)
        data.flags.writeable = False
        operand = self._new_operand(desc, "constant")
        self._constants[operand._id] = data
        return operand

    # -- operators -----------------------------------------------------------------------
    def _check_operand(self, value: Any, arg: str) -> MLOperand:
        if not isinstance(value, MLOperand):
            raise OpArgError(arg, f"expected an MLOperand, got {type(value).__name__}")
        if value._builder is not self:
            raise OpArgError(arg, "operand belongs to a different MLGraphBuilder")
        return value

    def _record(self, opdef: OpDef, args: tuple, kwargs: dict) -> MLOperand | list[MLOperand]:
        args, kwargs = _spec_options(opdef, args, kwargs)
        label = kwargs.pop("label", "") or ""
        where = f"{opdef.name}" + (f" (label {label!r})" if label else "")
        tag = f" [{label}]" if label else ""  # browsers' messages carry "[label]" (WPT matches it)
        try:
            self._check_can_build(opdef.name)
            try:
                bound = opdef.signature.bind(*args, **kwargs)
            except TypeError as e:
                raise ValidationError(f"{where}: {e}") from None
            for pname, value in bound.arguments.items():
                if isinstance(value, MLOperand):
                    self._check_operand(value, pname)
                elif isinstance(value, (list, tuple)) and value and any(isinstance(v, MLOperand) for v in value):
                    for v in value:
                        self._check_operand(v, pname)
            _check_limits(opdef, bound.arguments)
            node = opdef.fn(*bound.args, **bound.kwargs)
            for d in node.outputs if isinstance(node.outputs, list) else [node.outputs]:
                _check_byte_length(d, "output")
        except OpArgError as e:
            raise ValidationError(f"{where}: argument '{e.arg}': {e.detail}{tag}") from None
        except ValidationError as e:
            msg = str(e)
            raise ValidationError((msg if msg.startswith(opdef.name) else f"{where}: {msg}") + tag) from None
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as e:
            # An argument of a type no validation step anticipated: still a TypeError per the
            # spec, and still names the op; the builder stays usable.
            raise ValidationError(f"{where}: invalid arguments ({type(e).__name__}: {e}){tag}") from e
        outs = node.outputs if isinstance(node.outputs, list) else [node.outputs]
        with self._lock:
            out_operands = [self._new_operand(d, "output") for d in outs]
            in_ids = tuple(None if v is None else v._id for v in opdef.operands(bound.arguments))
            self._ops.append(Operation(opdef.name, in_ids, tuple(o._id for o in out_operands), dict(node.attrs), label))
            for o in out_operands:
                self._producer[o._id] = len(self._ops) - 1
        return out_operands if opdef.multi_output else out_operands[0]

    # -- build ---------------------------------------------------------------------------
    def build(self, outputs: Mapping[str, MLOperand]) -> MLGraph:
        """Build an :class:`~webnn.MLGraph` computing the named outputs (compiled for the context's backend)."""
        self._check_can_build("build")
        info = self._graph_info(outputs)
        graph = self._context._build_graph(info)
        self._built = True
        return graph

    def _graph_info(self, outputs: Mapping[str, MLOperand]) -> GraphInfo:
        if not isinstance(outputs, Mapping) or not outputs:
            raise ValidationError("build: outputs must be a non-empty dict of name -> MLOperand")
        for name, operand in outputs.items():
            if not isinstance(name, str) or not name:
                raise ValidationError(f"build: output names must be non-empty strings, got {name!r}")
            if not isinstance(operand, MLOperand) or operand._builder is not self:
                raise ValidationError(f"build: output {name!r} is not an MLOperand of this builder")
            if operand._kind != "output":
                raise ValidationError(f"build: output {name!r} is a graph {operand._kind}; outputs must be produced by an operator")
        # Collect the operations reachable from the outputs, keep them in recording order.
        needed_ops: set[int] = set()
        stack = [o._id for o in outputs.values()]
        seen: set[int] = set()
        while stack:
            oid = stack.pop()
            if oid in seen:
                continue
            seen.add(oid)
            pi = self._producer.get(oid)
            if pi is not None and pi not in needed_ops:
                needed_ops.add(pi)
                stack.extend(i for i in self._ops[pi].inputs if i is not None)
        # Renumber operands densely.
        remap: dict[int, int] = {}
        descs: list[MLOperandDescriptor] = []

        def rid(old: int) -> int:
            if old not in remap:
                remap[old] = len(descs)
                descs.append(self._descs[old])
            return remap[old]

        inputs = {name: rid(i) for name, i in self._inputs.items() if i in seen}
        ops = []
        for idx in sorted(needed_ops):
            o = self._ops[idx]
            ins = tuple(None if i is None else rid(i) for i in o.inputs)
            ops.append(Operation(o.type, ins, tuple(rid(i) for i in o.outputs), o.attributes, o.label))
        constants = {rid(i): a for i, a in self._constants.items() if i in seen}
        outs = {name: rid(op_._id) for name, op_ in outputs.items()}
        return GraphInfo(descs, ops, inputs, outs, constants)


def _spec_options(opdef: OpDef, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Accept the spec's trailing options dictionary too: ``elu(x, {"alpha": 2.0, "label": "a"})`` or
    ``options={...}``, with camelCase (spec) or snake_case member names, as keyword arguments."""
    options = None
    if isinstance(kwargs.get("options"), Mapping) and "options" not in opdef.signature.parameters:
        kwargs = dict(kwargs)
        options = kwargs.pop("options")
    else:
        n_positional = sum(
            p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            for p in opdef.signature.parameters.values()
        )
        if len(args) == n_positional + 1 and isinstance(args[-1], Mapping):
            args, options = args[:-1], args[-1]
    if options is None:
        return args, kwargs
    merged = dict(kwargs)
    for key, value in options.items():
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower() if isinstance(key, str) else key
        if name in merged:
            raise ValidationError(f"{opdef.name}: option {key!r} given twice")
        merged[name] = value
    return args, merged


def _check_byte_length(desc: MLOperandDescriptor, what: str) -> None:
    """The spec's "check dimensions": a tensor larger than maxTensorByteLength is not supported."""
    n = desc.byte_length
    if n > MAX_TENSOR_BYTE_LENGTH:
        raise OpArgError(what, f"{desc.data_type} tensor of shape {list(desc.shape)} has {n} bytes, more than maxTensorByteLength {MAX_TENSOR_BYTE_LENGTH}")


def _resolve_types(limit: Limit, arguments: dict) -> tuple[str, ...] | None:
    dts = limit.data_types
    if isinstance(dts, str):
        ref = arguments.get(dts.split(":", 1)[1])
        if isinstance(ref, (list, tuple)):
            ref = ref[0] if ref else None
        return (ref.data_type,) if isinstance(ref, MLOperand) else None
    return dts


def _check_limits(opdef: OpDef, arguments: dict) -> None:
    """Check the spec's allowed data types and ranks for every operand argument."""
    for pname, limit in opdef.limits.items():
        if pname not in arguments or pname.startswith("output"):
            continue
        value = arguments[pname]
        if value is None:
            param = opdef.signature.parameters.get(pname)
            if param is not None and param.default is None:
                continue  # an absent optional operand
            raise OpArgError(pname, "expected an MLOperand, got None")
        if isinstance(value, (list, tuple)) and pname != opdef.variadic:  # a single-operand parameter
            raise OpArgError(pname, f"expected an MLOperand, got {type(value).__name__}")
        values = value if isinstance(value, (list, tuple)) else [value]
        allowed = _resolve_types(limit, arguments)
        for v in values:
            if not isinstance(v, MLOperand):
                raise OpArgError(pname, f"expected an MLOperand, got {type(v).__name__}")
            if allowed is not None and v.data_type not in allowed:
                if isinstance(limit.data_types, str):
                    ref = limit.data_types.split(":", 1)[1]
                    raise OpArgError(pname, f"data type {v.data_type} must match {ref}'s data type {allowed[0]}")
                raise OpArgError(pname, f"data type {v.data_type} is not allowed (expected {', '.join(allowed)})")
            if isinstance(limit.ranks, str):
                ref_name = limit.ranks.split(":", 1)[1]
                other = arguments.get(ref_name)
                if isinstance(other, MLOperand) and v.rank != other.rank:
                    raise OpArgError(pname, f"rank {v.rank} must equal {ref_name}'s rank {other.rank}")
            else:
                lo, hi = limit.rank_range()
                if not lo <= v.rank <= hi:
                    want = f"rank {lo}" if lo == hi else f"rank in [{lo}, {hi}]"
                    raise OpArgError(pname, f"expected {want}, got rank {v.rank} (shape {v.shape})")


def _buffer_to_array(buffer: Any, desc: MLOperandDescriptor) -> np.ndarray:
    if buffer is None:
        raise ValidationError("constant: a buffer is required with a descriptor")
    if isinstance(buffer, (bytes, bytearray, memoryview)):
        raw = bytes(buffer)
        if len(raw) != desc.byte_length:
            raise ValidationError(f"constant: buffer has {len(raw)} bytes, descriptor {desc} needs {desc.byte_length}")
        return np.frombuffer(raw, dtype=desc.dtype).reshape(desc.shape)
    arr = np.asarray(buffer)
    if arr.dtype != desc.dtype:
        if arr.dtype.kind in "biuf" and isinstance(buffer, (list, tuple)):
            arr = arr.astype(desc.dtype)
        else:
            raise ValidationError(f"constant: buffer dtype {arr.dtype} does not match descriptor data type {desc.data_type}")
    if arr.size != desc.size:
        raise ValidationError(f"constant: buffer has {arr.size} elements, descriptor {desc} needs {desc.size}")
    return arr.reshape(desc.shape)


def _make_method(opdef: OpDef) -> Callable[..., MLOperand | list[MLOperand]]:
    def method(self: MLGraphBuilder, *args: Any, **kwargs: Any) -> MLOperand | list[MLOperand]:
        return self._record(opdef, args, kwargs)

    wrapped: Any = functools.wraps(opdef.fn)(method)
    this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    wrapped.__signature__ = opdef.signature.replace(parameters=[this, *opdef.signature.parameters.values()])
    return wrapped


def _install_ops() -> None:
    for opdef in load_all().values():
        setattr(MLGraphBuilder, opdef.name, _make_method(opdef))
        if opdef.spec_name != opdef.name:
            setattr(MLGraphBuilder, opdef.spec_name, getattr(MLGraphBuilder, opdef.name))


_install_ops()
