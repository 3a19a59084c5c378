"""On-disk cache of TensorRT-RTX engines and runtime (JIT) caches, verified before every use.

Layout: ``<cache dir>/trtx/<key>.engine`` and ``<key>.rtcache`` (the runtime cache built
by the JIT phase on a GPU), lock files in ``trtx/locks/``. ``<cache dir>`` is the
``cache_dir`` option, else ``$WEBNN_CACHE_DIR``, else ``$XDG_CACHE_HOME/webnn``, else
``~/.cache/webnn``; directories are created private (0700).

Every file is ``header | metadata (JSON) | payload``; the header holds a magic string, the
format version, the metadata and payload lengths and a SHA-256 over metadata + payload.
The metadata names the kind, the key and the TensorRT-RTX version. A file that is
truncated, altered, of another format version or another TensorRT-RTX version is
discarded (and rebuilt by the caller), never handed to TensorRT.

Writes go to a temporary file in the same directory and are renamed into place
(atomic), and builders of one key serialise on a lock file, so several processes can
share the cache. The cache is bounded: after each write the least recently used entries
(by modification time, refreshed on every hit) are evicted until the total fits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...cache_dir import cache_dir
from .logger import log

MAGIC = b"WNNTRTX\x00"
FORMAT_VERSION = 1
_HEAD = struct.Struct("<8sIIQ32s")  # magic, format version, metadata length, payload length, sha256
HEADER_SIZE = _HEAD.size
KINDS = ("engine", "rtcache")
DEFAULT_MAX_BYTES = 2 << 30
_TMP_MAX_AGE = 3600.0


class EntryInvalid(Exception):
    """A cache file failed verification; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def default_cache_dir() -> Path:
    """``$WEBNN_CACHE_DIR``, else ``$XDG_CACHE_HOME/webnn``, else ``~/.cache/webnn``."""
    return cache_dir()


def pack(meta: dict, payload: bytes) -> bytes:
    """Serialize one entry: header + metadata + payload."""
    m = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    h = hashlib.sha256(m)
    h.update(payload)
    return _HEAD.pack(MAGIC, FORMAT_VERSION, len(m), len(payload), h.digest()) + m + payload


def unpack(blob: bytes | memoryview, *, key: str | None = None, kind: str | None = None, trt_version: str | None = None) -> tuple[dict, bytes]:
    """Verify and split one entry; raises :class:`EntryInvalid` with the reason."""
    mv = memoryview(blob)
    if len(mv) < HEADER_SIZE:
        raise EntryInvalid(f"truncated: {len(mv)} bytes, shorter than the {HEADER_SIZE}-byte header")
    magic, version, mlen, plen, digest = _HEAD.unpack_from(mv)
    if magic != MAGIC:
        raise EntryInvalid("not a webnn TensorRT-RTX cache entry (bad magic)")
    if version != FORMAT_VERSION:
        raise EntryInvalid(f"cache format version {version}, this webnn reads version {FORMAT_VERSION}")
    want = HEADER_SIZE + mlen + plen
    if len(mv) != want:
        raise EntryInvalid(f"{'truncated' if len(mv) < want else 'trailing bytes'}: {len(mv)} bytes, header says {want}")
    h = hashlib.sha256(mv[HEADER_SIZE : HEADER_SIZE + mlen])
    h.update(mv[HEADER_SIZE + mlen :])
    if h.digest() != digest:
        raise EntryInvalid("checksum mismatch (the file was altered or partly written)")
    try:
        meta = json.loads(bytes(mv[HEADER_SIZE : HEADER_SIZE + mlen]))
    except ValueError as e:
        raise EntryInvalid(f"unreadable metadata ({e})") from None
    if not isinstance(meta, dict):
        raise EntryInvalid("unreadable metadata (not an object)")
    if kind is not None and meta.get("kind") != kind:
        raise EntryInvalid(f"holds a {meta.get('kind')!r}, expected {kind!r}")
    if key is not None and meta.get("key") != key:
        raise EntryInvalid("key mismatch (file renamed or overwritten)")
    if trt_version is not None and meta.get("trt_version") != trt_version:
        raise EntryInvalid(f"built by TensorRT-RTX {meta.get('trt_version')}, this is {trt_version}")
    return meta, bytes(mv[HEADER_SIZE + mlen :])


def read_meta(path: Path) -> dict | None:
    """The metadata of a cache file without reading its payload (unverified; None if unreadable)."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_SIZE)
            if len(head) < HEADER_SIZE:
                return None
            magic, version, mlen, _plen, _ = _HEAD.unpack(head)
            if magic != MAGIC or version != FORMAT_VERSION or mlen > 1 << 24:
                return None
            meta = json.loads(f.read(mlen))
            return meta if isinstance(meta, dict) else None
    except (OSError, ValueError):
        return None


def _mkdir_private(path: Path) -> None:
    if path.is_dir():
        return
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    except OSError:
        pass


@dataclass
class Entry:
    key: str
    kind: str
    meta: dict
    payload: bytes
    path: Path
    seconds: float  # time to read and verify


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    discarded: int = 0
    evicted: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


class EngineCache:
    """Verified, bounded, multi-process-safe store of engines and runtime caches."""

    def __init__(self, root: str | os.PathLike | None = None, max_bytes: int | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self.dir = self.root / "trtx"
        env_max = os.environ.get("WEBNN_TRTX_CACHE_MAX_BYTES")
        self.max_bytes = int(max_bytes if max_bytes is not None else (env_max or DEFAULT_MAX_BYTES))
        self.stats = Stats()
        #: (key, kind, reason) of every entry this object discarded, newest last.
        self.discards: list[tuple[str, str, str]] = []
        self._tlock = threading.Lock()

    def __repr__(self) -> str:
        return f"EngineCache({str(self.dir)!r}, max_bytes={self.max_bytes})"

    # -- paths ---------------------------------------------------------------------------
    def ensure(self) -> None:
        if not self.root.is_dir():
            _mkdir_private(self.root)
            try:  # mark it as webnn's so `webnn cache clear` may empty it (webnn.cache_dir)
                (self.root / ".webnn-cache").write_text("This directory holds webnn caches; `webnn cache clear` empties it.\n")
            except OSError:
                pass
        _mkdir_private(self.dir)
        _mkdir_private(self.dir / "locks")

    def path(self, key: str, kind: str = "engine") -> Path:
        if kind not in KINDS:
            raise ValueError(f"unknown cache entry kind {kind!r}")
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"cache keys are lowercase hex digests, got {key!r}")
        return self.dir / f"{key}.{kind}"

    # -- reading -------------------------------------------------------------------------
    def load(self, key: str, kind: str = "engine", *, trt_version: str | None = None, discard_invalid: bool = True) -> Entry | None:
        """The verified entry, or None (a missing entry; an invalid one is discarded first)."""
        path = self.path(key, kind)
        start = time.perf_counter()
        try:
            with open(path, "rb") as f:
                blob = f.read()
        except (FileNotFoundError, NotADirectoryError):
            self.stats.misses += 1
            return None
        except OSError as e:
            self._discard(path, key, kind, f"unreadable ({e})", discard_invalid)
            self.stats.misses += 1
            return None
        try:
            meta, payload = unpack(blob, key=key, kind=kind, trt_version=trt_version)
        except EntryInvalid as e:
            self._discard(path, key, kind, e.reason, discard_invalid)
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        try:
            os.utime(path)  # least-recently-used bookkeeping
        except OSError:
            pass
        return Entry(key, kind, meta, payload, path, time.perf_counter() - start)

    def _discard(self, path: Path, key: str, kind: str, reason: str, remove: bool) -> None:
        with self._tlock:
            self.discards.append((key, kind, reason))
            self.stats.discarded += 1
        log.warning("webnn trtx cache: discarding %s (%s)", path.name, reason)
        if remove:
            with contextlib.suppress(OSError):
                path.unlink()

    def discard(self, key: str, kind: str | None = None, reason: str = "discarded") -> None:
        """Remove an entry (both kinds when ``kind`` is None), e.g. one the GPU found invalid."""
        for k in (kind,) if kind else KINDS:
            p = self.path(key, k)
            if p.exists():
                self._discard(p, key, k, reason, True)

    def find(self, predicate: Any, kind: str = "engine") -> list[tuple[str, dict]]:
        """(key, metadata) of entries whose (unverified) metadata satisfies ``predicate``, most recent first."""
        if not self.dir.is_dir():
            return []
        found = []
        for p in self.dir.glob(f"*.{kind}"):
            meta = read_meta(p)
            if meta is not None and predicate(meta):
                with contextlib.suppress(OSError):
                    found.append((p.stat().st_mtime, p.stem, meta))
        found.sort(key=lambda t: t[0], reverse=True)
        return [(k, m) for _, k, m in found]

    # -- writing -------------------------------------------------------------------------
    def store(self, key: str, kind: str, payload: bytes, meta: dict[str, Any]) -> Path:
        """Write an entry atomically (temp file + rename), then evict down to ``max_bytes``."""
        self.ensure()
        meta = dict(meta, key=key, kind=kind, format=FORMAT_VERSION)
        blob = pack(meta, payload)
        final = self.path(key, kind)
        tmp = self.dir / f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.stats.stores += 1
        self.evict(keep=key)
        return final

    @contextlib.contextmanager
    def lock(self, key: str, timeout: float = 600.0) -> Iterator[None]:
        """Exclusive inter-process lock for one key (builders of a key wait for each other)."""
        self.ensure()
        path = self.dir / "locks" / f"{key}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock_fd(fd, timeout)
            try:
                yield
            finally:
                _unlock_fd(fd)
        finally:
            os.close(fd)

    # -- bookkeeping ---------------------------------------------------------------------
    def _files(self) -> list[tuple[Path, os.stat_result]]:
        out: list[tuple[Path, os.stat_result]] = []
        if not self.dir.is_dir():
            return out
        for p in self.dir.iterdir():
            if p.suffix[1:] in KINDS and not p.name.startswith("."):
                with contextlib.suppress(OSError):
                    out.append((p, p.stat()))
        return out

    def evict(self, max_bytes: int | None = None, keep: str | None = None) -> list[str]:
        """Remove least-recently-used keys until the total size fits; returns the keys removed."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        now = time.time()
        if self.dir.is_dir():
            for p in self.dir.glob(".*.tmp"):  # left by a writer that died mid-write
                with contextlib.suppress(OSError):
                    if now - p.stat().st_mtime > _TMP_MAX_AGE:
                        p.unlink()
        groups: dict[str, list[tuple[Path, os.stat_result]]] = {}
        for p, st in self._files():
            groups.setdefault(p.stem, []).append((p, st))
        total = sum(st.st_size for g in groups.values() for _, st in g)
        removed = []
        for key, files in sorted(groups.items(), key=lambda kv: max(st.st_mtime for _, st in kv[1])):
            if total <= limit:
                break
            if key == keep:
                continue
            for p, st in files:
                with contextlib.suppress(OSError):
                    p.unlink()
                    total -= st.st_size
            removed.append(key)
        self.stats.evicted += len(removed)
        return removed

    def info(self) -> dict:
        """Directory, entry count, bytes used, limit and one line per key (most recent first)."""
        groups: dict[str, dict] = {}
        for p, st in self._files():
            g = groups.setdefault(p.stem, {"key": p.stem, "bytes": 0, "kinds": [], "last_used": 0.0})
            g["bytes"] += st.st_size
            g["kinds"].append(p.suffix[1:])
            g["last_used"] = max(g["last_used"], st.st_mtime)
            if p.suffix == ".engine":
                meta = read_meta(p) or {}
                g.update({k: meta.get(k) for k in ("label", "trt_version", "build_seconds", "created")})
        items = sorted(groups.values(), key=lambda g: g["last_used"], reverse=True)
        return {
            "dir": str(self.dir),
            "entries": len(items),
            "bytes": sum(g["bytes"] for g in items),
            "max_bytes": self.max_bytes,
            "items": items,
        }

    def clear(self) -> int:
        """Delete every entry (and lock/temporary file); returns the number of keys removed."""
        keys = {p.stem for p, _ in self._files()}
        for p, _ in self._files():
            with contextlib.suppress(OSError):
                p.unlink()
        if self.dir.is_dir():
            for p in list(self.dir.glob(".*.tmp")) + list((self.dir / "locks").glob("*.lock")):
                with contextlib.suppress(OSError):
                    p.unlink()
        return len(keys)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock_fd(fd: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("timed out waiting for the TensorRT-RTX cache lock") from None
                time.sleep(0.05)

    def _unlock_fd(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_fd(fd: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("timed out waiting for the TensorRT-RTX cache lock") from None
                time.sleep(0.02)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
