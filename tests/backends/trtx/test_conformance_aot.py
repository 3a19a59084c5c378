"""Every conformance graph webnn can build is AOT-built by TensorRT-RTX (CPU, real library).

Per operator file: each case either builds, or is rejected for a documented TensorRT-RTX
limit (tests/backends/trtx/rejections.py). Cases that build then run on the simulated runtime and
must match the case's expected output within its tolerance. Ops not yet implemented in
webnn are skipped here (they are "not implemented in webnn", not TensorRT rejections).
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

from tests.conformance.harness import DATA, check_close, load_cases
from tests.conformance.xfail import XFAIL
from webnn.backends.trtx.legalize import legalize

from .rejections import capture_context, classify

OP_FILES = sorted(p.name for p in DATA.glob("*.json"))


@pytest.mark.parametrize("op_file", OP_FILES, ids=[f[:-5] for f in OP_FILES])
@pytest.mark.slow
def test_conformance_graphs_aot_build(op_file: str, session_cache_dir) -> None:
    from webnn.backends.trtx.cache import EngineCache
    from webnn.backends.trtx.simulate import SimulatedRunner

    ctx = capture_context()
    cache = EngineCache(session_cache_dir)
    counts = {"built": 0, "rejected": 0, "not implemented": 0}
    problems = []
    legalized = 0
    for case in load_cases(op_file):
        o = classify(case, ctx, cache)
        if o.status == "not implemented in webnn":
            counts["not implemented"] += 1
            continue
        if o.status == "invalid for webnn":
            continue  # the ONNX Runtime conformance suite reports these
        if o.status == "webnn error":
            problems.append(f"{case['name']}: webnn error: {o.detail}")
            continue
        if o.status == "rejected by TensorRT-RTX":
            counts["rejected"] += 1
            if not o.limit:
                problems.append(f"{case['name']}: unexplained TensorRT-RTX rejection (fix the converter or document the limit): {o.detail[:400]}")
            continue
        counts["built"] += 1
        if case["name"] in XFAIL:
            continue
        with SimulatedRunner(o.record) as r:
            out = o.outputs(r.infer(o.feeds))
        if o.record.meta.get("legalized"):  # the engine was built from rewritten ONNX: same values on ORT
            legal, _ = legalize(o.record.onnx)
            sess = ort.InferenceSession(legal, providers=["CPUExecutionProvider"])
            legal_out = o.outputs(dict(zip([x.name for x in sess.get_outputs()], sess.run(None, o.feeds), strict=True)))
            for name, value in legal_out.items():
                np.testing.assert_array_equal(value, out[name], err_msg=f"{case['name']}: legalized ONNX differs")
            legalized += 1
        for k, exp in o.expected.items():
            try:
                check_close(out[k], exp, case.get("tolerance"), f"{case['name']} [{k}]")
            except AssertionError as e:
                problems.append(f"simulated: {e}")
    assert not problems, "\n".join(problems)
    if counts["built"] + counts["rejected"] == 0:
        pytest.skip(f"{op_file[:-5]}: not implemented in webnn yet")
