"""The command line as a whole: help, version, progress display."""

from __future__ import annotations

from pathlib import Path

import pytest

import webnn

from ._util import one_line_error, webnn_cli


@pytest.mark.slow
def test_help_and_version() -> None:
    p = webnn_cli("--help")
    assert p.returncode == 0
    for cmd in ("info", "convert", "run", "bench", "show", "cache", "demo"):
        assert cmd in p.stdout
    p = webnn_cli("run", "--help")
    assert p.returncode == 0 and "--input" in p.stdout and "--output-dir" in p.stdout
    p = webnn_cli("--version")
    assert p.returncode == 0 and webnn.__version__ in p.stdout


def test_progress_bar_on_a_terminal() -> None:
    import io

    from webnn.cli import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    s = Tty()
    p = Progress(10, "bench", stream=s)
    for _ in range(10):
        p.update()
    p.close()
    assert "\rbench [" in s.getvalue() and "10/10" in s.getvalue()
    plain = io.StringIO()
    p = Progress(8, "bench", stream=plain)
    for _ in range(8):
        p.update()
    assert plain.getvalue().splitlines() == ["bench: 2/8", "bench: 4/8", "bench: 6/8", "bench: 8/8"]


def test_every_help_shows_an_example() -> None:
    from webnn import cli

    parser = cli.build_parser()
    assert "examples:" in parser.format_help()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        text = p.format_help()
        assert "examples:" in text and f"webnn {name}" in text.split("examples:")[1], name
        for flag in ("-v, --verbose", "-q, --quiet"):
            assert flag in text, (name, flag)


def test_log_levels_and_build_steps_when_piped(files: Path) -> None:
    g = str(files / "g.webnn")
    p = webnn_cli("run", g, "--zeros")  # stderr is a pipe here
    assert p.returncode == 0, p.stderr
    assert "building graph for onnxruntime ..." in p.stderr and "building graph for onnxruntime: done in" in p.stderr
    assert "built 2 operations" not in p.stderr  # a debug line
    p = webnn_cli("run", g, "--zeros", "-v")
    assert p.returncode == 0 and "webnn: built 2 operations for onnxruntime" in p.stderr
    p = webnn_cli("-q", "run", g, "--zeros")  # before or after the command
    assert p.returncode == 0 and p.stderr == "" and "output sum" in p.stdout
    one_line_error(webnn_cli("run", g, "--zeros", "-v", "--quiet"), 2, "contradict")


def test_library_log_records_reach_stderr_at_the_cli_level(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from webnn.cli._log import configured

    trtx = logging.getLogger("webnn.trtx")
    for (verbose, quiet), shown in {(0, False): ["info"], (1, False): ["debug", "info"], (0, True): []}.items():
        with configured(verbose, quiet):
            trtx.debug("debug line")
            trtx.info("info line")
            trtx.warning("a warning")
        err = capsys.readouterr().err
        assert [w for w in ("debug", "info") if f"webnn: {w} line" in err] == shown
        assert "webnn: warning: a warning" in err
    trtx.info("after the command")  # the CLI's handler is gone again
    assert "after the command" not in capsys.readouterr().err


def test_messages_name_cli_flags() -> None:
    from webnn.cli._errors import cli_words

    lib = [
        "webnn: trtx cannot build this graph (x); it runs on onnxruntime instead (graph.backend == 'onnxruntime'; MLContext(strict=True) raises instead)",
        "backend 'trtx' was requested (backend= argument) but cannot be used here: no GPU (simulate=True or WEBNN_TRTX_SIMULATE=1 runs the real engine build)",
        "give it with input_shapes={'x': [...]} or dims={'batch': N}",
    ]
    cli = [cli_words(m) for m in lib]
    assert cli[0].endswith("(--strict fails instead)")
    assert "(--backend)" in cli[1] and "--simulate or WEBNN_TRTX_SIMULATE=1" in cli[1]
    assert cli[2] == "give it with --input-shape x=D0,D1,... or --dim batch=N"
    for m in cli:
        assert "=True" not in m and "backend=" not in m and "input_shapes" not in m


def test_cli_flags_in_a_real_message(files: Path) -> None:
    from webnn import devices

    if devices.detect().gpus:
        pytest.skip("this machine has an NVIDIA GPU: TensorRT-RTX is usable, so there is no refusal to read")
    p = webnn_cli("run", str(files / "g.webnn"), "--backend", "trtx", "--zeros")
    assert p.returncode == 3
    assert "--backend" in p.stderr and "backend=" not in p.stderr and "simulate=True" not in p.stderr
