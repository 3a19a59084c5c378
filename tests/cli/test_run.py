"""``webnn run``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ._util import webnn_cli


@pytest.mark.slow
def test_run_zeros_and_npz(files: Path, tmp_path: Path) -> None:
    p = webnn_cli("run", str(files / "g.webnn"), "-i", f"x={files / 'x.npy'}", "--zeros", "-d", str(tmp_path))
    assert p.returncode == 0, p.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "sum.npy"), np.arange(6).reshape(2, 3))
    np.savez(tmp_path / "in.npz", x=np.ones((2, 3), np.float32), y=np.ones((2, 3), np.float32))
    p = webnn_cli("run", str(files / "g.webnn"), "-i", str(tmp_path / "in.npz"), "-d", str(tmp_path))
    assert p.returncode == 0, p.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "sum.npy"), np.full((2, 3), 2))


@pytest.mark.slow
def test_onnx_on_simulated_trtx_is_labelled(files: Path, onnx_file: Path, tmp_path: Path) -> None:
    """An ONNX file on the TensorRT-RTX executor: the label says what ran, whichever way simulation was asked for."""
    pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')
    ins = ["-i", f"x={files / 'x.npy'}", "-i", f"y={files / 'y.npy'}"]
    cache = {"WEBNN_CACHE_DIR": str(tmp_path / "cache")}
    runs = {
        "flag": (["-b", "trtx", "--simulate"], cache),
        "env": ([], {**cache, "WEBNN_BACKEND": "trtx", "WEBNN_TRTX_SIMULATE": "1"}),
    }
    for how, (extra, env) in runs.items():
        out = tmp_path / how
        p = webnn_cli("run", str(onnx_file), *extra, *ins, "-d", str(out), env=env)
        assert p.returncode == 0, p.stderr
        assert "backend: trtx (simulated)" in p.stdout, (how, p.stdout)
        x = np.arange(6, dtype=np.float32).reshape(2, 3)
        np.testing.assert_array_equal(np.load(out / "sum.npy"), x + 1)
        np.testing.assert_array_equal(np.load(out / "scaled.npy"), x * 2)
