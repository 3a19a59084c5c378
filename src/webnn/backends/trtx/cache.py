"""On-disk cache of TensorRT-RTX engines and runtime (JIT) caches, verified before every use.

Layout: ``<cache dir>/trtx/<key>.engine`` and ``<key>.rtcache`` (the runtime cache built
by the JIT phase on a GPU), lock files in ``trtx/locks/``. ``<cache dir>`` is the
``cache_dir`` option, else :func:`webnn.cache_dir.cache_dir` (``$WEBNN_CACHE_DIR``, else the
platform's user cache folder); directories are created private (0700).

Trust (docs/caching.md): a cache directory that is not the user's, or that group/others could
write (it, webnn's sub-directories, or a directory above it: :func:`webnn.cache_dir.trust_problem`),
is neither read nor written; one warning says so and engines are built without the cache.

Every file is ``header | metadata (JSON) | payload``; the header holds a magic string, the
format version, the metadata and payload lengths and an HMAC-SHA256 over them, the metadata
and the payload, keyed with the user's secret (:func:`webnn.cache_dir.secret_key`), so an
entry someone else planted with a recomputed checksum does not verify. The metadata names the
kind, the key and the TensorRT-RTX version. A file that is truncated, altered, of another
format version or another TensorRT-RTX version is discarded (and rebuilt by the caller),
never handed to TensorRT.

Writes go to a temporary file in the same directory and are renamed into place
(atomic), and builders of one key serialise on a lock file (:mod:`filelock`, in the private
``trtx/locks``), so several processes can share the cache. The cache is bounded: after each
write the least recently used entries (by modification time, refreshed on every hit) are
evicted until the total fits. Eviction
and :meth:`EngineCache.clear` delete only files webnn wrote: a key name and a header that
verifies, in the real ``trtx/`` directory (never through a symbolic link).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import re
import stat
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock

from ... import cache_dir as _cache_dir
from ...cache_dir import cache_dir
from ...errors import ValidationError
from .logger import log

MAGIC = b"WNNTRTX\x00"
FORMAT_VERSION = 2
#: Format versions whose files webnn wrote (recognised for eviction and clearing; only
#: :data:`FORMAT_VERSION` is loaded).
KNOWN_VERSIONS = (1, 2)
_HEAD = struct.Struct("<8sIIQ32s")  # magic, format version, metadata length, payload length, HMAC-SHA256
_HEAD_FIELDS = struct.Struct("<8sIIQ")
HEADER_SIZE = _HEAD.size
KINDS = ("engine", "rtcache")
DEFAULT_MAX_BYTES = 2 << 30
#: The environment variable that bounds the cache when ``cache_max_bytes`` is not given.
MAX_BYTES_ENV = "WEBNN_TRTX_CACHE_MAX_BYTES"
_MAX_META = 1 << 24
_TMP_MAX_AGE = 3600.0
#: Webnn's sub-directories of the cache directory this cache uses.
SUBDIRS = ("trtx", "trtx/locks")
_KEY = re.compile(r"[0-9a-f]{64}")
_ENTRY = re.compile(r"([0-9a-f]{64})\.(engine|rtcache)")
_TMP = re.compile(r"\.[0-9a-f]{64}\.(engine|rtcache)\.[0-9]+\.[0-9a-f]{8}\.tmp")
_LOCK = re.compile(r"[0-9a-f]{64}\.lock")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class EntryInvalid(Exception):
    """A cache file failed verification; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def default_cache_dir() -> Path:
    """``$WEBNN_CACHE_DIR``, else ``$XDG_CACHE_HOME/webnn``, else ``~/.cache/webnn``."""
    return cache_dir()


def max_bytes_option(value: Any = None, environ: Any = None) -> int:
    """The cache bound: ``value`` (the ``cache_max_bytes`` option) if given, else
    ``$WEBNN_TRTX_CACHE_MAX_BYTES``, else :data:`DEFAULT_MAX_BYTES`; ValidationError naming the
    option or the variable for anything but a whole number of bytes >= 0."""
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"trtx: cache_max_bytes must be a whole number of bytes >= 0, got {value!r}")
        return int(value)
    env = (os.environ if environ is None else environ).get(MAX_BYTES_ENV)
    if env is None or not env.strip():
        return DEFAULT_MAX_BYTES
    text = env.strip().replace("_", "")
    if not text.isdigit():
        raise ValidationError(f"trtx: {MAX_BYTES_ENV} must be a whole number of bytes >= 0, got {env!r}")
    return int(text)


def _tag(secret: bytes, version: int, meta: bytes | memoryview, payload: bytes | memoryview) -> bytes:
    h = hmac.new(secret, _HEAD_FIELDS.pack(MAGIC, version, len(meta), len(payload)), hashlib.sha256)
    h.update(meta)
    h.update(payload)
    return h.digest()


def pack(meta: dict, payload: bytes, secret: bytes) -> bytes:
    """Serialize one entry: header + metadata + payload, authenticated with ``secret``."""
    m = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    return _HEAD.pack(MAGIC, FORMAT_VERSION, len(m), len(payload), _tag(secret, FORMAT_VERSION, m, payload)) + m + payload


def unpack(blob: bytes | memoryview, secret: bytes, *, key: str | None = None, kind: str | None = None, trt_version: str | None = None) -> tuple[dict, bytes]:
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
    m, payload = mv[HEADER_SIZE : HEADER_SIZE + mlen], mv[HEADER_SIZE + mlen :]
    if not hmac.compare_digest(_tag(secret, version, m, payload), digest):
        raise EntryInvalid("checksum mismatch (the file was altered, partly written, or not written by you)")
    try:
        meta = json.loads(bytes(m))
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
    return meta, bytes(payload)


def _open_regular(path: Path) -> int | None:
    """A read descriptor of ``path`` if it is a regular file (never through a symbolic link, never
    blocking on a FIFO); None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def read_meta(path: Path) -> dict | None:
    """The metadata of a file webnn wrote (any known format version) without reading its payload:
    a regular file whose header is well formed, whose length is what the header says and whose
    metadata names the key and kind of its file name. None otherwise. Not authenticated: what
    is loaded is verified by :meth:`EngineCache.load`."""
    m = _ENTRY.fullmatch(path.name)
    if m is None:
        return None
    fd = _open_regular(path)
    if fd is None:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(HEADER_SIZE)
            if len(head) < HEADER_SIZE:
                return None
            magic, version, mlen, plen, _ = _HEAD.unpack(head)
            if magic != MAGIC or version not in KNOWN_VERSIONS or mlen > _MAX_META or size != HEADER_SIZE + mlen + plen:
                return None
            meta = json.loads(f.read(mlen))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("key") != m.group(1) or meta.get("kind") != m.group(2):
        return None
    return meta


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
        if root is not None and not isinstance(root, (str, os.PathLike)):
            raise ValidationError(f"trtx: cache_dir must be a path (str or os.PathLike), got {type(root).__name__} {root!r}")
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self.dir = self.root / "trtx"
        self.max_bytes = max_bytes_option(max_bytes)
        self.stats = Stats()
        #: (key, kind, reason) of every entry this object discarded, newest last.
        self.discards: list[tuple[str, str, str]] = []
        self._tlock = threading.Lock()

    def __repr__(self) -> str:
        return f"EngineCache({str(self.dir)!r}, max_bytes={self.max_bytes})"

    # -- trust and paths -----------------------------------------------------------------
    def problem(self) -> str | None:
        """Why this cache must not be used (:func:`webnn.cache_dir.trust_problem`); None when it may."""
        return _cache_dir.trust_problem(self.root, SUBDIRS)

    def usable(self) -> bool:
        """Whether the cache may be read and written; warns once (path and fix) when not."""
        return _cache_dir.usable_cache_dir(self.root, SUBDIRS)

    def ensure(self) -> None:
        """Create the cache's directories (private); OSError when they cannot be made or are not trusted."""
        if _cache_dir.ensure_cache_dir("trtx/locks", root=self.root) is None:
            raise PermissionError(errno.EACCES, f"the cache directory is not trusted ({self.problem()})", str(self.root))

    def _secret(self, create: bool) -> bytes | None:
        return _cache_dir.secret_key(self.root, create=create)

    def path(self, key: str, kind: str = "engine") -> Path:
        if kind not in KINDS:
            raise ValueError(f"unknown cache entry kind {kind!r}")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"cache keys are SHA-256 hex digests (64 lowercase hex digits), got {key!r}")
        return self.dir / f"{key}.{kind}"

    # -- reading -------------------------------------------------------------------------
    def load(self, key: str, kind: str = "engine", *, trt_version: str | None = None, discard_invalid: bool = True) -> Entry | None:
        """The verified entry, or None (a missing entry; an invalid one is discarded first)."""
        path = self.path(key, kind)
        start = time.perf_counter()
        if not self.usable():
            self.stats.misses += 1
            return None
        secret = self._secret(create=False)
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
        except (FileNotFoundError, NotADirectoryError):
            self.stats.misses += 1
            return None
        except OSError as e:
            self._discard(path, key, kind, f"unreadable ({e.strerror or e})", False)
            self.stats.misses += 1
            return None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                self._discard(path, key, kind, "not a regular file", False)
                self.stats.misses += 1
                return None
            blob = f.read()
        try:
            if secret is None:
                raise EntryInvalid(f"no key to verify it with ({_cache_dir.KEY_FILE} is missing)")
            meta, payload = unpack(blob, secret, key=key, kind=kind, trt_version=trt_version)
        except EntryInvalid as e:
            self._discard(path, key, kind, e.reason, discard_invalid)
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        try:
            os.utime(path, follow_symlinks=False)  # least-recently-used bookkeeping
        except (OSError, NotImplementedError):
            pass
        return Entry(key, kind, meta, payload, path, time.perf_counter() - start)

    def _discard(self, path: Path, key: str, kind: str, reason: str, remove: bool) -> None:
        with self._tlock:
            self.discards.append((key, kind, reason))
            self.stats.discarded += 1
        log.warning("webnn trtx cache: discarding %s (%s)", path.name, reason)
        if remove:
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(path).st_mode):  # a key-named regular file: about to be replaced anyway
                    path.unlink()

    def discard(self, key: str, kind: str | None = None, reason: str = "discarded") -> None:
        """Remove an entry (both kinds when ``kind`` is None), e.g. one the GPU found invalid."""
        if self.problem() is not None:
            return
        for k in (kind,) if kind else KINDS:
            p = self.path(key, k)
            if os.path.lexists(p):
                self._discard(p, key, k, reason, True)

    def find(self, predicate: Any, kind: str = "engine") -> list[tuple[str, dict]]:
        """(key, metadata) of entries whose (unverified) metadata satisfies ``predicate``, most recent first."""
        found = []
        for p, st, meta in self._entries():
            if p.suffix[1:] == kind and predicate(meta):
                found.append((st.st_mtime, p.stem, meta))
        found.sort(key=lambda t: t[0], reverse=True)
        return [(k, m) for _, k, m in found]

    # -- writing -------------------------------------------------------------------------
    def store(self, key: str, kind: str, payload: bytes, meta: dict[str, Any]) -> Path | None:
        """Write an entry atomically (temp file + rename), then evict down to ``max_bytes``.
        None (nothing written, one warning) when the cache directory is not trusted."""
        final = self.path(key, kind)
        if not self.usable():
            return None
        self.ensure()
        secret = self._secret(create=True)
        if secret is None:
            raise PermissionError(errno.EACCES, f"no usable {_cache_dir.KEY_FILE} to authenticate entries with", str(self.root))
        meta = dict(meta, key=key, kind=kind, format=FORMAT_VERSION)
        blob = pack(meta, payload, secret)
        tmp = self.dir / f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), 0o600)
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
        """Exclusive inter-process lock for one key (builders of a key wait for each other), with
        :mod:`filelock` (``flock`` on POSIX, ``msvcrt.locking`` on Windows), in the cache's own
        private ``locks/`` directory (:meth:`ensure` checks it is trusted)."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"cache keys are SHA-256 hex digests, got {key!r}")
        self.ensure()
        lock = filelock.FileLock(str(self.dir / "locks" / f"{key}.lock"), mode=0o600)
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for the TensorRT-RTX cache lock of {key}") from None
        try:
            yield
        finally:
            lock.release()

    # -- bookkeeping ---------------------------------------------------------------------
    def _listing(self) -> list[str]:
        """Names in the real ``trtx/`` directory of a trusted cache (empty otherwise)."""
        if self.problem() is not None:
            return []
        try:
            if not stat.S_ISDIR(os.lstat(self.dir).st_mode):
                return []
            return os.listdir(self.dir)
        except OSError:
            return []

    def _entries(self) -> list[tuple[Path, os.stat_result, dict]]:
        """(path, stat, metadata) of every file webnn wrote in ``trtx/`` (:func:`read_meta`)."""
        out: list[tuple[Path, os.stat_result, dict]] = []
        for name in self._listing():
            if _ENTRY.fullmatch(name) is None:
                continue
            p = self.dir / name
            meta = read_meta(p)
            if meta is not None:
                with contextlib.suppress(OSError):
                    out.append((p, os.lstat(p), meta))
        return out

    def _files(self) -> list[tuple[Path, os.stat_result]]:
        return [(p, st) for p, st, _ in self._entries()]

    def _temporaries(self, min_age: float) -> list[Path]:
        """Temporary files a writer of this cache left (name pattern, regular, empty or webnn's magic)."""
        now = time.time()
        out = []
        for name in self._listing():
            if _TMP.fullmatch(name) is None:
                continue
            p = self.dir / name
            fd = _open_regular(p)
            if fd is None:
                continue
            try:
                st = os.fstat(fd)
                head = os.read(fd, len(MAGIC))
            except OSError:
                continue
            finally:
                os.close(fd)
            if now - st.st_mtime >= min_age and MAGIC.startswith(head):  # empty, or webnn's magic so far
                out.append(p)
        return out

    def evict(self, max_bytes: int | None = None, keep: str | None = None) -> list[str]:
        """Remove least-recently-used keys until the total size fits; returns the keys removed."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        for p in self._temporaries(_TMP_MAX_AGE):  # left by a writer that died mid-write
            with contextlib.suppress(OSError):
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
        for p, st, meta in self._entries():
            g = groups.setdefault(p.stem, {"key": p.stem, "bytes": 0, "kinds": [], "last_used": 0.0})
            g["bytes"] += st.st_size
            g["kinds"].append(p.suffix[1:])
            g["last_used"] = max(g["last_used"], st.st_mtime)
            if p.suffix == ".engine":
                g.update({k: meta.get(k) for k in ("label", "trt_version", "build_seconds", "created")})
        items = sorted(groups.values(), key=lambda g: g["last_used"], reverse=True)
        problem = self.problem()
        return {
            "dir": str(self.dir),
            "entries": len(items),
            "bytes": sum(g["bytes"] for g in items),
            "max_bytes": self.max_bytes,
            "trusted": problem is None,
            "problem": problem,
            "items": items,
        }

    def clear(self) -> int:
        """Delete every entry webnn wrote (and its lock and temporary files); returns the number of keys removed."""
        entries = self._files()
        keys = {p.stem for p, _ in entries}
        for p, _ in entries:
            with contextlib.suppress(OSError):
                p.unlink()
        for p in self._temporaries(0.0):
            with contextlib.suppress(OSError):
                p.unlink()
        locks = self.dir / "locks"
        if "locks" in self._listing() and stat.S_ISDIR(os.lstat(locks).st_mode):
            for name in os.listdir(locks):
                q = locks / name
                with contextlib.suppress(OSError):
                    st = os.lstat(q)
                    if _LOCK.fullmatch(name) and stat.S_ISREG(st.st_mode) and st.st_size == 0:
                        q.unlink()
        return len(keys)
