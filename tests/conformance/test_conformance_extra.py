"""WPT-derived conformance cases of tests/conformance/data_extra/*.json (converted by
tools/wpt_to_json.py from the WPT files named in each), run like test_conformance.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import webnn
from webnn.ops import load_all

from .harness import build_case, check_close, snake
from .xfail import XFAIL

EXTRA = Path(__file__).parent / "data_extra"


def _cases() -> list[tuple[str, int, str]]:
    out = []
    for f in sorted(EXTRA.glob("*.json")):
        for i, t in enumerate(json.loads(f.read_text())["tests"]):
            out.append((f.name, i, t["name"]))
    return out


CASES = _cases()
KNOWN = {n for d in load_all().values() for n in (d.name, d.spec_name)}


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


@pytest.mark.parametrize("op_file,index,name", CASES, ids=[f"{f[:-5]}:{n}" for f, _, n in CASES])
def test_case(context: webnn.MLContext, op_file: str, index: int, name: str) -> None:
    if name in XFAIL:
        pytest.xfail(XFAIL[name])
    case = json.loads((EXTRA / op_file).read_text())["tests"][index]
    missing = [o["name"] for o in case["graph"]["operators"] if o["name"] not in KNOWN and snake(o["name"]) not in KNOWN]
    if missing:
        pytest.skip(f"operator(s) not implemented on this branch: {', '.join(missing)}")
    graph, feeds, expected = build_case(case, context)
    out = context.compute(graph, feeds)
    assert set(out) == set(expected)
    for k, exp in expected.items():
        check_close(out[k], exp, case.get("tolerance"), f"{name} [{k}]")
