"""CoreML itself (macOS only; skipped elsewhere with the reason, see conftest.py).

Every conformance case runs on the CoreML backend and is compared with ONNX Runtime and with
the expected values, within the case's tolerance; the seed executor and the compute units of
each power preference are exercised too.
"""

from __future__ import annotations

import numpy as np
import pytest

import webnn
from webnn.converters import default_registry
from webnn.errors import ConversionError, UnsupportedError

from ._util import CTX, build
from .expected import REFUSED
from conformance.harness import all_case_ids, build_case, check_close, load_cases

pytestmark = pytest.mark.macos
CASES = all_case_ids()


@pytest.fixture(scope="module")
def coreml_ctx() -> webnn.MLContext:
    return webnn.MLContext(backend="coreml", strict=True)


@pytest.mark.parametrize("op_file,index,name", CASES, ids=[f"{f[:-5]}:{n}" for f, _, n in CASES])
def test_conformance_on_coreml(coreml_ctx: webnn.MLContext, op_file: str, index: int, name: str) -> None:
    case = load_cases(op_file)[index]
    tol = case.get("tolerance")
    refused = REFUSED.get(name)
    if refused and refused[0] == "ConversionError":
        with pytest.raises(ConversionError):
            build_case(case, coreml_ctx)
        return
    graph, feeds, expected = build_case(case, coreml_ctx)
    assert graph.backend == "coreml"
    if refused:
        with pytest.raises(UnsupportedError):
            coreml_ctx.compute(graph, feeds)
        return
    out = coreml_ctx.compute(graph, feeds)
    ref_graph, _, _ = build_case(case, CTX)
    ref = CTX.compute(ref_graph, feeds)
    for k, exp in expected.items():
        check_close(out[k], exp, tol, f"{name} [{k}] vs expected")
        check_close(out[k], ref[k], tol, f"{name} [{k}] vs ONNX Runtime")


@pytest.mark.parametrize("pref", ["default", "low-power", "high-performance"])
def test_power_preferences_agree(pref):
    ctx = webnn.MLContext(backend="coreml", power_preference=pref, strict=True)
    assert ctx._backend.compute_units == {"default": "ALL", "low-power": "CPU_AND_NE", "high-performance": "CPU_AND_GPU"}[pref]
    x = np.linspace(-3, 3, 24, dtype=np.float16).reshape(2, 3, 4)
    b = webnn.MLGraphBuilder(ctx)
    xi = b.input("x", webnn.MLOperandDescriptor("float16", [2, 3, 4]))
    g = b.build({"y": b.tanh(b.add(xi, xi))})
    np.testing.assert_allclose(ctx.compute(g, {"x": x})["y"], np.tanh(2 * x.astype(np.float32)).astype(np.float16), atol=2e-3)


def test_seed_executor():
    from webnn.executors.coreml import CoremlInput, run_coreml_with_inputs, run_coreml_zeroed_cached

    x = np.arange(6, dtype=np.int8).reshape(2, 3)
    g = build(lambda b, x: b.add(x, x), {"x": x})
    data = default_registry().convert(g.info, "coreml").data
    out = run_coreml_with_inputs(data, [CoremlInput("x", [2, 3], x)])
    assert out[0].name == "y0" and out[0].data.dtype == np.int8
    np.testing.assert_array_equal(out[0].data, x + x)
    z = run_coreml_zeroed_cached(data, [CoremlInput("x", [2, 3], None)])
    assert z[0].data_type == "int8" and z[0].shape == [2, 3]


def test_round_even_ties_on_coreml(coreml_ctx):
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5], np.float32)
    b = webnn.MLGraphBuilder(coreml_ctx)
    g = b.build({"y": b.round_even(b.input("x", webnn.MLOperandDescriptor("float32", [6])))})
    np.testing.assert_array_equal(coreml_ctx.compute(g, {"x": x})["y"], np.round(x))


def test_integer_wrapping_and_wide_types_on_coreml(coreml_ctx):
    a = np.array([127, -128, 100], np.int8)
    idx = np.array([-(2**40), 2**40, 1], np.int64)
    d = np.arange(8, dtype=np.float32).reshape(4, 2)
    b = webnn.MLGraphBuilder(coreml_ctx)
    ai = b.input("a", webnn.MLOperandDescriptor("int8", [3]))
    ii = b.input("i", webnn.MLOperandDescriptor("int64", [3]))
    di = b.input("d", webnn.MLOperandDescriptor("float32", [4, 2]))
    g = b.build({"s": b.add(ai, ai), "g": b.gather(di, ii), "m": b.arg_max(di, 0, output_data_type="int64")})
    out = coreml_ctx.compute(g, {"a": a, "i": idx, "d": d})
    np.testing.assert_array_equal(out["s"], (a.astype(np.int32) * 2).astype(np.int8))
    np.testing.assert_array_equal(out["g"], d[[0, 3, 1]])
    assert out["m"].dtype == np.int64
    np.testing.assert_array_equal(out["m"], [3, 3])
