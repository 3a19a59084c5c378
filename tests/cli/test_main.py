"""The command line as a whole: help, version, progress display."""

from __future__ import annotations

import pytest

import webnn

from ._util import webnn_cli


@pytest.mark.slow
def test_help_and_version() -> None:
    p = webnn_cli("--help")
    assert p.returncode == 0
    for cmd in ("info", "convert", "run", "bench", "cache", "demo"):
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
