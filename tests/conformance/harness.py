"""Runs a WPT-derived WebNN conformance case (tests/conformance/data/*.json) through the public API.

The data files are converted from the web-platform-tests WebNN conformance suite
(BSD-3-Clause); see data/README.md for their shape and tolerance rules.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

import webnn

DATA = Path(__file__).parent / "data"
_NP = {
    "float32": np.float32, "float16": np.float16, "int32": np.int32, "uint32": np.uint32,
    "int64": np.int64, "uint64": np.uint64, "int8": np.int8, "uint8": np.uint8,
}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


EXTRA = Path(__file__).parent / "data_extra"


def load_cases(op_file: str, data: Path = DATA) -> list[dict]:
    return json.loads((data / op_file).read_text())["tests"]


def all_case_ids(data: Path = DATA) -> list[tuple[str, int, str]]:
    out = []
    for f in sorted(data.glob("*.json")):
        for i, t in enumerate(json.loads(f.read_text())["tests"]):
            out.append((f.name, i, t["name"]))
    return out


#: A case with a tensor of more elements than this takes seconds (the tests mark it slow).
LARGE_ELEMENTS = 1 << 20


def large_case_names(data: Path = DATA) -> set[str]:
    """Names of the cases in ``data`` with a tensor (input or expected output) above :data:`LARGE_ELEMENTS`."""
    out = set()
    for f in sorted(data.glob("*.json")):
        for t in json.loads(f.read_text())["tests"]:
            specs = [*t["graph"]["inputs"].values(), *t["graph"]["expectedOutputs"].values()]
            if any(int(np.prod(s["descriptor"]["shape"], dtype=np.int64)) > LARGE_ELEMENTS for s in specs):
                out.add(t["name"])
    return out


def _value(v: Any) -> Any:
    if isinstance(v, str):
        if v == "NaN":
            return float("nan")
        if v == "Infinity":
            return float("inf")
        if v == "-Infinity":
            return float("-inf")
        if v.endswith("n"):
            return int(v[:-1])
    return v


def to_array(data: Any, descriptor: dict) -> np.ndarray:
    dt = _NP[descriptor["dataType"]]
    shape = descriptor["shape"]
    if isinstance(data, list):
        vals = [_value(v) for v in data]
        if dt in (np.int64, np.uint64):
            arr = np.array([int(v) for v in vals], dtype=dt)
        else:
            arr = np.array(vals, dtype=np.float64).astype(dt) if dt in (np.float32, np.float16) else np.array(vals).astype(dt)
        return arr.reshape(shape)
    v = _value(data)
    return np.full(shape, v, dtype=dt)


def build_case(case: dict, context: webnn.MLContext) -> tuple[webnn.MLGraph, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Build the case's graph; returns (graph, inputs to feed, expected outputs)."""
    g = case["graph"]
    b = webnn.MLGraphBuilder(context)
    operands: dict[str, Any] = {}
    feeds: dict[str, np.ndarray] = {}
    for name, spec in g["inputs"].items():
        arr = to_array(spec["data"], spec["descriptor"])
        if spec.get("constant"):
            operands[name] = b.constant(webnn.MLOperandDescriptor(spec["descriptor"]["dataType"], spec["descriptor"]["shape"]), arr)
        else:
            operands[name] = b.input(name, webnn.MLOperandDescriptor(spec["descriptor"]["dataType"], spec["descriptor"]["shape"]))
            feeds[name] = arr

    def resolve(v: Any) -> Any:
        if isinstance(v, str) and v in operands:
            return operands[v]
        if isinstance(v, str) and (v in ("NaN", "Infinity", "-Infinity") or re.fullmatch(r"-?\d+n", v)):
            return _value(v)  # a number option (MLNumber): special float or JS BigInt literal
        if isinstance(v, list) and v and all(isinstance(x, str) and x in operands for x in v):
            return [operands[x] for x in v]
        if isinstance(v, dict):
            return {snake(k): resolve(x) for k, x in v.items()}
        return v

    for op in g["operators"]:
        args, kwargs = [], {}
        for a in op["arguments"]:
            ((k, v),) = a.items()
            if k == "options":
                kwargs = resolve(v)
            else:
                args.append(resolve(v))
        method = getattr(b, op["name"], None) or getattr(b, snake(op["name"]))  # spec (camelCase) alias first
        result = method(*args, **kwargs)
        outs = op["outputs"]
        if isinstance(outs, list):
            for n, r in zip(outs, result, strict=True):
                operands[n] = r
        else:
            operands[outs] = result
    expected = {n: to_array(s["data"], s["descriptor"]) for n, s in g["expectedOutputs"].items()}
    graph = b.build({n: operands[n] for n in expected})
    return graph, feeds, expected


def _ordered(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.float32:
        bits = a.view(np.int32).astype(np.int64)
        mag = bits & 0x7FFFFFFF
    elif a.dtype == np.float16:
        bits = a.view(np.int16).astype(np.int64)
        mag = bits & 0x7FFF
    else:
        raise TypeError(a.dtype)
    return np.where(bits < 0, -mag, mag)


def check_close(actual: np.ndarray, expected: np.ndarray, tolerance: dict | None, name: str = "") -> None:
    """Assert ``actual`` matches ``expected`` under a WPT tolerance (ULP or ATOL)."""
    assert actual.dtype == expected.dtype, f"{name}: dtype {actual.dtype} != expected {expected.dtype}"
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != expected {expected.shape}"
    kind = (tolerance or {}).get("metricType", "ULP")
    tol = (tolerance or {}).get("value", 0)
    if expected.dtype.kind in "iu":
        diff = (
            np.abs(actual.astype(object) - expected.astype(object))
            if expected.dtype.itemsize == 8
            else np.abs(actual.astype(np.int64) - expected.astype(np.int64))
        )
        bad = np.nonzero(np.asarray(diff > (tol if kind == "ATOL" else tol), dtype=bool).ravel())[0]
    else:
        nan_a, nan_e = np.isnan(actual), np.isnan(expected)
        assert np.array_equal(nan_a, nan_e), f"{name}: NaN positions differ: got {actual.ravel()[:8]}, expected {expected.ravel()[:8]}"
        a, e = np.where(nan_a, 0, actual), np.where(nan_e, 0, expected)
        if kind == "ATOL":
            with np.errstate(invalid="ignore"):
                d = np.abs(a.astype(np.float64) - e.astype(np.float64))
                d = np.where(a == e, 0, d)  # equal infinities
            bad = np.nonzero(~(d <= tol).ravel())[0]
        else:
            a = np.where(a == 0, np.zeros_like(a), a)  # -0 == +0
            e = np.where(e == 0, np.zeros_like(e), e)
            d = np.abs(_ordered(a) - _ordered(e))
            bad = np.nonzero((d > tol).ravel())[0]
    if len(bad):
        i = bad[0]
        raise AssertionError(
            f"{name}: {len(bad)} of {expected.size} elements outside tolerance {kind} {tol}; "
            f"first at flat index {i}: got {actual.ravel()[i]!r}, expected {expected.ravel()[i]!r}"
        )
