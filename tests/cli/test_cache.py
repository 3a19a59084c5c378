"""``webnn cache`` and the cache directory it reports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ._util import webnn_cli


@pytest.mark.slow
def test_cache_info_and_clear(tmp_path: Path) -> None:
    env = {"WEBNN_CACHE_DIR": str(tmp_path / "cache")}
    p = webnn_cli("cache", "info", "--json", env=env)
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["dir"] == str(tmp_path / "cache") and info["bytes"] == 0
    from webnn import cache_dir

    os.environ["WEBNN_CACHE_DIR"] = env["WEBNN_CACHE_DIR"]
    try:
        (cache_dir.ensure_cache_dir("engines") / "a.engine").write_bytes(b"x" * 1000)
    finally:
        del os.environ["WEBNN_CACHE_DIR"]
    p = webnn_cli("cache", "info", env=env)
    assert p.returncode == 0 and "1000 B" in p.stdout and "engines" in p.stdout
    p = webnn_cli("cache", "clear", env=env)
    assert p.returncode == 0 and "cleared" in p.stdout
    assert not (tmp_path / "cache" / "engines").exists()
    # In a directory without the marker only webnn's own entries go.
    other = tmp_path / "home"
    (other / "trtx" / "locks").mkdir(parents=True)
    (other / "trtx" / "k.engine").write_bytes(b"e" * 10)
    (other / "precious.txt").write_text("keep")
    p = webnn_cli("cache", "clear", env={"WEBNN_CACHE_DIR": str(other)})
    assert p.returncode == 0, p.stderr
    assert "kept precious.txt" in p.stdout
    assert (other / "precious.txt").exists() and not (other / "trtx").exists()


def test_cache_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from webnn import cache_dir

    monkeypatch.delenv("WEBNN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir.cache_dir() == tmp_path / "xdg" / "webnn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir.cache_dir("trtx") == tmp_path / ".cache" / "webnn" / "trtx"
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path / "w"))
    assert cache_dir.cache_dir() == tmp_path / "w"
