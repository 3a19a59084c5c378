"""``webnn demo``."""

from __future__ import annotations

import pytest


def test_demo_hook_is_wired(monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn import cli
    from webnn.models import minilm

    seen = {}
    monkeypatch.setattr(minilm, "demo", lambda backend=None: seen.setdefault("backend", backend) and 0)
    assert cli.main(["demo", "--backend", "onnxruntime"]) == 0
    assert seen == {"backend": "onnxruntime"}
    monkeypatch.delattr(minilm, "demo")
    assert cli.main(["demo"]) == 2
