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
from typing import Any, NamedTuple

import numpy as np

from . import files, summary
from .errors import GraphFileError
from .files import open_regular
from .ops import OpDef, load_all
from .types import MAX_TENSOR_BYTE_LENGTH, NUMPY_DTYPES, MLOperandDescriptor

#: Version written by :meth:`GraphInfo.save`: operation inputs stored by name.
FORMAT_VERSION = 2
#: Versions :func:`read_saved` reads (version 1 stored operation inputs by position).
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

    def summary(self) -> dict[str, Any]:
        """Operation count and kinds, inputs, outputs, constants and their bytes (JSON-ready)."""
        kinds: dict[str, int] = {}
        for op in self.operations:
            kinds[op.type] = kinds.get(op.type, 0) + 1
        return {
            "operations": len(self.operations),
            "op_types": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
            "inputs": {n: f"{d.data_type}{list(d.shape)}" for n, d in self.input_descriptors().items()},
            "outputs": {n: f"{d.data_type}{list(d.shape)}" for n, d in self.output_descriptors().items()},
            "constants": len(self.constants),
            "constant_bytes": sum(int(a.nbytes) for a in self.constants.values()),
        }

    def __repr__(self) -> str:
        return summary.short_repr("GraphInfo", self.summary())

    def _repr_html_(self) -> str:
        """The notebook view: a compact summary table."""
        return summary.html_table("GraphInfo", self.summary())

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


def _reason(e: BaseException) -> str:
    if isinstance(e, KeyError) and e.args:
        return f"missing {e.args[0]!r}"
    return str(e) or type(e).__name__


def _entries(z: zipfile.ZipFile, where: str) -> dict[str, zipfile.ZipInfo]:
    entries: dict[str, zipfile.ZipInfo] = {}
    for zi in z.infolist():
        if zi.filename in entries:
            raise GraphFileError(f"{where}: the archive holds {zi.filename!r} twice")
        entries[zi.filename] = zi
    for name in ("graph.json", "weights.bin"):
        if name not in entries:
            raise GraphFileError(f"{where}: not a saved webnn graph (no {name} in the archive)")
    return entries


#: A compressed archive member may inflate to at most this many times its compressed size (beyond
#: :data:`_SMALL_MEMBER` bytes): weights and JSON compress a few times, a zip bomb a thousand.
MAX_INFLATION = 100
_SMALL_MEMBER = 16 << 20


def _member(z: zipfile.ZipFile, zi: zipfile.ZipInfo, limit: int, where: str) -> bytes:
    """One archive member, read no further than ``limit`` (its declared size must fit, and a
    compressed one may not inflate more than :data:`MAX_INFLATION`-fold)."""
    if zi.file_size > limit:
        raise GraphFileError(f"{where}: {zi.filename} would inflate to {zi.file_size} bytes, more than the {limit} allowed")
    if zi.compress_type != zipfile.ZIP_STORED and zi.file_size > max(_SMALL_MEMBER, MAX_INFLATION * zi.compress_size):
        raise GraphFileError(
            f"{where}: {zi.filename} would inflate from {zi.compress_size} to {zi.file_size} bytes, more than {MAX_INFLATION}-fold (a zip bomb?)"
        )
    try:
        with z.open(zi) as f:
            data = f.read(limit + 1)
    except Exception as e:  # noqa: BLE001 - BadZipFile, zlib/bz2/lzma errors, unsupported compression of a damaged archive
        raise GraphFileError(f"{where}: {zi.filename} cannot be read from the archive ({type(e).__name__}: {e})") from None
    if len(data) != zi.file_size:
        raise GraphFileError(f"{where}: {zi.filename} holds {len(data)} bytes, its header says {zi.file_size}")
    return data


def _structure_of(z: zipfile.ZipFile, zi: zipfile.ZipInfo, where: str) -> dict:
    raw = _member(z, zi, files.MAX_STRUCTURE_BYTES, where)
    try:
        structure = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise GraphFileError(f"{where}: graph.json is not valid JSON ({type(e).__name__}: {str(e)[:200]})") from None
    if not isinstance(structure, dict):
        raise GraphFileError(f"{where}: graph.json holds a {type(structure).__name__}, expected an object")
    return structure


def _is_size(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_TENSOR_BYTE_LENGTH * 64


def _field(structure: dict, key: str, kind: type, where: str) -> Any:
    if key not in structure:
        raise GraphFileError(f"{where}: graph.json has no {key!r}")
    value = structure[key]
    if not isinstance(value, kind):
        raise GraphFileError(f"{where}: {key!r} must be a JSON {'array' if kind is list else 'object'}, got {type(value).__name__}")
    return value


def _names(named: dict, n_operands: int, kind: str, where: str) -> dict[str, int]:
    out = {}
    for name, oid in named.items():
        if not name:
            raise GraphFileError(f"{where}: an {kind} has an empty name")
        if not isinstance(oid, int) or isinstance(oid, bool) or not 0 <= oid < n_operands:
            raise GraphFileError(f"{where}: {kind} {name!r} is not an operand id: {oid!r}")
        out[name] = oid
    return out


def _parse(structure: dict, where: str) -> tuple[list[MLOperandDescriptor], list[Operation], dict[str, int], dict[str, int], dict[int, dict]]:
    """Operand descriptors, operations, inputs, outputs and the constants table of a saved structure,
    each checked for its form (what the operations mean is checked by replaying them)."""
    version = structure.get("version")
    if structure.get("format") != "webnn-graph" or version not in READABLE_VERSIONS:
        readable = "/".join(map(str, READABLE_VERSIONS))
        raise GraphFileError(f"{where}: unsupported format/version {structure.get('format')!r}/{version!r} (this webnn reads 'webnn-graph'/{readable})")
    descs = []
    for i, d in enumerate(_field(structure, "operands", list, where)):
        try:
            if not isinstance(d, dict):
                raise TypeError(f"expected an object with dataType and shape, got {type(d).__name__}")
            descs.append(MLOperandDescriptor.from_json(d))
        except (KeyError, TypeError, ValueError) as e:
            raise GraphFileError(f"{where}: operand {i}: {_reason(e)}") from None
    operations = []
    for k, o in enumerate(_field(structure, "operations", list, where)):
        what = o.get("type", "?") if isinstance(o, dict) else "?"
        try:
            if not isinstance(o, dict):
                raise TypeError(f"expected an object, got {type(o).__name__}")
            for key in ("type", "inputs", "outputs"):
                if key not in o:
                    raise KeyError(key)
            if not isinstance(o["type"], str):
                raise TypeError(f"type must be a string, got {o['type']!r}")
            if not isinstance(o.get("attributes", {}), dict):
                raise TypeError(f"attributes must be an object, got {type(o['attributes']).__name__}")
            operations.append(Operation.from_json(o, version, len(descs)))
        except (LookupError, ValueError, TypeError) as e:
            raise GraphFileError(f"{where}: operation {k} ({what}): {_reason(e)}") from None
    inputs = _names(_field(structure, "inputs", dict, where), len(descs), "input", where)
    outputs = _names(_field(structure, "outputs", dict, where), len(descs), "output", where)
    if not outputs:
        raise GraphFileError(f"{where}: the graph has no outputs")
    table: dict[int, dict] = {}
    for key, entry in _field(structure, "constants", dict, where).items():
        if not key.isdigit() or str(int(key)) != key or not int(key) < len(descs):
            raise GraphFileError(f"{where}: constant {key!r} is not an operand id")
        i = int(key)
        if not isinstance(entry, dict) or not all(_is_size(entry.get(k)) for k in ("offset", "length")) or not isinstance(entry.get("sha256"), str):
            raise GraphFileError(f"{where}: constant {i}: expected {{offset, length, sha256}}, got {entry!r}"[:300])
        desc = descs[i]
        if desc.byte_length > MAX_TENSOR_BYTE_LENGTH:
            raise GraphFileError(
                f"{where}: constant {i} ({desc.data_type}{list(desc.shape)}) has {desc.byte_length} bytes, "
                f"more than maxTensorByteLength {MAX_TENSOR_BYTE_LENGTH}"
            )
        if entry["length"] != desc.byte_length:
            raise GraphFileError(f"{where}: constant {i} has {entry['length']} bytes,"
                                 f" its descriptor {desc.data_type}{list(desc.shape)} needs {desc.byte_length}")
        table[i] = entry
    return descs, operations, inputs, outputs, table


def _constants(table: dict[int, dict], descs: list[MLOperandDescriptor], blob: bytes, where: str) -> dict[int, np.ndarray]:
    constants: dict[int, np.ndarray] = {}
    for i, entry in table.items():
        desc = descs[i]
        data = memoryview(blob)[entry["offset"] : entry["offset"] + entry["length"]]
        if len(data) != entry["length"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise GraphFileError(f"{where}: constant {i} is corrupt (checksum mismatch)")
        constants[i] = np.frombuffer(data, dtype=NUMPY_DTYPES[desc.data_type]).reshape(desc.shape)
    return constants


def _digest(structure: dict, constants: dict[int, np.ndarray]) -> str:
    """SHA-256 over a graph structure (as saved, without its constants table) and the constants' bytes."""
    h = hashlib.sha256()
    h.update(json.dumps(structure, sort_keys=True, separators=(",", ":")).encode())
    for i in sorted(constants):
        a = constants[i]
        h.update(f"|{i}:{a.dtype.str}:{a.shape}|".encode())
        h.update(np.ascontiguousarray(a).data.cast("B"))
    return h.hexdigest()


class SavedGraph(NamedTuple):
    """A saved graph's parts as :func:`read_saved` found them (before the builder replays them)."""

    operands: list[MLOperandDescriptor]
    operations: list[Operation]
    inputs: dict[str, int]
    outputs: dict[str, int]
    constants: dict[int, np.ndarray]
    where: str


def read_saved(path: str | os.PathLike) -> SavedGraph:
    """The parts of a graph written by :meth:`GraphInfo.save`, checked (``webnn.builder.load_graph_info``
replays them through the builder).

    Guarantees (docs/webnn-graph.md, "What load_graph checks"): every problem with the file
    raises :class:`~webnn.errors.GraphFileError` naming it; only a regular file is opened, and
    no more is read than its header declares (``graph.json`` at most
    :data:`~webnn.files.MAX_STRUCTURE_BYTES`, each constant at most ``maxTensorByteLength``);
    every constant's checksum and the content hash must match; and every operation is
    replayed through the builder's op definitions, so the loaded graph passed the same
    validation as a built one and its descriptors are recomputed (a saved descriptor that
    disagrees is an error).
    """
    where = f"load_graph: {path}"
    with open_regular(path, "load_graph") as f:
        try:
            z = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
            raise GraphFileError(f"{where}: not a saved webnn graph (.webnn zip): {e}") from None
        with z:
            entries = _entries(z, where)
            structure = _structure_of(z, entries["graph.json"], where)
            descs, operations, inputs, outputs, table = _parse(structure, where)
            end = max((e["offset"] + e["length"] for e in table.values()), default=0)
            w = entries["weights.bin"]
            if w.file_size != end:
                raise GraphFileError(f"{where}: weights.bin holds {w.file_size} bytes, the constants table describes {end}")
            blob = _member(z, w, end, where)
    constants = _constants(table, descs, blob, where)
    expected = structure.get("content_hash")
    if not isinstance(expected, str) or not expected:
        raise GraphFileError(f"{where}: the content hash is missing (every saved graph has one)")
    stored = {k: v for k, v in structure.items() if k not in ("constants", "content_hash")}
    try:
        digest = _digest(stored, constants)
    except (RecursionError, ValueError, TypeError) as e:
        raise GraphFileError(f"{where}: the structure cannot be hashed ({type(e).__name__})") from None
    if digest != expected:
        raise GraphFileError(f"{where}: content hash mismatch (the structure or the weights were altered)")
    return SavedGraph(descs, operations, inputs, outputs, constants, where)
