"""GraphInfo -> CoreML ML Program, built with coremltools' MIL builder.

One rule per operator lives in this package's family modules (``binary``, ``elementwise``,
``reduction``...), registered with :func:`rule` in :mod:`._mil` (the emitter), as in the ONNX
converter. See docs/coreml.md for the op coverage and the data-type mapping.

``ConvertedGraph.data`` is the ``.mlpackage`` directory zipped (entries relative to the
package root, ``Manifest.json`` and ``Data/com.apple.CoreML/{model.mlmodel,weights/weight.bin}``);
:func:`save_mlpackage` writes it out as a ``.mlpackage`` directory that CoreML and Xcode open,
:func:`load_spec` reads its protobuf spec back. ``ConvertedGraph.metadata["io"]`` (also stored
in the package's user metadata under ``webnn.io``) says how graph inputs/outputs map onto
CoreML features.

This module is light: coremltools (slow to import) is imported on the first conversion. It
raises ImportError when coremltools is not installed, so the default converter registry
offers the ``"coreml"`` format only where it can work.
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from ...errors import ConversionError
from ...graph import GraphInfo
from .. import ConvertedGraph

INSTALL_HINT = 'pip install "webnn[coreml]"'

if importlib.util.find_spec("coremltools") is None:
    raise ImportError(f"the CoreML converter needs coremltools ({INSTALL_HINT})")


def zip_directory(path: str | os.PathLike) -> bytes:
    """The files and folders under ``path`` as a zip (entries relative to ``path``, stored, fixed timestamps)."""
    root = Path(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for f in sorted(root.rglob("*")):
            rel = f.relative_to(root).as_posix()
            if f.is_dir():  # kept even when empty: the manifest lists the (possibly empty) weights folder
                zi = zipfile.ZipInfo(rel + "/", date_time=(1980, 1, 1, 0, 0, 0))
                zi.external_attr = (0o40755 << 16) | 0x10
                z.writestr(zi, b"")
            elif f.is_file():
                zi = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
                zi.external_attr = 0o644 << 16
                with open(f, "rb") as fh:
                    z.writestr(zi, fh.read())
    return buf.getvalue()


def save_mlpackage(data: bytes | ConvertedGraph, path: str | os.PathLike) -> Path:
    """Write a converted graph (the zipped package) as a ``.mlpackage`` directory at ``path``.

    An existing directory at ``path`` is replaced. Returns the path.
    """
    blob = data.data if isinstance(data, ConvertedGraph) else data
    dest = Path(path)
    parent = dest.parent if dest.parent.exists() else None
    tmp = Path(tempfile.mkdtemp(prefix=".webnn-mlpackage-", dir=parent))
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            root = tmp.resolve()
            for name in z.namelist():
                target = (tmp / name).resolve()
                if target != root and root not in target.parents:
                    raise ConversionError(f"save_mlpackage: unsafe entry {name!r} in the package zip")
            z.extractall(tmp)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(tmp), str(dest))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def load_spec(data: bytes | ConvertedGraph) -> Any:
    """The model's protobuf spec (``Model_pb2.Model``) read back from the zipped package."""
    from ._mil import ct  # noqa: F401 - first: _mil imports coremltools quietly

    # isort: split
    from coremltools.models.utils import load_spec as _load

    with tempfile.TemporaryDirectory(prefix="webnn-coreml-") as d:
        p = save_mlpackage(data, Path(d) / "model.mlpackage")
        return _load(str(p))


class CoremlMlProgramConverter:
    """The ``"coreml"`` converter: GraphInfo -> zipped ``.mlpackage`` bytes (ML Program, iOS18 opset)."""

    format = "coreml"

    def convert(self, graph_info: GraphInfo) -> ConvertedGraph:
        from ._mil import TARGET_NAME, to_package  # imports coremltools (seconds): on first conversion

        data, plan = to_package(graph_info)
        meta = {
            "io": plan.to_json(),
            "deployment_target": TARGET_NAME,
            "compute_precision": "float32 graphs in float32, float16 graphs in float16",
            "container": "zipped .mlpackage (webnn.converters.coreml.save_mlpackage writes the directory)",
        }
        return ConvertedGraph("coreml", data, meta)


_LAZY = (
    "Emitter rule unsupported RULES UNSUPPORTED MAPPINGS to_mil_program to_mlmodel to_package evaluate "
    "missing_value_inference coverage io_plan ct mb TARGET MAX_RANK"
).split()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import _mil  # imports coremltools (seconds): on first use of a name it defines

        return getattr(_mil, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CoremlMlProgramConverter", "save_mlpackage", "load_spec", "zip_directory", "INSTALL_HINT", *_LAZY]  # noqa: PLE0604 - _LAZY holds names
