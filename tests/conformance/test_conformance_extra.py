"""WPT-derived conformance cases of tests/conformance/data_extra/*.json (converted by
tools/wpt_to_json.py from the WPT files named in each), run like test_conformance.py."""

from __future__ import annotations

import pytest

import webnn

from .harness import EXTRA, all_case_ids, build_case, check_close, large_case_names, load_cases
from .xfail import XFAIL

CASES = all_case_ids(EXTRA)
LARGE = large_case_names(EXTRA)  # cases with a tensor of millions of elements take seconds
PARAMS = [pytest.param(*c, marks=pytest.mark.slow if c[2] in LARGE else ()) for c in CASES]


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


@pytest.mark.parametrize("op_file,index,name", PARAMS, ids=[f"{f[:-5]}:{n}" for f, _, n in CASES])
def test_case(context: webnn.MLContext, op_file: str, index: int, name: str) -> None:
    if name in XFAIL:
        pytest.xfail(XFAIL[name])
    case = load_cases(op_file, EXTRA)[index]
    graph, feeds, expected = build_case(case, context)
    out = context.compute(graph, feeds)
    assert set(out) == set(expected)
    for k, exp in expected.items():
        check_close(out[k], exp, case.get("tolerance"), f"{name} [{k}]")
