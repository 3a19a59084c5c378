"""``webnn convert``, and ``webnn run`` on the converted ONNX file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ._util import webnn_cli


@pytest.mark.slow
def test_convert_then_run(files: Path, tmp_path: Path) -> None:
    p = webnn_cli("convert", str(files / "g.webnn"), "--to", "onnx", "-o", str(tmp_path / "g.onnx"))
    assert p.returncode == 0, p.stderr
    assert "wrote" in p.stdout
    import onnx

    onnx.checker.check_model(onnx.load(str(tmp_path / "g.onnx")))
    for model in (files / "g.webnn", tmp_path / "g.onnx"):
        out = tmp_path / f"out-{model.suffix[1:]}"
        p = webnn_cli("run", str(model), "--backend", "onnxruntime", "--input", f"x={files / 'x.npy'}", "-i", f"y={files / 'y.npy'}", "--output-dir", str(out))
        assert p.returncode == 0, p.stderr
        assert "backend: onnxruntime" in p.stdout and "output sum: float32[2, 3]" in p.stdout and "time:" in p.stdout
        x = np.arange(6, dtype=np.float32).reshape(2, 3)
        np.testing.assert_array_equal(np.load(out / "sum.npy"), x + 1)
        np.testing.assert_array_equal(np.load(out / "scaled.npy"), x * 2)
