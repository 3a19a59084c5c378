"""Where webnn keeps caches (TensorRT-RTX engines, runtime caches, ...), shared by every module.

The directory is ``$WEBNN_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/webnn``, else
``~/.cache/webnn``. :func:`ensure_cache_dir` creates it (or a sub-directory) and drops a
marker file in it; :func:`clear_cache` empties only a directory carrying that marker, so
pointing ``WEBNN_CACHE_DIR`` at a directory with other content never loses files (only the
sub-directories webnn creates, such as ``trtx/``, are removed there).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

MARKER = ".webnn-cache"

__all__ = ["cache_dir", "ensure_cache_dir", "dir_usage", "cache_info", "clear_cache", "MARKER"]


def cache_dir(sub: str | None = None) -> Path:
    """The cache directory (or ``sub`` inside it); not created."""
    env = os.environ.get("WEBNN_CACHE_DIR")
    if env:
        base = Path(env).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "webnn"
    return base / sub if sub else base


def ensure_cache_dir(sub: str | None = None) -> Path:
    """Create the cache directory (and ``sub``) if needed and return it."""
    base = cache_dir()
    base.mkdir(parents=True, exist_ok=True)
    marker = base / MARKER
    if not marker.exists():
        try:
            marker.write_text("This directory holds webnn caches; `webnn cache clear` empties it.\n")
        except OSError:
            pass
    path = base / sub if sub else base
    path.mkdir(parents=True, exist_ok=True)
    return path


def dir_usage(path: Path) -> tuple[int, int]:
    """(bytes, files) under ``path``; (0, 0) if it does not exist."""
    total = files = 0
    if not path.is_dir():
        return 0, 0
    for root, _dirs, names in os.walk(path):
        for n in names:
            if n == MARKER:
                continue
            try:
                total += os.lstat(os.path.join(root, n)).st_size
                files += 1
            except OSError:
                pass
    return total, files


def cache_info() -> dict:
    """``{"dir", "exists", "bytes", "files", "entries": {name: bytes}}`` for the cache directory."""
    base = cache_dir()
    size, files = dir_usage(base)
    entries = {}
    if base.is_dir():
        for child in sorted(base.iterdir()):
            if child.name == MARKER:
                continue
            entries[child.name] = dir_usage(child)[0] if child.is_dir() else child.stat().st_size
    return {"dir": str(base), "exists": base.is_dir(), "bytes": size, "files": files, "entries": entries}


#: Entries webnn itself creates in the cache directory (deleted even without the marker).
KNOWN_ENTRIES = ("trtx", "coreml", "onnx", "engines")


def clear_cache() -> dict:
    """Empty the cache directory; returns ``{"dir", "removed_bytes", "removed_files", "kept"}``.

    With the marker file (written by :func:`ensure_cache_dir`) everything goes. Without it,
    only the entries webnn creates (:data:`KNOWN_ENTRIES`) are deleted and anything else is
    left alone and listed in ``kept``, so pointing ``WEBNN_CACHE_DIR`` at a directory with
    other files never loses them.
    """
    base = cache_dir()
    result: dict[str, Any] = {"dir": str(base), "removed_bytes": 0, "removed_files": 0, "kept": []}
    if not base.is_dir():
        return result
    ours = (base / MARKER).exists()
    for c in sorted(base.iterdir()):
        if c.name == MARKER:
            continue
        if not ours and c.name not in KNOWN_ENTRIES:
            result["kept"].append(c.name)
            continue
        if c.is_dir() and not c.is_symlink():
            size, files = dir_usage(c)
            shutil.rmtree(c, ignore_errors=True)
        else:
            size, files = c.lstat().st_size, 1
            c.unlink()
        result["removed_bytes"] += size
        result["removed_files"] += files
    return result
