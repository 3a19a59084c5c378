"""Helpers of the CLI tests: ``python -m webnn`` in a subprocess, and the one-line error check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def webnn_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e["PYTHONPATH"] = SRC + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("WEBNN_BACKEND", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "webnn", *args], capture_output=True, text=True, cwd=cwd, env=e, timeout=120)


def one_line_error(p: subprocess.CompletedProcess, rc: int, *words: str) -> None:
    assert p.returncode == rc, (p.returncode, p.stdout, p.stderr)
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("webnn: error")]
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr
    for w in words:
        assert w in lines[0], lines[0]
