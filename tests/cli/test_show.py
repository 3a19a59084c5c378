"""``webnn show``: pictures from the command line, and the HTML page in a real headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ._chromium import Page, find_chromium
from ._util import one_line_error, webnn_cli

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz; .ci/run installs it)")


@needs_dot
def test_show_svg_and_json(files: Path, tmp_path: Path) -> None:
    p = webnn_cli("show", str(files / "g.webnn"), "-o", str(tmp_path / "g.svg"))
    assert p.returncode == 0, p.stderr
    assert "wrote" in p.stdout and "2 operations" in p.stdout
    svg = (tmp_path / "g.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "add" in svg and "mul" in svg and "float32[2, 3]" in svg
    p = webnn_cli("show", str(files / "g.webnn"), "-o", str(tmp_path / "g.html"), "--backend", "onnxruntime", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["format"] == "html" and r["drawing"] and r["summary"]["backend"] == "onnxruntime" and r["operations"] == 2


def test_show_without_dot(files: Path, tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path)}  # a PATH without Graphviz
    p = webnn_cli("show", str(files / "g.webnn"), "-o", str(tmp_path / "g.svg"), env=env)
    one_line_error(p, 3, "needs Graphviz's `dot`", "apt-get install graphviz", ".html")
    p = webnn_cli("show", str(files / "g.webnn"), "-o", str(tmp_path / "g.html"), env=env)
    assert p.returncode == 0, p.stderr
    assert "warning: Graphviz's dot is not installed" in p.stderr
    assert 'id="webnn-op-count">2</span> operations' in (tmp_path / "g.html").read_text()
    one_line_error(webnn_cli("show", str(files / "g.webnn"), "-o", str(tmp_path / "g.jpeg")), 2, "suffix picks the format")


def _chromium() -> str:
    exe = find_chromium()
    if exe is None and shutil.which("apt-get") and hasattr(sys, "getuid") and __import__("os").getuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], capture_output=True, check=False, timeout=600)
        exe = find_chromium()
    if exe is None:
        pytest.skip("headless Chromium cannot be installed here (Debian: apt-get install chromium; .ci/run installs it)")
    return exe


def test_html_page_in_headless_chromium(files: Path, tmp_path: Path) -> None:
    """The page renders (the drawing has a size), has no console errors, shows the op count, and its filter works."""
    exe = _chromium()
    page_file = tmp_path / "g.html"
    p = webnn_cli("show", str(files / "g.webnn"), "-o", str(page_file), "--backend", "onnxruntime")
    assert p.returncode == 0, p.stderr
    control = tmp_path / "broken.html"
    control.write_text("<!DOCTYPE html><html><body><script>console.error('x'); undefinedName();</script></body></html>")
    with Page(exe) as page:
        page.open(control)  # the check sees errors when there are some
        assert len(page.problems()) == 2, page.problems()
        page.events.clear()
        page.open(page_file)
        assert page.evaluate("document.getElementById('webnn-op-count').textContent") == "2"
        assert "2 operations" in page.evaluate("document.querySelector('h1').textContent")
        drawn = page.evaluate(
            "(() => { const s = document.querySelector('.drawing svg'); const b = s.getBoundingClientRect();"
            " return [b.width, b.height, s.querySelectorAll('g.node').length]; })()"
        )
        if shutil.which("dot"):
            assert drawn[0] > 50 and drawn[1] > 50 and drawn[2] == 2 + 2 + 1 + 2  # 2 inputs, 2 ops, 1 constant, 2 outputs
        shown = page.evaluate(
            "(() => { const b = document.getElementById('webnn-filter'); b.value = 'mul'; b.dispatchEvent(new Event('input'));"
            " return document.getElementById('webnn-shown').textContent; })()"
        )
        assert shown == "1"
        assert page.problems() == []
