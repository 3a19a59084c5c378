"""``webnn info``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ._util import webnn_cli


@pytest.mark.slow
def test_info_json(tmp_path: Path) -> None:
    p = webnn_cli("info", "--json", env={"WEBNN_CACHE_DIR": str(tmp_path / "c")})
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert set(info["backends"]) >= {"onnxruntime", "trtx", "coreml"}
    assert info["backends"]["onnxruntime"]["usable"] and info["backends"]["onnxruntime"]["version"]
    assert set(info["selection"]) == {"accelerated=False", "default", "high-performance", "low-power"}
    assert info["selection"]["accelerated=False"]["backend"] == "onnxruntime"
    assert "gpus" in info["gpus"] and info["cache"]["dir"] == str(tmp_path / "c")
    if not info["gpus"]["gpus"]:
        assert info["selection"]["high-performance"]["backend"] == "onnxruntime"
        assert info["selection"]["high-performance"]["rejected"][0]["backend"] == "trtx"


@pytest.mark.slow
def test_info_text() -> None:
    p = webnn_cli("info")
    assert p.returncode == 0, p.stderr
    for word in ("backends:", "onnxruntime", "GPUs:", "selection here:", "high-performance", "cache:"):
        assert word in p.stdout
