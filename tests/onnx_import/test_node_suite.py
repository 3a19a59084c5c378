"""ONNX's backend node test suite (from the installed onnx wheel) through webnn.onnx on ONNX Runtime.

Every case runs: the ones that import must match the case's expected outputs within its own
rtol/atol; every refusal must carry a reason docs/onnx-import.md states; the per-op report in
docs/onnx-import.md must be the one this run produces.
"""

from __future__ import annotations

import collections

import pytest

import webnn
from webnn.onnx._registry import GENERIC_REFUSALS, REFUSED_OPS, load_ops

from . import report
from .harness import run_all


@pytest.fixture(scope="module")
def results() -> list:
    return run_all(webnn.MLContext(backend="onnxruntime"))


def test_every_imported_case_passes(results: list) -> None:
    fails = [f"{r.name} ({r.op}): {r.detail}" for r in results if r.status == "fail"]
    assert not fails, f"{len(fails)} imported case(s) fail:\n" + "\n".join(fails)
    counts = collections.Counter(r.status for r in results)
    assert counts["pass"] > 900  # the suite really ran


def test_cases_with_parameters_known_pass(results: list) -> None:
    fails = [f"{r.name}: {r.variant_detail}" for r in results if r.variant == "fail"]
    assert not fails, "\n".join(fails)


def _declared(op: str) -> set[str]:
    keys = set(GENERIC_REFUSALS)
    for h in load_ops().get(op, []):
        keys |= set(h.refuses)
    if op in REFUSED_OPS or not load_ops().get(op):
        keys.add("op")
    return keys


def test_every_refusal_has_a_stated_reason(results: list) -> None:
    table = {row[0].split(" ")[0]: row for row in report.operator_rows()}
    bad = []
    for r in results:
        if r.status != "refused":
            continue
        assert r.refusals, f"{r.name}: refused without a reason"
        for op, name, key, detail in r.refusals:
            if not detail:
                bad.append(f"{r.name}: {op} {name!r} refused without detail")
            if op.startswith("("):  # a graph input / output
                if key not in ("dtype", "empty"):
                    bad.append(f"{r.name}: {op} {name!r}: key {key!r}")
                continue
            if key not in _declared(op):
                bad.append(f"{r.name}: {op} {name!r}: key {key!r} is not declared for {op} ({detail})")
            if op in table and key not in GENERIC_REFUSALS and key != "op":
                assert f"`{key}`" in table[op][3], f"{op}: key {key} missing from the table"
    assert not bad, "\n".join(bad)


def test_report_in_docs_is_current(results: list) -> None:
    doc = report.DOC.read_text()
    assert report.section(doc, "node-tests") == report.render_report(results), (
        "docs/onnx-import.md's node-test report is stale: run python tools/onnx_import_report.py"
    )


def test_operator_table_in_docs_is_current() -> None:
    doc = report.DOC.read_text()
    assert report.section(doc, "operators") == report.render_table(), (
        "docs/onnx-import.md's operator table is stale: run python tools/onnx_import_report.py --table"
    )
