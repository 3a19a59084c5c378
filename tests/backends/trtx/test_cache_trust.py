"""What the engine cache deletes and what it trusts (issue 11, items 1-3).

Clearing and eviction delete only entries webnn wrote, in real directories; a cache directory
that is not the user's or that others can write is neither read nor written (one warning); an
entry planted with a recomputed checksum, or whose I/O table does not fit the model, is not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import pytest

from webnn import cache_dir as cache_dir_mod
from webnn.backends.trtx import cache as cache_mod
from webnn.backends.trtx.cache import HEADER_SIZE, EngineCache
from webnn.cache_dir import UntrustedCacheWarning

KEY_A = hashlib.sha256(b"a").hexdigest()
KEY_B = hashlib.sha256(b"b").hexdigest()


def _store(cache: EngineCache, key: str, payload: bytes = b"engine bytes" * 100, kind: str = "engine") -> Path:
    path = cache.store(key, kind, payload, {"trt_version": "x", "label": "t"})
    assert path is not None and path.exists()
    return path


def _foreign_tree(root: Path) -> dict[Path, bytes]:
    """Files a user keeps in a folder that happens to be the cache directory (names webnn uses included)."""
    files = {
        root / "onnx" / "model.onnx": b"onnx",
        root / "engines" / "a.engine": b"x" * 1000,
        root / "coreml" / "m.mlpackage": b"coreml",
        root / "trtx" / "mine.engine": b"a TensorRT engine of the user's",
        root / "trtx" / f"{KEY_B}.engine": b"not a webnn entry, named like one",
        root / "trtx" / f"{KEY_B}.rtcache": b"",
        root / "trtx" / "locks" / "notes.lock": b"user data",
        root / "precious.txt": b"keep",
    }
    for p, data in files.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    for d in [root, *{p.parent for p in files}]:
        os.chmod(d, 0o700)
    return files


def test_clear_deletes_only_entries_webnn_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "folder"
    files = _foreign_tree(root)
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(root))
    cache = EngineCache(root)
    ours = [_store(cache, KEY_A), _store(cache, KEY_A, kind="rtcache")]
    result = cache_dir_mod.clear_cache([lambda base: EngineCache(base).clear()])
    assert result["removed_entries"] == 1 and result["refused"] is None
    assert not any(p.exists() for p in ours)
    for p, data in files.items():
        assert p.read_bytes() == data, f"{p} was deleted or changed"
    assert "precious.txt" in result["kept"] and "engines/a.engine" in result["kept"]


def test_clear_with_the_marker_still_keeps_other_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(root))
    assert cache_dir_mod.ensure_cache_dir("trtx") is not None
    assert (root / cache_dir_mod.MARKER).exists()
    (root / "notes.txt").write_text("mine")
    _store(EngineCache(root), KEY_A)
    cache_dir_mod.clear_cache([lambda base: EngineCache(base).clear()])
    assert (root / "notes.txt").read_text() == "mine"
    assert not (root / "trtx").exists(), "webnn's own directory goes once empty"


def test_eviction_and_clear_never_follow_a_symlinked_trtx_dir(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    theirs = {models / "resnet.engine": b"e" * 5000, models / "resnet.rtcache": b"r" * 5000, models / f"{KEY_A}.engine": b"k" * 10}
    for p, data in theirs.items():
        p.write_bytes(data)
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    (root / "trtx").symlink_to(models, target_is_directory=True)
    cache = EngineCache(root, max_bytes=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UntrustedCacheWarning)
        assert cache.evict(max_bytes=0) == []
        assert cache.clear() == 0
        assert cache.store(KEY_B, "engine", b"new", {}) is None  # refused: entries live in real directories only
        assert cache.load(KEY_A) is None
    for p, data in theirs.items():
        assert p.read_bytes() == data


def test_eviction_deletes_only_verified_entries(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    cache = EngineCache(root)
    _store(cache, KEY_A)
    planted = cache.dir / f"{KEY_B}.engine"
    planted.write_bytes(b"x" * 100_000)  # key-named, but no webnn header
    stray = cache.dir / "user.engine"
    stray.write_bytes(b"y" * 100_000)
    link_target = tmp_path / "elsewhere.bin"
    link_target.write_bytes(b"z")
    (cache.dir / f"{hashlib.sha256(b'c').hexdigest()}.engine").symlink_to(link_target)
    removed = cache.evict(max_bytes=0)
    assert removed == [KEY_A]
    assert planted.stat().st_size == 100_000 and stray.exists() and link_target.read_bytes() == b"z"


@pytest.mark.parametrize("which", ["root", "trtx", "parent"])
def test_group_or_world_writable_cache_is_neither_read_nor_written(tmp_path: Path, which: str) -> None:
    parent = tmp_path / "made-by-webnn"
    root = parent / "cache"
    cache = EngineCache(root)
    good = _store(cache, KEY_A)
    target = {"root": root, "trtx": cache.dir, "parent": parent}[which]
    os.chmod(target, 0o777)
    try:
        with pytest.warns(UntrustedCacheWarning) as record:
            assert cache.load(KEY_A) is None, "an entry in a directory others can write is not trusted"
            assert cache.store(KEY_B, "engine", b"payload", {}) is None
            assert cache.load(KEY_A) is None
        msgs = [str(w.message) for w in record if issubclass(w.category, UntrustedCacheWarning)]
        assert len(msgs) == 1, msgs  # one warning, naming the directory and the fix
        assert str(target) in msgs[0] and "chmod go-w" in msgs[0] and "WEBNN_CACHE_DIR" in msgs[0]
        assert not (cache.dir / f"{KEY_B}.engine").exists() and good.exists()
    finally:
        os.chmod(target, 0o700)


def test_cache_dir_owned_by_someone_else_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    cache = EngineCache(root)
    _store(cache, KEY_A)
    owner = os.stat(root).st_uid
    monkeypatch.setattr(cache_dir_mod, "current_uid", lambda: owner + 4242)
    with pytest.warns(UntrustedCacheWarning, match="owned by uid"):
        assert cache.load(KEY_A) is None
    assert cache_dir_mod.trust_problem(root) is not None


def test_planted_entry_with_a_recomputed_sha256_does_not_verify(tmp_path: Path) -> None:
    cache = EngineCache(tmp_path / "cache")
    path = _store(cache, KEY_A, b"real engine")
    blob = path.read_bytes()
    magic, version, mlen, _plen, _ = cache_mod._HEAD.unpack_from(blob)
    meta = json.loads(blob[HEADER_SIZE : HEADER_SIZE + mlen])
    payload = b"someone else's engine"
    m = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    forged = cache_mod._HEAD.pack(magic, version, len(m), len(payload), hashlib.sha256(m + payload).digest()) + m + payload
    path.write_bytes(forged)
    assert cache.load(KEY_A) is None
    assert any("checksum mismatch" in why for _, _, why in cache.discards)


def test_secret_key_is_private_and_a_shared_one_is_refused(tmp_path: Path) -> None:
    cache = EngineCache(tmp_path / "cache")
    _store(cache, KEY_A)
    key = cache.root / cache_dir_mod.KEY_FILE
    assert (key.stat().st_mode & 0o777) == 0o600 and key.stat().st_size == cache_dir_mod.KEY_BYTES
    os.chmod(key, 0o644)
    try:
        with pytest.warns(UntrustedCacheWarning, match="key"):
            assert cache.load(KEY_A) is None
    finally:
        os.chmod(key, 0o600)
    assert cache.load(KEY_A) is not None


def test_fifo_named_like_an_entry_does_not_block(tmp_path: Path) -> None:
    cache = EngineCache(tmp_path / "cache")
    _store(cache, KEY_A)
    fifo = cache.dir / f"{KEY_B}.engine"
    os.mkfifo(fifo)
    assert cache.load(KEY_B) is None  # would block forever on open() without O_NONBLOCK / a type check
    assert cache.evict(max_bytes=0) == [KEY_A] and fifo.exists()


def test_cache_max_bytes_and_cache_dir_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn import ValidationError

    with pytest.raises(ValidationError, match="cache_max_bytes"):
        EngineCache(max_bytes="1GB")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="cache_dir"):
        EngineCache(123)  # type: ignore[arg-type]
    monkeypatch.setenv("WEBNN_TRTX_CACHE_MAX_BYTES", "abc")
    with pytest.raises(ValidationError, match="WEBNN_TRTX_CACHE_MAX_BYTES"):
        EngineCache()
