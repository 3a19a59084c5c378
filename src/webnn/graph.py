"""The backend-agnostic graph IR (``GraphInfo``), its on-disk form and its content hash.

A graph is a list of operands (each with a descriptor), a list of operations in
topological order, named inputs and outputs, and constant data stored once.
Converters read this structure; nothing here knows about any backend. An operation's
inputs are named by its op definition's operand parameters (:attr:`webnn.ops.OpDef.inputs`):
converters read ``op.input("bias")``, and saved graphs store inputs under those names.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ValidationError
from .ops import OpDef, load_all
from .types import NUMPY_DTYPES, MLOperandDescriptor

#: Version written by :meth:`GraphInfo.save`: operation inputs stored by name.
FORMAT_VERSION = 2
#: Versions :meth:`GraphInfo.load` reads (version 1 stored operation inputs by position).
READABLE_VERSIONS = (1, 2)
_ALIGN = 64


def op_def(op_type: str) -> OpDef:
    """The definition of operator ``op_type``."""
    defs = load_all()
    if op_type not in defs:
        raise LookupError(f"unknown operator {op_type!r}")
    return defs[op_type]


@functools.cache
def _input_names(op_type: str, count: int) -> tuple[str, ...]:
    return op_def(op_type).input_names(count)


@dataclass(frozen=True)
class Operation:
    """One operator: its type (spec name in snake_case), operand ids in and out, and attributes.

    ``inputs`` holds operand ids in the order of the op definition's operand parameters
    (:attr:`input_names`); ``None`` marks an optional operand that was not given. Read them
    by name with :meth:`input`. ``attributes`` hold only JSON-compatible values, already
    normalised (defaults filled in) by the op's definition; :meth:`attr` reads one.
    """

    type: str
    inputs: tuple[int | None, ...]
    outputs: tuple[int, ...]
    attributes: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def input_names(self) -> tuple[str, ...]:
        """The name of each entry of :attr:`inputs` (a variadic input's name repeats)."""
        return _input_names(self.type, len(self.inputs))

    def input(self, name: str | None = None) -> int | None:
        """The operand id of input ``name`` (default: the first input); None for an absent optional input."""
        names = self.input_names
        if name is None:
            if not names:
                raise LookupError(f"{self.type} has no inputs")
            name = names[0]
        if name not in names:
            known = ", ".join(dict.fromkeys(names)) or "none"
            raise LookupError(f"{self.type} has no input {name!r} (its inputs: {known})")
        if names.count(name) > 1 or name == op_def(self.type).variadic:
            raise LookupError(f"{self.type}: input {name!r} is a sequence of operands; read op.inputs")
        return self.inputs[names.index(name)]

    def attr(self, name: str) -> Any:
        """Attribute ``name``; a missing one raises a LookupError naming the op and the attribute."""
        try:
            return self.attributes[name]
        except KeyError:
            raise LookupError(f"{self.type}: attribute {name!r} is missing (attributes: {', '.join(self.attributes) or 'none'})") from None

    def to_json(self) -> dict:
        variadic = op_def(self.type).variadic
        named: dict[str, Any] = {}
        for name, oid in zip(self.input_names, self.inputs, strict=True):
            if name == variadic:
                named.setdefault(name, []).append(oid)
            else:
                named[name] = oid
        d = {"type": self.type, "inputs": named, "outputs": list(self.outputs), "attributes": self.attributes}
        if self.label:
            d["label"] = self.label
        return d

    @classmethod
    def from_json(cls, d: dict, version: int, n_operands: int) -> Operation:
        """An operation of a saved graph (``version`` 1: inputs by position, 2: by name), checked
        against the op's definition: known op, known input names, required inputs present, valid ids."""
        opdef = op_def(d["type"])
        raw = d["inputs"]
        if version == 1:
            if not isinstance(raw, list):
                raise ValueError(f"inputs must be a list, got {type(raw).__name__}")
            inputs = list(raw)
        else:
            if not isinstance(raw, dict):
                raise ValueError(f"inputs must be an object of input name -> operand id, got {type(raw).__name__}")
            unknown = [n for n in raw if n not in opdef.inputs]
            if unknown:
                raise ValueError(f"unknown inputs {unknown} (the op's inputs: {', '.join(opdef.inputs)})")
            inputs = []
            for name in opdef.inputs:
                value = raw.get(name)
                if name == opdef.variadic:
                    if not isinstance(value, list):
                        raise ValueError(f"input {name!r} must be a list of operand ids")
                    inputs.extend(value)
                else:
                    inputs.append(value)
        for name, oid in zip(opdef.input_names(len(inputs)), inputs, strict=True):
            if oid is None:
                param = opdef.signature.parameters[name]
                if param.default is not None:
                    raise ValueError(f"required input {name!r} is missing")
            elif not isinstance(oid, int) or isinstance(oid, bool) or not 0 <= oid < n_operands:
                raise ValueError(f"input {name!r} is not an operand id: {oid!r}")
        outputs = d["outputs"]
        if not isinstance(outputs, list) or not all(isinstance(o, int) and not isinstance(o, bool) and 0 <= o < n_operands for o in outputs):
            raise ValueError(f"outputs must be a list of operand ids, got {outputs!r}")
        return cls(d["type"], tuple(inputs), tuple(outputs), d.get("attributes", {}), d.get("label", ""))


@dataclass
class GraphInfo:
    """A built graph: operand descriptors, operations, named inputs/outputs and constants."""

    operands: list[MLOperandDescriptor]
    operations: list[Operation]
    inputs: dict[str, int]
    outputs: dict[str, int]
    constants: dict[int, np.ndarray]
    _hash: str | None = field(default=None, init=False, repr=False, compare=False)
    #: Per-format conversion results, filled by converters so each graph converts once.
    conversions: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- descriptors -------------------------------------------------------------------
    def input_descriptors(self) -> dict[str, MLOperandDescriptor]:
        return {name: self.operands[i] for name, i in self.inputs.items()}

    def output_descriptors(self) -> dict[str, MLOperandDescriptor]:
        return {name: self.operands[i] for name, i in self.outputs.items()}

    def input_descriptor(self, op: Operation, name: str | None = None) -> MLOperandDescriptor:
        """The descriptor of ``op``'s input ``name`` (default: its first input), which must be given."""
        oid = op.input(name)
        if oid is None:
            raise LookupError(f"{op.type}: the optional input {name!r} is absent")
        return self.operands[oid]

    def producers(self) -> dict[int, Operation]:
        """Map operand id -> the operation producing it."""
        return {o: op for op in self.operations for o in op.outputs}

    # -- serialisation -----------------------------------------------------------------
    def _structure(self) -> dict:
        return {
            "format": "webnn-graph",
            "version": FORMAT_VERSION,
            "operands": [d.to_json() for d in self.operands],
            "operations": [op.to_json() for op in self.operations],
            "inputs": self.inputs,
            "outputs": self.outputs,
        }

    def content_hash(self) -> str:
        """SHA-256 over the structure and every constant's bytes; stable across processes."""
        if self._hash is None:
            self._hash = _digest(self._structure(), self.constants)
        return self._hash

    def save(self, path: str | os.PathLike) -> None:
        """Write the graph to one zip file holding ``graph.json`` and ``weights.bin`` (the ``.webnn``
        format; :func:`webnn.webnn_graph.save` writes the webnn-graph text format)."""
        structure = self._structure()
        blob = io.BytesIO()
        table = {}
        for i in sorted(self.constants):
            a = np.ascontiguousarray(self.constants[i])
            pad = (-blob.tell()) % _ALIGN
            blob.write(b"\0" * pad)
            data = a.data.cast("B")
            table[str(i)] = {"offset": blob.tell(), "length": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            blob.write(data)
        structure["constants"] = table
        structure["content_hash"] = self.content_hash()
        path = Path(path)
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("graph.json", json.dumps(structure, indent=1))
            z.writestr("weights.bin", blob.getvalue())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> GraphInfo:
        """Read a graph written by :meth:`save`, verifying every constant's checksum."""
        try:
            with zipfile.ZipFile(path) as z:
                structure = json.loads(z.read("graph.json"))
                blob = z.read("weights.bin")
        except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as e:
            raise ValidationError(f"load_graph: {path} is not a saved webnn graph ({e})") from e
        version = structure.get("version") if isinstance(structure, dict) else None
        if not isinstance(structure, dict) or structure.get("format") != "webnn-graph" or version not in READABLE_VERSIONS:
            got = (structure.get("format"), version) if isinstance(structure, dict) else (None, None)
            raise ValidationError(f"load_graph: {path}: unsupported format/version {got[0]!r}/{got[1]!r}")
        operands = [MLOperandDescriptor.from_json(d) for d in structure["operands"]]
        operations = []
        for k, o in enumerate(structure["operations"]):
            try:
                operations.append(Operation.from_json(o, version, len(operands)))
            except (LookupError, ValueError, TypeError) as e:
                what = o.get("type", "?") if isinstance(o, dict) else "?"
                raise ValidationError(f"load_graph: {path}: operation {k} ({what}): {e}") from None
        constants = {}
        for key, entry in structure["constants"].items():
            i = int(key)
            data = blob[entry["offset"] : entry["offset"] + entry["length"]]
            if len(data) != entry["length"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise ValidationError(f"load_graph: {path}: constant {i} is corrupt (checksum mismatch)")
            desc = operands[i]
            arr = np.frombuffer(data, dtype=NUMPY_DTYPES[desc.data_type]).reshape(desc.shape)
            constants[i] = arr
        stored = {k: v for k, v in structure.items() if k not in ("constants", "content_hash")}
        if structure.get("content_hash") and _digest(stored, constants) != structure["content_hash"]:
            raise ValidationError(f"load_graph: {path}: content hash mismatch")
        return cls(operands, operations, dict(structure["inputs"]), dict(structure["outputs"]), constants)


def _digest(structure: dict, constants: dict[int, np.ndarray]) -> str:
    """SHA-256 over a graph structure (as saved, without its constants table) and the constants' bytes."""
    h = hashlib.sha256()
    h.update(json.dumps(structure, sort_keys=True, separators=(",", ":")).encode())
    for i in sorted(constants):
        a = constants[i]
        h.update(f"|{i}:{a.dtype.str}:{a.shape}|".encode())
        h.update(np.ascontiguousarray(a).data.cast("B"))
    return h.hexdigest()
