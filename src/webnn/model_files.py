"""Model files: load any supported file as an MLGraph, convert between formats.

Formats are told apart by content, not by extension (``.webnn`` is used by two of them):

- ``"webnn"``: the project's own zip (``MLGraph.save``: ``graph.json`` + ``weights.bin``);
- ``"webnn-graph"``: the webnn-graph text format, weights in a ``.safetensors`` file next to it;
- ``"onnx"``: an ONNX model, imported onto the builder (:mod:`webnn.onnx`).

:func:`load_model_file` and :func:`convert_model_file` are what the command line's ``run`` and
``convert`` build on.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import webnn_graph
from .context import MLContext, MLGraph
from .converters import default_registry
from .errors import ValidationError
from .graph import GraphInfo

#: Formats :func:`convert_model_file` writes.
TARGETS = ("webnn", "webnn-graph", "onnx", "coreml")


def sniff(path: str | os.PathLike) -> str:
    """``"webnn"``, ``"webnn-graph"`` or ``"onnx"`` from the file's content."""

    p = Path(path)
    if not p.exists():
        raise ValidationError(f"{p}: no such file")
    if p.is_dir():
        raise ValidationError(f"{p}: is a directory, expected a model file")
    with open(p, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK") and zipfile.is_zipfile(p):
        try:
            with zipfile.ZipFile(p) as z:
                if "graph.json" in z.namelist():
                    return "webnn"
        except zipfile.BadZipFile:
            pass
    if webnn_graph.is_webnn_graph_text(head):
        return "webnn-graph"
    import onnx  # deferred: heavy, only to tell an ONNX file from garbage

    try:
        model = onnx.load(str(p), load_external_data=False)
    except Exception:  # noqa: BLE001 - protobuf's DecodeError and friends
        model = None
    if model is not None and model.graph.node:
        return "onnx"
    raise ValidationError(f"{p}: not a saved webnn graph (.webnn zip), a webnn-graph text file or an ONNX model")


def read_graph_info(path: str | os.PathLike, *, input_shapes: Mapping[str, Sequence[int]] | None = None,
                    dims: Mapping[str, int] | None = None, context: MLContext | None = None) -> GraphInfo:
    """The IR of any model file (validated through the builder; nothing compiled)."""
    kind = sniff(path)
    if kind == "webnn":
        return GraphInfo.load(path)
    if kind == "webnn-graph":
        p = Path(path)
        found = webnn_graph.find_weights(p)
        text = p.read_text(encoding="utf-8")
        weights = webnn_graph.load_weights(found) if found else None
        return webnn_graph.read_info(text, weights, context=context or MLContext(accelerated=False), dims=dims, where=str(p))
    from .onnx import to_graph_info  # deferred: imports onnx (heavy)

    return to_graph_info(path, context, input_shapes=input_shapes, dims=dims)


def load_model_file(path: str | os.PathLike, context: MLContext | None = None, *,
                    input_shapes: Mapping[str, Sequence[int]] | None = None, dims: Mapping[str, int] | None = None) -> MLGraph:
    """Load any model file (see :func:`sniff`) and build it for ``context`` (default: a CPU context).

    ``input_shapes`` / ``dims`` fix symbolic dimensions of ONNX inputs (``dims`` also fixes
    webnn-graph ``dyn(...)`` dimensions).
    """
    ctx = context or MLContext(accelerated=False)
    kind = sniff(path)
    if kind == "webnn-graph":
        return webnn_graph.load(path, ctx, dims=dims)
    if kind == "onnx":
        from .onnx import load_model  # deferred: imports onnx (heavy)

        return load_model(path, ctx, input_shapes=input_shapes, dims=dims)
    return ctx._build_graph(read_graph_info(path))


def convert_model_file(src: str | os.PathLike, dst: str | os.PathLike, to: str, *,
                       input_shapes: Mapping[str, Sequence[int]] | None = None, dims: Mapping[str, int] | None = None) -> Path:
    """Convert any model file to ``to`` (one of :data:`TARGETS`) at ``dst``; returns ``dst``.

    ``onnx`` and ``coreml`` are the project's converters applied to the WebNN graph (an ONNX
    source is imported first, so its output is the WebNN-normalised model with static shapes).
    """
    if to not in TARGETS:
        raise ValidationError(f"convert: target must be one of {', '.join(TARGETS)}, got {to!r}")
    out = Path(dst)
    if not out.parent.is_dir():
        raise ValidationError(f"convert: {out.parent}: no such directory")
    info = read_graph_info(src, input_shapes=input_shapes, dims=dims)
    if to == "webnn":
        info.save(out)
        return out
    if to == "webnn-graph":
        webnn_graph.save(info, out)
        return out
    reg = default_registry()
    if to not in reg.formats():
        raise ValidationError(f"convert: no {to} converter in this installation (pip install 'webnn[{to}]')")
    converted = reg.convert(info, to)
    save = getattr(converted, "save", None)
    if callable(save):
        save(out)
    else:
        out.write_bytes(converted.data)
    return out


__all__ = ["sniff", "read_graph_info", "load_model_file", "convert_model_file", "TARGETS"]
