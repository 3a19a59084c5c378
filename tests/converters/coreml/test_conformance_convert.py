"""Every WPT-derived conformance graph converts to a valid CoreML ML Program (runs on Linux).

For each case: the graph is built (ONNX Runtime context: only the GraphInfo is used), converted
by the ``"coreml"`` converter, the zipped ``.mlpackage`` is written out and its spec reloaded
and checked (ML Program, iOS18 spec, feature names/types/shapes as the I/O plan says). Then the
converted program is evaluated with coremltools' MIL value inference (numpy; not CoreML's
runtime) and compared with the expected outputs under the case's tolerance, which checks the
conversion itself (layouts, decompositions, index handling) where every MIL op on the path
has a value-inference function. Cases CoreML cannot express are listed in ``expected.py``
with the specific error they must raise.
"""

from __future__ import annotations

import pytest

import webnn
from webnn.errors import ConversionError, UnsupportedError
from webnn.ops import load_all

from .expected import REFUSED
from conformance.harness import all_case_ids, build_case, check_close, load_cases, snake

CASES = all_case_ids()
# 971 conversions through coremltools (a tenth of a second each): minutes in all; test_ops_eval.py
# and test_structure.py cover the converter in the quick loop.
pytestmark = pytest.mark.slow
_FEATURE_TYPES = {"fp32": "FLOAT32", "fp16": "FLOAT16", "int32": "INT32"}


@pytest.fixture(scope="module")
def context() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False, backend="onnxruntime")


def _missing_ops(case: dict) -> list[str]:
    ops = load_all()
    return [o["name"] for o in case["graph"]["operators"] if snake(o["name"]) not in ops and o["name"] not in ops]


def check_spec(spec, plan) -> None:
    """The reloaded spec is an iOS18 ML Program whose features match the I/O plan."""
    from coremltools.proto import FeatureTypes_pb2 as ft

    assert spec.WhichOneof("Type") == "mlProgram"
    assert spec.specificationVersion >= 9  # iOS18 / macOS 15
    ins = {f.name: f for f in spec.description.input}
    outs = {f.name: f for f in spec.description.output}
    assert list(ins) == [s.feature for s in plan.inputs] + ([plan.placeholder] if plan.placeholder else [])
    assert list(outs) == [s.feature for s in plan.outputs] + ([plan.placeholder_output] if plan.placeholder else [])
    for s, f in [(s, ins[s.feature]) for s in plan.inputs] + [(s, outs[s.feature]) for s in plan.outputs]:
        arr = f.type.multiArrayType
        assert ft.ArrayFeatureType.ArrayDataType.Name(arr.dataType) == _FEATURE_TYPES[s.carrier], s
        assert tuple(arr.shape) == tuple(s.feature_shape), s


@pytest.mark.parametrize("op_file,index,name", CASES, ids=[f"{f[:-5]}:{n}" for f, _, n in CASES])
def test_converts(context: webnn.MLContext, op_file: str, index: int, name: str) -> None:
    from webnn.converters.coreml import CoremlMlProgramConverter, evaluate, load_spec
    from webnn.converters.coreml._io import IoPlan

    case = load_cases(op_file)[index]
    missing = _missing_ops(case)
    if missing:
        pytest.skip(f"operator(s) {', '.join(missing)} not in the op table yet")
    graph, feeds, expected = build_case(case, context)
    refused = REFUSED.get(name)
    if refused and refused[0] == "ConversionError":
        with pytest.raises(ConversionError, match=refused[1].replace("[", r"\[").replace("(", r"\(")):
            CoremlMlProgramConverter().convert(graph.info)
        return
    converted = CoremlMlProgramConverter().convert(graph.info)
    plan = IoPlan.from_json(converted.metadata["io"])
    check_spec(load_spec(converted), plan)
    if refused:  # converts, but these input values cannot be fed to CoreML
        with pytest.raises(UnsupportedError, match=refused[1].replace("[", r"\[")):
            evaluate(graph.info, feeds)
        return
    out = evaluate(graph.info, feeds)
    assert set(out) == set(expected)
    for k, exp in expected.items():
        if out[k] is None:
            continue  # a MIL op without value inference on the path (covered by the macOS tests)
        check_close(out[k], exp, case.get("tolerance"), f"{name} [{k}]")
