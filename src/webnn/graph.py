"""The backend-agnostic graph IR (``GraphInfo``), its on-disk form and its content hash.

A graph is a list of operands (each with a descriptor), a list of operations in
topological order, named inputs and outputs, and constant data stored once.
Converters read this structure; nothing here knows about any backend.
"""

from __future__ import annotations

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
from .types import NUMPY_DTYPES, MLOperandDescriptor

FORMAT_VERSION = 1
_ALIGN = 64


@dataclass(frozen=True)
class Operation:
    """One operator: its type (spec name in snake_case), operand ids in and out, and attributes.

    ``inputs`` holds operand ids in the order the op's definition gives; ``None`` marks an
    optional operand that was not given. ``attributes`` hold only JSON-compatible values,
    already normalised (defaults filled in) by the op's definition.
    """

    type: str
    inputs: tuple[int | None, ...]
    outputs: tuple[int, ...]
    attributes: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    def to_json(self) -> dict:
        d = {"type": self.type, "inputs": list(self.inputs), "outputs": list(self.outputs), "attributes": self.attributes}
        if self.label:
            d["label"] = self.label
        return d


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
            h = hashlib.sha256()
            h.update(json.dumps(self._structure(), sort_keys=True, separators=(",", ":")).encode())
            for i in sorted(self.constants):
                a = self.constants[i]
                h.update(f"|{i}:{a.dtype.str}:{a.shape}|".encode())
                h.update(memoryview(np.ascontiguousarray(a)).cast("B"))
            self._hash = h.hexdigest()
        return self._hash

    def save(self, path: str | os.PathLike, format: str = "webnn") -> None:
        """Write the graph: ``format="webnn"`` (default) is one zip file holding ``graph.json`` and
        ``weights.bin``; ``"webnn-graph"`` is the webnn-graph text format plus a ``.safetensors``
        file of its weights next to it (:mod:`webnn.webnn_graph`)."""
        if format == "webnn-graph":
            from .webnn_graph import save

            save(self, path)
            return
        if format != "webnn":
            raise ValidationError(f"save: format must be 'webnn' or 'webnn-graph', got {format!r}")
        structure = self._structure()
        blob = io.BytesIO()
        table = {}
        for i in sorted(self.constants):
            a = np.ascontiguousarray(self.constants[i])
            pad = (-blob.tell()) % _ALIGN
            blob.write(b"\0" * pad)
            data = memoryview(a).cast("B")
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
    def load(cls, path: str | os.PathLike) -> "GraphInfo":
        """Read a graph written by :meth:`save`, verifying every constant's checksum."""
        try:
            with zipfile.ZipFile(path) as z:
                structure = json.loads(z.read("graph.json"))
                blob = z.read("weights.bin")
        except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as e:
            raise ValidationError(f"load_graph: {path} is not a saved webnn graph ({e})") from e
        if structure.get("format") != "webnn-graph" or structure.get("version") != FORMAT_VERSION:
            raise ValidationError(f"load_graph: {path}: unsupported format/version {structure.get('format')!r}/{structure.get('version')!r}")
        operands = [MLOperandDescriptor.from_json(d) for d in structure["operands"]]
        operations = [
            Operation(o["type"], tuple(o["inputs"]), tuple(o["outputs"]), o.get("attributes", {}), o.get("label", ""))
            for o in structure["operations"]
        ]
        constants = {}
        for key, entry in structure["constants"].items():
            i = int(key)
            data = blob[entry["offset"] : entry["offset"] + entry["length"]]
            if len(data) != entry["length"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise ValidationError(f"load_graph: {path}: constant {i} is corrupt (checksum mismatch)")
            desc = operands[i]
            arr = np.frombuffer(data, dtype=NUMPY_DTYPES[desc.data_type]).reshape(desc.shape)
            constants[i] = arr
        g = cls(operands, operations, dict(structure["inputs"]), dict(structure["outputs"]), constants)
        if structure.get("content_hash") and g.content_hash() != structure["content_hash"]:
            raise ValidationError(f"load_graph: {path}: content hash mismatch")
        return g
