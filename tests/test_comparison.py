"""webnn.compare and ``webnn run --compare`` on backends that differ by construction.

The "perturbed" backend registered here is ONNX Runtime whose float outputs are moved a known
number of representable values (ULPs) up, element by element: the real results, changed by an
amount the comparison must report exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import webnn
from webnn import backends
from webnn.backends import BackendSpec, CompiledGraph
from webnn.backends.onnxruntime import OnnxRuntimeBackend
from webnn.comparison import diff, ulp_distance

STEPS = 3  # ULPs the perturbed backend adds to every float output element


def nudge(a: np.ndarray, steps: int = STEPS) -> np.ndarray:
    for _ in range(steps):
        a = np.nextafter(a, np.array(np.inf, a.dtype))
    return a


class PerturbedGraph(CompiledGraph):
    backend = "perturbed"

    def __init__(self, inner: CompiledGraph) -> None:
        self.inner = inner

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {k: nudge(v) if v.dtype.kind == "f" else v for k, v in self.inner.run(inputs).items()}

    def close(self) -> None:
        self.inner.close()


class PerturbedBackend(OnnxRuntimeBackend):
    name = "perturbed"

    def compile(self, info: webnn.GraphInfo) -> PerturbedGraph:
        return PerturbedGraph(super().compile(info))


@pytest.fixture()
def perturbed(monkeypatch: pytest.MonkeyPatch) -> str:
    spec = BackendSpec("perturbed", f"{__name__}:PerturbedBackend", "perturbed ONNX Runtime", "onnxruntime", "onnxruntime", "pip install onnxruntime")
    monkeypatch.setitem(backends.BACKENDS, "perturbed", spec)
    return "perturbed"


def graph(dtype: str = "float32") -> webnn.MLGraph:
    ctx = webnn.MLContext(accelerated=False)
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [3, 5], dtype)
    w = b.constant(np.linspace(-2, 2, 20, dtype=dtype).reshape(5, 4))
    i = b.input("i", [3], "int32")
    return b.build({"y": b.tanh(b.matmul(x, w)), "k": b.add(i, i)})


def test_ulp_distance_counts_representable_values() -> None:
    a = np.array([1.0, -1.0, 0.0, -0.0, 1e-45, np.nan, np.nan, np.inf], np.float32)
    b = np.array([nudge(np.float32(1.0), 5), nudge(np.float32(-1.0), 2), -0.0, np.float32(1e-45), -1e-45, np.nan, 1.0, np.inf], np.float32)
    assert ulp_distance(a, b).tolist() == [5, 2, 0, 1, 2, 0, np.inf, 0]
    h = np.array([1.0], np.float16)
    assert ulp_distance(nudge(h, 7), h).tolist() == [7]
    assert ulp_distance(np.array([3, -2], np.int32), np.array([1, 2], np.int32)).tolist() == [2, 4]


def test_compare_reports_the_perturbation_exactly(perturbed: str) -> None:
    g = graph()
    r = webnn.compare(g, ["onnxruntime", perturbed], seed=7, atol=0, rtol=0)
    assert r.ran_on == {"onnxruntime": "onnxruntime", "perturbed": "perturbed"}
    ref, got = r.outputs["onnxruntime"]["y"], r.outputs["perturbed"]["y"]
    np.testing.assert_array_equal(got, nudge(ref))  # the perturbed backend really ran on the same inputs
    y = next(d for d in r.diffs if d.output == "y")
    assert y.max_ulp == STEPS and y.mismatches == y.size == 12 and not y.passed
    assert y.max_abs == pytest.approx(float(np.abs(got.astype(np.float64) - ref).max()), rel=0, abs=0)
    k = next(d for d in r.diffs if d.output == "k")
    assert (k.max_abs, k.max_ulp, k.passed) == (0, 0, True)
    assert not r.passed and "FAILED" in r.table()
    # within tolerance: 3 float32 ULPs are below 1e-6 relative
    assert webnn.compare(g, ["onnxruntime", perturbed], seed=7, rtol=1e-6, atol=0).passed


def test_inputs_are_seeded_and_given_ones_are_used(perturbed: str) -> None:
    g = graph()
    a = webnn.compare(g, ["onnxruntime", perturbed], seed=1)
    b = webnn.compare(g, ["onnxruntime", perturbed], seed=1)
    c = webnn.compare(g, ["onnxruntime", perturbed], seed=2)
    np.testing.assert_array_equal(a.outputs["onnxruntime"]["y"], b.outputs["onnxruntime"]["y"])
    assert not np.array_equal(a.outputs["onnxruntime"]["y"], c.outputs["onnxruntime"]["y"])
    x = np.zeros((3, 5), np.float32)
    z = webnn.compare(g, ["onnxruntime", perturbed], {"x": x})
    np.testing.assert_array_equal(z.outputs["onnxruntime"]["y"], np.zeros((3, 4), np.float32))


def test_compare_refuses_what_it_cannot_compare(perturbed: str, tmp_path: Path) -> None:
    g = graph()
    with pytest.raises(webnn.ValidationError, match="at least two"):
        webnn.compare(g, ["onnxruntime"])
    with pytest.raises(webnn.ValidationError, match="unknown backend"):
        webnn.compare(g, ["onnxruntime", "cuda"])
    with pytest.raises(webnn.ValidationError, match="atol"):
        webnn.compare(g, ["onnxruntime", perturbed], atol=-1)
    with pytest.raises(webnn.ValidationError, match="unknown input"):
        webnn.compare(g, ["onnxruntime", perturbed], {"nope": np.zeros(1)})
    d = diff("y", "b", np.zeros((2,), np.float32), np.zeros((3,), np.float32), 0, 0)
    assert not d.passed and "float32[2] vs the reference's float32[3]" in d.problem


def test_cli_compare_exit_codes_and_json(perturbed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from webnn import cli

    path = tmp_path / "g.webnn"
    graph().save(path)
    args = ["run", str(path), "--compare", f"onnxruntime,{perturbed}", "--seed", "3", "--quiet"]
    assert cli.main([*args, "--atol", "0", "--rtol", "0"]) == cli.EXIT_MISMATCH
    out = capsys.readouterr().out
    assert "FAILED" in out and "y" in out
    assert cli.main([*args, "--rtol", "1e-6", "--atol", "0", "--json"]) == 0
    r: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert r["passed"] and r["reference"] == "onnxruntime" and r["seed"] == 3
    y = next(o for o in r["outputs"] if o["output"] == "y")
    assert y["max_ulp"] == STEPS and y["backend"] == perturbed
    assert cli.main(["run", str(path), "--compare", "onnxruntime", "--quiet"]) == 2
    assert cli.main(["run", str(path), "--compare", f"onnxruntime,{perturbed}", "--backend", "onnxruntime"]) == 2
    assert cli.main(["run", str(path), "--atol", "1"]) == 2  # --atol without --compare
