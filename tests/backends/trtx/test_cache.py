"""Engine cache: keys, hits and misses, verification and recovery, eviction, permissions, concurrency."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

from webnn.backends.trtx import cache as cache_mod
from webnn.backends.trtx.cache import HEADER_SIZE, EngineCache, EntryInvalid, default_cache_dir, pack, unpack
from webnn.backends.trtx.engines import get_engine
from webnn.backends.trtx.lib import trt_version
from webnn.backends.trtx.options import BuildOptions, Profile, cache_key
from webnn.executors.trtx import cache_info, clear_cache

from . import models

SRC = str(Path(__file__).resolve().parents[3] / "src")


def test_hit_after_miss_returns_identical_engine(tmp_path: Path) -> None:
    cache = EngineCache(tmp_path)
    a = get_engine(models.tiny(), cache=cache, progress=False)
    b = get_engine(models.tiny(), cache=cache, progress=False)
    assert (a.source, b.source) == ("built", "cache")
    assert a.engine == b.engine and a.key == b.key
    assert cache.stats.hits == 1 and cache.stats.stores == 1
    assert b.meta["trt_version"] == trt_version() and b.meta["io"] == a.meta["io"]


def test_key_covers_model_version_and_every_option() -> None:
    sha = "0" * 64
    base = cache_key(sha, "1.7", BuildOptions())
    variants = [
        cache_key("1" + sha[1:], "1.7", BuildOptions()),
        cache_key(sha, "1.8", BuildOptions()),
        cache_key(sha, "1.7", BuildOptions(workspace=1 << 20)),
        cache_key(sha, "1.7", BuildOptions(compute_capabilities=("SM86",))),
        cache_key(sha, "1.7", BuildOptions(optimization_level=1)),
        cache_key(sha, "1.7", BuildOptions(profiles=(Profile({"x": ([1], [2], [4])}),))),
    ]
    assert len({base, *variants}) == len(variants) + 1
    assert cache_key(sha, "1.7", BuildOptions(compute_capabilities=("sm_86",))) == variants[3]


def test_different_options_make_different_entries(tmp_path: Path) -> None:
    cache = EngineCache(tmp_path)
    a = get_engine(models.tiny(), cache=cache, progress=False)
    b = get_engine(models.tiny(), BuildOptions(workspace=64 << 20), cache=cache, progress=False)
    assert a.key != b.key and b.source == "built"
    assert cache.info()["entries"] == 2


def _corrupt_truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _corrupt_flip_payload(p: Path) -> None:
    b = bytearray(p.read_bytes())
    for i in (len(b) - 1, len(b) // 2, len(b) - 4096):
        b[i] ^= 0xFF
    p.write_bytes(bytes(b))


def _corrupt_flip_header(p: Path) -> None:
    b = bytearray(p.read_bytes())
    b[HEADER_SIZE - 1] ^= 0x01  # last byte of the stored checksum
    p.write_bytes(bytes(b))


def _corrupt_format_version(p: Path) -> None:
    b = bytearray(p.read_bytes())
    struct.pack_into("<I", b, 8, cache_mod.FORMAT_VERSION + 1)
    p.write_bytes(bytes(b))


def _corrupt_trt_version(p: Path) -> None:
    meta, payload = unpack(p.read_bytes())
    meta["trt_version"] = "0.0.1"  # a well-formed entry from another TensorRT-RTX release
    p.write_bytes(pack(meta, payload))


def _corrupt_garbage(p: Path) -> None:
    p.write_bytes(os.urandom(5000))


def _corrupt_empty(p: Path) -> None:
    p.write_bytes(b"")


@pytest.mark.parametrize(
    "corrupt,reason",
    [
        (_corrupt_truncate, "truncated"),
        (_corrupt_flip_payload, "checksum mismatch"),
        (_corrupt_flip_header, "checksum mismatch"),
        (_corrupt_format_version, "cache format version"),
        (_corrupt_trt_version, "built by TensorRT-RTX 0.0.1"),
        (_corrupt_garbage, "bad magic"),
        (_corrupt_empty, "truncated"),
    ],
)
def test_corrupt_entry_is_discarded_and_rebuilt(tmp_path: Path, corrupt, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = EngineCache(tmp_path)
    good = get_engine(models.tiny(), cache=cache, progress=False)
    path = cache.path(good.key)
    corrupt(path)
    # The invalid bytes must never reach TensorRT: nothing deserializes here, and the record's
    # engine must be a fresh build, byte-identical in structure to a good one.
    rebuilt = get_engine(models.tiny(), cache=cache, progress=False)
    assert rebuilt.source == "built"
    assert len(rebuilt.engine) == len(good.engine)
    assert any(reason in why for _, _, why in cache.discards), cache.discards
    # the rebuilt entry replaced the bad file and verifies
    assert cache.load(good.key, trt_version=trt_version()) is not None
    assert get_engine(models.tiny(), cache=cache, progress=False).source == "cache"


def test_unpack_rejects_key_and_kind_mismatch() -> None:
    blob = pack({"key": "ab", "kind": "engine", "trt_version": "1"}, b"payload")
    assert unpack(blob, key="ab", kind="engine", trt_version="1")[1] == b"payload"
    with pytest.raises(EntryInvalid, match="key mismatch"):
        unpack(blob, key="cd")
    with pytest.raises(EntryInvalid, match="expected 'rtcache'"):
        unpack(blob, kind="rtcache")
    with pytest.raises(EntryInvalid, match="trailing bytes"):
        unpack(blob + b"x")


def test_directory_is_private_and_writes_are_atomic(tmp_path: Path) -> None:
    root = tmp_path / "fresh" / "webnn"
    cache = EngineCache(root)
    rec = get_engine(models.tiny(), cache=cache, progress=False)
    for d in (root, cache.dir, cache.dir / "locks"):
        assert (d.stat().st_mode & 0o777) == 0o700, oct(d.stat().st_mode)
    assert (cache.path(rec.key).stat().st_mode & 0o777) == 0o600
    assert not list(cache.dir.glob(".*.tmp")), "no temporary file is left behind"


def test_lru_eviction_keeps_recent_entries(tmp_path: Path) -> None:
    cache = EngineCache(tmp_path)
    recs = [get_engine(models.tiny(float(s)), cache=cache, progress=False) for s in (2, 3, 4)]
    sizes = [cache.path(r.key).stat().st_size for r in recs]
    old = recs[0].key
    t = 1_000_000_000
    for i, r in enumerate(recs):  # make the order explicit: 0 oldest
        os.utime(cache.path(r.key), (t + i, t + i))
    cache.load(old)  # a hit refreshes entry 0: now entry 1 is the least recently used
    cache.max_bytes = sizes[0] + sizes[2] + 10
    removed = cache.evict()
    assert removed == [recs[1].key]
    assert cache.path(old).exists() and cache.path(recs[2].key).exists()
    # storing respects the bound too (and never evicts what it just stored)
    cache.max_bytes = 1
    r4 = get_engine(models.tiny(5.0), cache=cache, progress=False)
    assert [p.stem for p in cache.dir.glob("*.engine")] == [r4.key]


def test_info_and_clear(cache_dir: Path) -> None:
    get_engine(models.tiny(), cache=EngineCache(), progress=False)
    info = cache_info()
    assert info["dir"] == str(cache_dir / "trtx") and info["entries"] == 1 and info["bytes"] > 0
    item = info["items"][0]
    assert item["kinds"] == ["engine"] and item["trt_version"] == trt_version() and item["build_seconds"] > 0
    json.dumps(info)  # serialisable for `webnn cache info --json`
    assert clear_cache() == 1 and cache_info()["entries"] == 0


def test_default_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path / "a"))
    assert default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("WEBNN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "webnn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "webnn"


def test_unwritable_cache_does_not_fail_the_build(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "trtx").write_text("a file where the directory should be")
    rec = get_engine(models.tiny(), cache=EngineCache(ro), progress=False)
    assert rec.source == "built" and rec.engine


_WORKER = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {src!r}); sys.path.insert(0, {tests!r})
    import models
    from webnn.backends.trtx.cache import EngineCache
    from webnn.backends.trtx.engines import get_engine
    go = float(sys.argv[2])
    while time.time() < go:
        time.sleep(0.005)
    rec = get_engine(models.dynamic_matmul(), cache=EngineCache(sys.argv[1]), hints={{"x": [4, 8]}}, progress=False)
    print(json.dumps({{"source": rec.source, "key": rec.key, "n": len(rec.engine)}}))
    """
)


@pytest.mark.slow
def test_concurrent_builders_one_key_one_entry(tmp_path: Path) -> None:
    import time

    script = tmp_path / "worker.py"
    script.write_text(_WORKER.format(src=SRC, tests=str(Path(__file__).parent)))
    go = time.time() + 6.0  # all start building at once, after their imports
    cmd = [sys.executable, str(script), str(tmp_path / "c"), str(go)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert len({r["key"] for r in results}) == 1
    assert sorted(r["source"] for r in results) == ["built", "cache", "cache", "cache"], results
    cache = EngineCache(tmp_path / "c")
    assert [p.stem for p in cache.dir.glob("*.engine")] == [results[0]["key"]]
    assert not list(cache.dir.glob(".*.tmp"))
    assert cache.load(results[0]["key"], trt_version=trt_version()) is not None


def test_compatible_profile_reused_for_dynamic_models(tmp_path: Path) -> None:
    cache = EngineCache(tmp_path)
    a = get_engine(models.dynamic_matmul(), cache=cache, hints={"x": [4, 8]}, progress=False)
    assert a.options.profiles[0].get("x") == ((1, 8), (4, 8), (64, 8))
    # another first shape inside the existing profile: same engine, no build
    b = get_engine(models.dynamic_matmul(), cache=cache, hints={"x": [30, 8]}, progress=False)
    assert (b.source, b.key) == ("cache", a.key)
    # outside it: a new engine whose default profile covers the shape
    c = get_engine(models.dynamic_matmul(), cache=cache, hints={"x": [100, 8]}, progress=False)
    assert c.source == "built" and c.covers({"x": (100, 8)}) and c.options.profiles[0].get("x")[2] == (200, 8)
