"""Fixtures of the CLI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.builder import load_graph_info


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    ctx = webnn.MLContext(accelerated=False)
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3])
    y = b.input("y", [2, 3])
    g = b.build({"sum": b.add(x, y), "scaled": b.mul(x, b.constant(np.full((2, 3), 2, np.float32)))})
    g.save(d / "g.webnn")
    np.save(d / "x.npy", np.arange(6, dtype=np.float32).reshape(2, 3))
    np.save(d / "y.npy", np.ones((2, 3), np.float32))
    np.save(d / "x64.npy", np.ones((2, 3)))
    return d


@pytest.fixture(scope="module")
def onnx_file(files: Path) -> Path:
    """``g.webnn`` converted to ONNX by the library (inputs x, y; outputs sum = x + y, scaled = 2 x)."""
    from webnn.converters import default_registry

    path = files / "g.onnx"
    path.write_bytes(default_registry().convert(load_graph_info(files / "g.webnn"), "onnx").data)
    return path
