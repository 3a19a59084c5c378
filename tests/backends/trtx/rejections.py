"""AOT-build the WPT-derived conformance graphs with TensorRT-RTX and classify each outcome.

Shared by tests/backends/trtx/test_conformance_aot.py and tools/trtx_report.py. A rejection by
TensorRT-RTX must match one of :data:`KNOWN_LIMITS` (a true TensorRT-RTX limit, with the
evidence); anything else is either a converter bug to fix or a new limit to document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import webnn
from webnn.backends import Backend, CompiledGraph
from webnn.errors import ConversionError, TrtxRuntimeFailed, UnsupportedError, ValidationError

#: (pattern on the TensorRT-RTX error, short reason for the table). Each is a limit of
#: TensorRT-RTX itself, not of webnn's ONNX: the data type or op/type pair does not exist there.
KNOWN_LIMITS: list[tuple[str, str]] = [
    (
        r"Unsupported ONNX data type: UINT32|graph input .*convertDtype",
        "no uint32/uint64 tensors in TensorRT-RTX (its types: float32, float16, bfloat16, int8, int32, int64, uint8, bool, fp8/fp4)",
    ),
    (r"requires inputs with type .* But type is UInt8", "TensorRT-RTX elementwise arithmetic does not take uint8 (only float, int8, int32, int64)"),
]

STATUSES = ("built", "rejected by TensorRT-RTX", "not implemented in webnn", "invalid for webnn", "webnn error")


@dataclass
class Outcome:
    status: str
    detail: str = ""
    limit: str = ""  # the KNOWN_LIMITS reason when a TensorRT-RTX rejection matched one
    info: Any = None  # GraphInfo when the graph was built
    record: Any = None  # EngineRecord when the engine was built
    feeds: dict | None = None
    expected: dict | None = None
    output_names: dict | None = None  # WebNN output name -> the ONNX/engine output name

    def outputs(self, engine_outputs: dict) -> dict:
        """Engine outputs under their WebNN names."""
        names = self.output_names or {}
        return {k: engine_outputs[names.get(k, k)] for k in (self.expected or {})}


class _Capture(Backend):
    """A backend that only records the GraphInfo (so building a case costs no engine)."""

    name = "capture"

    def compile(self, info):
        cg = CompiledGraph()
        cg.info = info
        return cg


def capture_context() -> webnn.MLContext:
    ctx = webnn.MLContext(accelerated=False)
    ctx._backend = _Capture()
    return ctx


def match_limit(message: str, case: dict | None = None) -> str:
    text = message
    if case is not None:  # the parser prints the unsupported type to stdout only; the case says it
        types = {s["descriptor"]["dataType"] for s in case["graph"]["inputs"].values()}
        types |= {s["descriptor"]["dataType"] for s in case["graph"]["expectedOutputs"].values()}
        if types & {"uint32", "uint64"} and "convertDtype" in message:
            text += " Unsupported ONNX data type: UINT32"
    for pattern, reason in KNOWN_LIMITS:
        if re.search(pattern, text):
            return reason
    return ""


def classify(case: dict, ctx: webnn.MLContext, cache: Any = None) -> Outcome:
    """Build the case's graph with webnn, convert it to ONNX and AOT-build it with TensorRT-RTX."""
    from tests.conformance.harness import build_case
    from webnn.backends.trtx.engines import get_engine
    from webnn.converters import default_registry

    try:
        graph, feeds, expected = build_case(case, ctx)
    except AttributeError as e:
        if "MLGraphBuilder" in str(e):
            return Outcome("not implemented in webnn", str(e).split("attribute ")[-1].strip("'"))
        return Outcome("webnn error", f"AttributeError: {e}")
    except (UnsupportedError, NotImplementedError) as e:
        return Outcome("not implemented in webnn", str(e).splitlines()[0])
    except ValidationError as e:
        return Outcome("invalid for webnn", str(e).splitlines()[0])
    except Exception as e:  # noqa: BLE001
        return Outcome("webnn error", f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    info = graph._compiled.info
    try:
        converted = default_registry().convert(info, "onnx")
        onnx_bytes = converted.data
    except ConversionError as e:
        if "no rule" in str(e):
            return Outcome("not implemented in webnn", str(e), info=info)
        return Outcome("webnn error", f"ConversionError: {e}", info=info)
    try:
        rec = get_engine(onnx_bytes, cache=cache, label=case["name"], progress=False)
    except TrtxRuntimeFailed as e:
        msg = " ".join(str(e).split())
        return Outcome("rejected by TensorRT-RTX", msg, match_limit(msg, case), info=info, feeds=feeds, expected=expected)
    names = converted.metadata.get("output_names") or {}
    return Outcome("built", "", info=info, record=rec, feeds=feeds, expected=expected, output_names=names)
