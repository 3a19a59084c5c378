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
    from webnn.backends.trtx.cache import EngineCache

    key = "ab" * 32
    EngineCache(tmp_path / "cache").store(key, "engine", b"x" * 1000, {"label": "m"})
    (tmp_path / "cache" / "engines").mkdir()
    (tmp_path / "cache" / "engines" / "a.engine").write_bytes(b"y" * 10)  # not webnn's
    p = webnn_cli("cache", "info", env=env)
    assert p.returncode == 0 and "trtx" in p.stdout and "engines" in p.stdout, p.stdout
    p = webnn_cli("cache", "clear", env=env)
    assert p.returncode == 0 and "cleared" in p.stdout, p.stderr
    assert "entries removed (TensorRT-RTX engines, demo weight files): 1" in p.stdout and "kept engines/a.engine" in p.stdout
    assert not (tmp_path / "cache" / "trtx").exists()
    assert (tmp_path / "cache" / "engines" / "a.engine").read_bytes() == b"y" * 10
    # A directory others can write is not touched: exit 2, one line naming it and the fix.
    shared = tmp_path / "shared"
    EngineCache(shared).store(key, "engine", b"x", {})
    os.chmod(shared, 0o777)
    p = webnn_cli("cache", "clear", env={"WEBNN_CACHE_DIR": str(shared)})
    assert p.returncode == 2 and "writable by group/others" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert (shared / "trtx" / f"{key}.engine").exists()


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
