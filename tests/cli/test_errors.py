"""User errors, unavailable backends and ``--debug``: one line on stderr and the documented exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ._util import one_line_error, webnn_cli


@pytest.mark.slow
def test_user_errors(files: Path, tmp_path: Path) -> None:
    g = str(files / "g.webnn")
    one_line_error(webnn_cli("run", str(tmp_path / "missing.webnn")), 2, "missing.webnn", "no such file")
    one_line_error(webnn_cli("run", g, "-i", f"nope={files / 'x.npy'}", "-i", f"x={files / 'x.npy'}"), 2, "unknown input 'nope'", "x: float32[2, 3]")
    one_line_error(webnn_cli("run", g, "-i", f"x={files / 'x.npy'}"), 2, "missing input 'y'", "--zeros")
    one_line_error(webnn_cli("run", g, "-i", f"x={files / 'x64.npy'}", "-i", f"y={files / 'y.npy'}"), 2, "dtype float64")
    one_line_error(webnn_cli("run", g, "-i", "x=absent.npy"), 2, "absent.npy: no such file")
    one_line_error(webnn_cli("run", g, "-i", "x"), 2, "--input x")
    one_line_error(webnn_cli("run", g, "--backend", "cuda"), 2, "unknown backend 'cuda'")
    one_line_error(webnn_cli("run"), 2, "MODEL")
    one_line_error(webnn_cli("frobnicate"), 2, "invalid choice")
    one_line_error(webnn_cli("convert", str(files / "x.npy"), "--to", "onnx", "-o", str(tmp_path / "o.onnx")), 2, "not a saved webnn graph")
    one_line_error(webnn_cli("bench", g, "-n", "0"), 2, "--iterations")
    assert webnn_cli("convert", g, "--to", "onnx", "-o", str(tmp_path / "g.onnx")).returncode == 0
    one_line_error(webnn_cli("run", str(tmp_path / "g.onnx"), "--backend", "coreml", "--zeros"), 2, "CoreML cannot run ONNX files")
    if sys.platform != "darwin":
        one_line_error(webnn_cli("run", g, "--backend", "coreml", "--zeros"), 3, "coreml", "needs macOS")


@pytest.mark.slow
def test_requested_backend_unavailable(files: Path) -> None:
    from webnn import devices

    if devices.detect().gpus:
        pytest.skip("this machine has an NVIDIA GPU")
    one_line_error(webnn_cli("run", str(files / "g.webnn"), "--backend", "trtx", "--zeros"), 3, "trtx", "cannot be used")


@pytest.mark.slow
def test_debug_shows_traceback(tmp_path: Path) -> None:
    p = webnn_cli("--debug", "convert", str(tmp_path / "absent"), "--to", "onnx", "-o", str(tmp_path / "o"))
    assert p.returncode == 2 and "webnn: error" in p.stderr
    p = webnn_cli("run", "--debug", str(tmp_path))
    assert p.returncode == 2 and "is a directory" in p.stderr
    (tmp_path / "junk.webnn").write_bytes(b"PK\x03\x04 not really a zip")
    p = webnn_cli("--debug", "convert", str(tmp_path / "junk.webnn"), "--to", "onnx", "-o", str(tmp_path / "o"))
    assert p.returncode == 2 and "Traceback" in p.stderr
