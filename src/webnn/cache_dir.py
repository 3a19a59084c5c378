"""Where webnn keeps caches (TensorRT-RTX engines, runtime caches, ...), and what it trusts there.

The directory is ``$WEBNN_CACHE_DIR`` if set, else the platform's user cache folder from
:mod:`platformdirs` (Linux: ``$XDG_CACHE_HOME/webnn``, else ``~/.cache/webnn``; macOS:
``~/Library/Caches/webnn``; Windows: ``%LOCALAPPDATA%\\webnn\\Cache``). What webnn trusts
(docs/caching.md):

- :func:`trust_problem` is the one check, called by whatever computes or uses a cache
  location: the directory (after resolving a symlink to it) and the sub-directories webnn
  uses in it must be real directories owned by the current user and not writable by group
  or others, and every directory above it must be owned by the current user or root and
  not writable by group or others unless it has the sticky bit (what ssh requires of
  ``~/.ssh``). :func:`usable_cache_dir` warns once per directory (naming it and the fix)
  when the check fails; callers then build without caching.
- :func:`ensure_cache_dir` creates missing directories private (0700) and a marker file.
- :func:`secret_key` is a per-user random key (``.webnn-key``, mode 0600) that cache entries
  are authenticated with (HMAC-SHA256), so an entry someone else wrote, with a checksum
  anyone can recompute, does not verify.
- :func:`clear_cache` deletes only entries webnn wrote, as each kind's owner verifies them
  (the engine cache: a webnn key name and a header that verifies; the demo weights: files
  matching their pinned SHA-256), in real directories, never through a symlink; everything
  else is left alone and listed in ``kept``.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import platformdirs

MARKER = ".webnn-cache"
#: The per-user secret cache entries are authenticated with (in the cache directory, mode 0600).
KEY_FILE = ".webnn-key"
KEY_BYTES = 32
#: What :func:`ensure_cache_dir` writes into the marker file.
_MARKER_TEXT = "This directory holds webnn caches; `webnn cache clear` empties what webnn wrote here.\n"
_FIX = "set WEBNN_CACHE_DIR to a private directory (mode 0700) of yours"

__all__ = [
    "cache_dir",
    "ensure_cache_dir",
    "trust_problem",
    "usable_cache_dir",
    "secret_key",
    "dir_usage",
    "cache_info",
    "clear_cache",
    "UntrustedCacheWarning",
    "MARKER",
    "KEY_FILE",
]


class UntrustedCacheWarning(UserWarning):
    """A cache directory others could write to (or that is not the user's) is not used."""


def cache_dir(sub: str | None = None) -> Path:
    """The cache directory (or ``sub`` inside it); not created."""
    env = os.environ.get("WEBNN_CACHE_DIR")
    if env:
        base = Path(env).expanduser()
    else:
        # Linux: $XDG_CACHE_HOME/webnn or ~/.cache/webnn; macOS: ~/Library/Caches/webnn;
        # Windows: %LOCALAPPDATA%\webnn\Cache.
        base = Path(platformdirs.user_cache_dir("webnn", appauthor=False))
    return base / sub if sub else base


# -- trust --------------------------------------------------------------------------------------


def current_uid() -> int | None:
    """The user whose caches these are (None where the platform has no user ids: no checks)."""
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else None


def _mode(st: os.stat_result) -> str:
    return f"{stat.S_IMODE(st.st_mode):04o}"


def _own_dir_problem(path: Path, st: os.stat_result, uid: int) -> str | None:
    if st.st_uid != uid:
        return f"{path} is owned by uid {st.st_uid}, not by you (uid {uid}); {_FIX}"
    if st.st_mode & 0o022:
        return f"{path} is writable by group/others (mode {_mode(st)}); run `chmod go-w {path}` or {_FIX}"
    return None


def _examine(stat_fn: Callable[[Path], os.stat_result], path: Path, what: str = "") -> tuple[os.stat_result | None, str | None]:
    """``stat_fn(path)`` (``os.stat`` or ``os.lstat``), None where ``path`` does not exist; or
    why it cannot be examined (``what`` names it, default the path)."""
    try:
        return stat_fn(path), None
    except FileNotFoundError:
        return None, None
    except OSError as e:
        return None, f"{what or path} cannot be examined ({e.strerror}); {_FIX}"


def trust_problem(path: str | os.PathLike, subs: Sequence[str] = ()) -> str | None:
    """Why the cache directory ``path`` (with webnn's sub-directories ``subs`` in it, where they
    exist) must not be used; None when it may. A ``path`` that does not exist yet is judged by
    its existing ancestors (those :func:`ensure_cache_dir` would create are made private)."""
    uid = current_uid()
    if uid is None:  # pragma: no cover - Windows: no POSIX ownership to check
        return None
    p = Path(os.path.realpath(os.path.expanduser(os.fspath(path))))
    st, problem = _examine(os.stat, p)
    if problem:
        return problem
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            return f"{p} is not a directory; {_FIX}"
        problem = _own_dir_problem(p, st, uid)
        if problem:
            return problem
        key = p / KEY_FILE
        kst, problem = _examine(os.lstat, key)
        if problem:
            return problem
        if kst is not None and (not stat.S_ISREG(kst.st_mode) or kst.st_uid != uid or kst.st_mode & 0o077 or kst.st_size != KEY_BYTES):
            return (
                f"{key} (the key cache entries are authenticated with) is not a private {KEY_BYTES}-byte file of yours "
                f"(mode {_mode(kst)}, uid {kst.st_uid}); delete it (webnn makes a new one) or {_FIX}"
            )
        for sub in subs:
            q = p / sub
            sst, problem = _examine(os.lstat, q)
            if problem:
                return problem
            if sst is None:
                continue
            if stat.S_ISLNK(sst.st_mode):
                return f"{q} is a symbolic link; webnn keeps its cache entries in real directories only (remove the link or {_FIX})"
            if not stat.S_ISDIR(sst.st_mode):
                return f"{q} is not a directory (remove it or {_FIX})"
            problem = _own_dir_problem(q, sst, uid)
            if problem:
                return problem
    for parent in p.parents:
        pst, problem = _examine(os.stat, parent, f"{parent} (above the cache directory {p})")
        if problem:
            return problem
        if pst is None:
            continue  # created private by ensure_cache_dir
        if pst.st_uid not in (uid, 0):
            return f"{parent} (above the cache directory {p}) is owned by uid {pst.st_uid}, who could replace the cache; {_FIX}"
        if pst.st_mode & 0o022 and not pst.st_mode & stat.S_ISVTX:
            return (
                f"{parent} (above the cache directory {p}) is writable by group/others without the sticky bit "
                f"(mode {_mode(pst)}), so others could replace the cache; run `chmod go-w {parent}` or {_FIX}"
            )
    return None


_warned: set[str] = set()
_warn_lock = threading.Lock()


def usable_cache_dir(path: str | os.PathLike, subs: Sequence[str] = ()) -> bool:
    """Whether the cache directory ``path`` passes :func:`trust_problem`; when it does not, one
    :class:`UntrustedCacheWarning` per problem and process names the path and the fix."""
    problem = trust_problem(path, subs)
    if problem is None:
        return True
    with _warn_lock:
        first = problem not in _warned
        _warned.add(problem)
    if first:
        warnings.warn(f"webnn: not using the cache: {problem}; building without the cache", UntrustedCacheWarning, stacklevel=3)
    return False


def _make_private(path: Path) -> None:
    """Create ``path`` and its missing parents, each 0700 (whatever the umask)."""
    missing = []
    p = path
    while not os.path.lexists(p):
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            continue  # made meanwhile by another process: judged by trust_problem
        os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask


def ensure_cache_dir(sub: str | None = None, root: str | os.PathLike | None = None) -> Path | None:
    """Create the cache directory ``root`` (default :func:`cache_dir`) and ``sub`` in it if needed
    (private, 0700) and return the path; None (after one warning) when the directory is not
    trusted (:func:`usable_cache_dir`). Raises OSError when it cannot be created."""
    base = Path(root).expanduser() if root is not None else cache_dir()
    subs = _sub_chain(sub)
    if not usable_cache_dir(base, subs):
        return None
    _make_private(base)
    marker = base / MARKER
    if not os.path.lexists(marker):
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(_MARKER_TEXT)
        except OSError:
            pass
    path = base / sub if sub else base
    _make_private(path)
    if not usable_cache_dir(base, subs):  # what existed before, or appeared meanwhile
        return None
    return path


def _sub_chain(sub: str | None) -> tuple[str, ...]:
    """``"trtx/locks"`` -> ``("trtx", "trtx/locks")``: every webnn directory on the way."""
    if not sub:
        return ()
    parts = Path(sub).parts
    return tuple(str(Path(*parts[: i + 1])) for i in range(len(parts)))


def secret_key(root: str | os.PathLike, *, create: bool = True) -> bytes | None:
    """The per-user key cache entries in ``root`` are authenticated with; made on first use
    (``create``) with 32 random bytes, mode 0600. None when there is none (and ``create`` is
    False) or the file is not trustworthy (not a regular file of the user's, readable by others,
    wrong size): entries then never verify. ``root`` must be a trusted directory."""
    path = Path(root).expanduser() / KEY_FILE
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    for _attempt in range(50):
        try:
            fd = os.open(path, os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            if not create:
                return None
            if _write_key(path):
                continue
            return None
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            uid = current_uid()
            if not stat.S_ISREG(st.st_mode) or (uid is not None and (st.st_uid != uid or st.st_mode & 0o077)):
                return None
            data = os.read(fd, KEY_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) == KEY_BYTES:
            return data
        return None
    return None  # pragma: no cover - the key file kept disappearing


def _write_key(path: Path) -> bool:
    """Publish a new key atomically (temporary file, then a hard link that fails if one exists)."""
    tmp = path.with_name(f"{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process published its key first: use that one
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            os.rename(tmp, path)  # no hard links on this file system (rare): last writer wins
        return True
    except OSError:
        return False
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


# -- reports and clearing -----------------------------------------------------------------------


def dir_usage(path: Path) -> tuple[int, int]:
    """(bytes, files) under ``path`` (symbolic links not followed); (0, 0) if it does not exist."""
    total = files = 0
    if not path.is_dir():
        return 0, 0
    for root, _dirs, names in os.walk(path):
        for n in names:
            if n in (MARKER, KEY_FILE):
                continue
            try:
                total += os.lstat(os.path.join(root, n)).st_size
                files += 1
            except OSError:
                pass
    return total, files


def cache_info() -> dict:
    """``{"dir", "exists", "bytes", "files", "entries": {name: bytes}, "trusted", "problem"}`` for the cache directory."""
    base = cache_dir()
    size, files = dir_usage(base)
    entries = {}
    if base.is_dir():
        for child in sorted(base.iterdir()):
            if child.name in (MARKER, KEY_FILE):
                continue
            try:
                entries[child.name] = dir_usage(child)[0] if child.is_dir() and not child.is_symlink() else child.lstat().st_size
            except OSError:
                continue
    problem = trust_problem(base)
    return {"dir": str(base), "exists": base.is_dir(), "bytes": size, "files": files, "entries": entries, "trusted": problem is None, "problem": problem}


#: Sub-directories webnn creates in the cache directory (removed by :func:`clear_cache` once empty).
WEBNN_DIRS = ("trtx/locks", "trtx", "models")


def clear_cache(clearers: Sequence[Callable[[Path], int]]) -> dict:
    """Delete the cache entries webnn wrote; returns ``{"dir", "removed_bytes", "removed_files",
    "removed_entries", "kept", "refused"}``.

    Each of ``clearers`` removes, from the cache directory it is given, the entries of one kind
    that its owner verifies as its own (``webnn cache clear`` passes the TensorRT-RTX engine
    cache's and the demo weights'), returning how many it removed; then webnn's sub-directories
    go once empty. Anything else
    is left alone and listed in ``kept``. A directory that fails :func:`trust_problem` is not
    touched (``refused`` says why).
    """
    base = cache_dir()
    result: dict[str, Any] = {"dir": str(base), "removed_bytes": 0, "removed_files": 0, "removed_entries": 0, "kept": [], "refused": None}
    if not base.is_dir():
        return result
    problem = trust_problem(base, _sub_chain("trtx/locks"))
    if problem is not None:
        result["refused"] = problem
        return result
    before = dir_usage(base)
    result["removed_entries"] = sum(clear(base) for clear in clearers)
    for sub in WEBNN_DIRS:
        d = base / sub
        if d.is_dir() and not d.is_symlink():
            try:
                d.rmdir()  # only when empty: what is left there was not written by webnn
            except OSError:
                pass
    after = dir_usage(base)
    result["removed_bytes"], result["removed_files"] = before[0] - after[0], before[1] - after[1]
    result["kept"] = _kept(base)
    return result


def _kept(base: Path) -> list[str]:
    """Paths (relative to ``base``) of what is left after clearing, webnn's own files excepted."""
    out = []
    for root, dirs, names in os.walk(base):
        rel = Path(root).relative_to(base)
        for n in sorted(names) + sorted(d for d in dirs if os.path.islink(os.path.join(root, d))):
            if rel == Path(".") and n in (MARKER, KEY_FILE):
                continue
            out.append(str(rel / n) if rel != Path(".") else n)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
        if len(out) > 1000:
            break
    return sorted(out)

