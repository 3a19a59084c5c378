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
    onnx_path = str(tmp_path / "g.onnx")
    # An ONNX file goes through the importer, so it reaches CoreML as a saved graph does (macOS only);
    # only --executor hands it as it is to a backend's ONNX executor, which CoreML does not have.
    one_line_error(webnn_cli("run", onnx_path, "--executor", "--backend", "coreml", "--zeros"), 2, "CoreML has no ONNX executor", "drop --executor")
    if sys.platform != "darwin":
        for model in (g, onnx_path):
            one_line_error(webnn_cli("run", model, "--backend", "coreml", "--zeros"), 3, "coreml", "needs macOS")


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


def test_hostile_inputs_are_user_errors_and_never_hang(files: Path, tmp_path: Path) -> None:
    """Issue 11, item 12: every user error exits 2 with one line; FIFOs and stdin are refused, not read."""
    import json
    import os
    import zipfile

    import onnx
    from onnx import TensorProto, helper

    g = str(files / "g.webnn")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args in (["run", str(fifo)], ["bench", str(fifo)], ["convert", str(fifo), "--to", "onnx", "-o", str(tmp_path / "o.onnx")]):
        one_line_error(webnn_cli(*args), 2, "FIFO", "expected a regular file")
    one_line_error(webnn_cli("run", g, "-i", f"x={fifo}", "--zeros"), 2, "--input x", "FIFO")
    one_line_error(webnn_cli("run", g, "-i", str(fifo), "--zeros"), 2, "--input", "FIFO")
    with zipfile.ZipFile(files / "g.webnn") as z:
        structure, weights = json.loads(z.read("graph.json")), z.read("weights.bin")
    structure.pop("operands")
    for name, text in (("noops.webnn", json.dumps(structure)), ("deep.webnn", "[" * 100_000)):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr("graph.json", text)
            z.writestr("weights.bin", weights)
        one_line_error(webnn_cli("run", str(tmp_path / name), "--zeros"), 2, name)
        one_line_error(webnn_cli("convert", str(tmp_path / name), "--to", "onnx", "-o", str(tmp_path / "o.onnx")), 2, name)
    for name, vi in (
        ("undef.onnx", helper.make_tensor_value_info("a", TensorProto.UNDEFINED, [2])),
        ("seq.onnx", helper.make_tensor_sequence_value_info("a", TensorProto.FLOAT, [2])),
    ):
        out = helper.make_tensor_value_info("b", TensorProto.FLOAT, [2])
        onnx.save(helper.make_model(helper.make_graph([helper.make_node("Identity", ["a"], ["b"])], "g", [vi], [out])), tmp_path / name)
        p = webnn_cli("run", str(tmp_path / name), "--zeros")
        one_line_error(p, 2, "ONNX model 'g'", "cannot be expressed in WebNN")
        assert "graph input 'a'" in p.stderr  # the importer's list names the input and why
    (tmp_path / "afile").write_text("x")
    one_line_error(webnn_cli("run", g, "--zeros", "-d", str(tmp_path / "afile")), 2, "afile")
    one_line_error(webnn_cli("run", g, "--zeros", "-d", str(tmp_path / "afile" / "sub")), 2, "Not a directory")
    one_line_error(webnn_cli("run", g, "--zeros", "-O", "=3"), 2, "--option '=3'")
    one_line_error(webnn_cli("run", g, "--zeros", "-O", "intra_op_thread=2"), 2, "unknown option 'intra_op_thread'")
    one_line_error(webnn_cli("run", g, "--zeros", "-O", "intra_op_threads=abc"), 2, "option 'intra_op_threads'")
