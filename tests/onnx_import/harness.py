"""Run ONNX's backend node test cases through webnn.onnx on ONNX Runtime.

The cases come from the installed onnx wheel (``onnx.backend.test.case.node.collect_testcases``):
each is a model with input and expected output arrays and its own rtol/atol. A case is

- ``pass``: it imports, computes, and every output matches (shape, type, rtol/atol);
- ``refused``: the importer refuses it (every reason is kept);
- ``fail``: it imports but a result differs, or the import or the computation raises.

A case refused only because a parameter input (axes, pads, scales, ...) is computed at run
time is run a second time with every input but the first made an initializer (the same
model and data, the parameters known at import): ``variant`` holds that result.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

import webnn
from webnn.onnx import UnsupportedModelError, load_model

#: Cases whose expected float16 values no float16 evaluation order but ONNX's reference one
#: reaches: ONNX Runtime's own kernel for the original node misses the case's tolerance by the
#: same margin. They must match within ``FLOAT16_ULPS`` float16 ulps instead.
FLOAT16_ORDER = {
    "test_attention_4d_causal_fp16": "ONNX Runtime's own Attention kernel misses rtol=1e-3 by the same 2 float16 ulps (0.000488 at 0.469)",
    "test_attention_4d_causal_fp16_expanded": "the function body of the case above; the same 2 float16 ulps",
}
FLOAT16_ULPS = 4


@dataclass
class CaseResult:
    name: str
    op: str
    status: str  # pass | refused | fail | float16
    detail: str = ""
    refusals: list[tuple[str, str, str, str]] = field(default_factory=list)
    variant: str | None = None  # result with the parameter inputs known at import
    variant_detail: str = ""


@functools.lru_cache(maxsize=1)
def collect() -> tuple[Any, ...]:
    """Every node test case of the installed onnx wheel (generated once per process)."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return tuple(collect_testcases(None))


def primary_ops(cases: tuple[Any, ...]) -> dict[str, str]:
    """The ONNX operator each case tests (an ``_expanded`` case tests its base case's operator)."""
    by_name = {c.name: c for c in cases}

    def direct(c: Any) -> str:
        ops = [n.op_type for n in c.model.graph.node]
        if len(set(ops)) == 1:
            return ops[0]
        key = c.name[len("test_"):].replace("_", "").lower()
        best = None
        for op in set(ops):
            if key.startswith(op.lower()) and (best is None or len(op) > len(best)):
                best = op
        return best or ops[-1]

    return {c.name: direct(by_name.get(re.split(r"_expanded", c.name)[0], c)) for c in cases}


def _array(a: Any) -> np.ndarray:
    if isinstance(a, onnx.TensorProto):
        return numpy_helper.to_array(a)
    return np.asarray(a)


def _tensors(names: list[str], inputs: Any) -> dict[str, np.ndarray]:
    """The inputs that are tensors (sequences and optionals are not: such cases are refused)."""
    return {n: _array(a) for n, a in zip(names, inputs, strict=False) if isinstance(a, (np.ndarray, np.generic, onnx.TensorProto))}


def _graph_inputs(model: onnx.ModelProto) -> list[str]:
    inits = {i.name for i in model.graph.initializer}
    return [i.name for i in model.graph.input if i.name not in inits]


def _check(graph: webnn.MLGraph, ctx: webnn.MLContext, model: onnx.ModelProto, names: list[str], case: Any, ulps: int | None) -> str:
    """'' when every data set matches, else what differs."""
    for inputs, outputs in case.data_sets:
        feed = {}
        for name, a in zip(names, inputs, strict=False):
            if name in graph.input_descriptors:
                a = _array(a)
                feed[name] = a.astype(np.uint8) if a.dtype == np.bool_ else a
        out = ctx.compute(graph, feed)
        for vi, exp in zip(model.graph.output, outputs, strict=False):
            exp = _array(exp)
            if exp.dtype == np.bool_:
                exp = exp.astype(np.uint8)
            got = out[vi.name]
            if got.shape != exp.shape:
                return f"output {vi.name!r}: shape {list(got.shape)}, expected {list(exp.shape)}"
            if got.dtype != exp.dtype:
                return f"output {vi.name!r}: dtype {got.dtype}, expected {exp.dtype}"
            try:
                if ulps is not None:
                    spacing = np.spacing(np.abs(exp.astype(np.float16))).astype(np.float32)
                    bad = np.abs(got.astype(np.float32) - exp.astype(np.float32)) > ulps * spacing + case.atol
                    assert not bad.any(), f"{int(bad.sum())} value(s) more than {ulps} float16 ulps away"
                else:
                    np.testing.assert_allclose(got, exp, rtol=case.rtol, atol=case.atol)
            except AssertionError as e:
                return f"output {vi.name!r}: " + " ".join(str(e).split())[:400]
    return ""


def _run(model: onnx.ModelProto, case: Any, ctx: webnn.MLContext, data: dict[str, np.ndarray]) -> tuple[str, str, list]:
    names = _graph_inputs(model)
    shapes = {n: list(data[n].shape) for n in names if n in data}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = load_model(model, ctx, input_shapes=shapes)
    except UnsupportedModelError as e:
        return "refused", str(e).splitlines()[0], list(e.nodes)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        return "fail", f"import: {type(e).__name__}: {' '.join(str(e).split())[:400]}", []
    try:
        ulps = FLOAT16_ULPS if case.name in FLOAT16_ORDER else None
        diff = _check(graph, ctx, model, names, case, ulps)
    except Exception as e:  # noqa: BLE001
        return "fail", f"compute: {type(e).__name__}: {' '.join(str(e).split())[:400]}", []
    finally:
        graph.destroy()
    if diff:
        return "fail", diff, []
    return ("float16" if case.name in FLOAT16_ORDER else "pass"), "", []


def _with_known_parameters(model: onnx.ModelProto, case: Any) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """The same model with every graph input but the first made an initializer (the case's data)."""
    names = _graph_inputs(model)
    data = _tensors(names, case.data_sets[0][0])
    m = onnx.ModelProto()
    m.CopyFrom(model)
    frozen = set(names[1:])
    keep = [vi for vi in m.graph.input if vi.name not in frozen]
    del m.graph.input[:]
    m.graph.input.extend(keep)
    for n in names[1:]:
        m.graph.initializer.append(numpy_helper.from_array(data[n], n))
    return m, {k: v for k, v in data.items() if k not in frozen}


def run_case(case: Any, op: str, ctx: webnn.MLContext) -> CaseResult:
    names = _graph_inputs(case.model)
    data = _tensors(names, case.data_sets[0][0])
    status, detail, refusals = _run(case.model, case, ctx, data)
    r = CaseResult(case.name, op, status, detail, refusals)
    if status == "refused" and refusals and all(k == "dynamic" for _, _, k, _ in refusals) and len(names) > 1 and set(names) <= set(data):
        model, _ = _with_known_parameters(case.model, case)
        vstatus, vdetail, _ = _run_variant(model, case, ctx)
        r.variant, r.variant_detail = vstatus, vdetail
    return r


def _run_variant(model: onnx.ModelProto, case: Any, ctx: webnn.MLContext) -> tuple[str, str, list]:
    first = _graph_inputs(model)
    data = _tensors(first[:1], case.data_sets[0][0])

    class Variant:  # the case with only its first input fed
        name = case.name
        rtol, atol = case.rtol, case.atol
        data_sets = [(ins[:1], outs) for ins, outs in case.data_sets]

    return _run(model, Variant, ctx, data)


def run_all(ctx: webnn.MLContext | None = None) -> list[CaseResult]:
    ctx = ctx or webnn.MLContext(backend="onnxruntime")
    cases = collect()
    ops = primary_ops(cases)
    return [run_case(c, ops[c.name], ctx) for c in cases]
