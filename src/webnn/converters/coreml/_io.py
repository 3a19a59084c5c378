"""How WebNN graph inputs/outputs map onto a CoreML ML Program's features, and the host-side
conversions between them. Shared by the converter (which writes the plan), the CoreML backend
and the seed executor (which apply it); needs only numpy.

CoreML ML Programs compute integers in int32 only (model features: float32, float16, int32):

- ``float32`` / ``float16`` / ``int32`` operands are features of their own type.
- ``int8`` / ``uint8`` operands are carried as int32 (every value is exact); the host widens
  inputs and narrows outputs (exact: the program keeps them in range).
- ``int64`` / ``uint64`` / ``uint32`` ("wide" types) are carried as int32 where that is exact:
  an input is either *checked* (every value must lie in int32's range, else
  :class:`~webnn.errors.UnsupportedError` at compute time) or, when the graph only uses it as
  gather/scatter indices, *clamped* into int32's range (exact: WebNN clamps indices to the
  indexed dimension anyway). Outputs are widened on the host.
- Rank-0 inputs are fed as shape ``[1]`` (CoreML has no rank-0 model inputs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ...errors import UnsupportedError

#: WebNN data type -> the CoreML type the program carries it in.
CARRIER = {
    "float32": "fp32",
    "float16": "fp16",
    "int32": "int32",
    "int8": "int32",
    "uint8": "int32",
    "uint32": "int32",
    "int64": "int32",
    "uint64": "int32",
}
NP_CARRIER: dict[str, np.dtype] = {"fp32": np.dtype(np.float32), "fp16": np.dtype(np.float16), "int32": np.dtype(np.int32)}
WIDE = ("int64", "uint64", "uint32")
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
METADATA_KEY = "webnn.io"


@dataclass(frozen=True)
class IoSpec:
    """One graph input or output and its CoreML feature."""

    name: str  # WebNN name
    feature: str  # CoreML feature name (sanitised, unique)
    data_type: str  # WebNN data type
    shape: tuple[int, ...]  # WebNN shape
    carrier: str  # "fp32" | "fp16" | "int32"
    feature_shape: tuple[int, ...]  # shape of the CoreML feature ([1] for rank-0 inputs)
    narrow: str = ""  # inputs of wide types: "check" or "clamp"

    def to_json(self) -> dict:
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["feature_shape"] = list(self.feature_shape)
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> IoSpec:
        return cls(d["name"], d["feature"], d["data_type"], tuple(d["shape"]), d["carrier"], tuple(d["feature_shape"]), d.get("narrow", ""))


@dataclass(frozen=True)
class IoPlan:
    """Every graph input and output as a CoreML feature.

    ``placeholder``: a graph without inputs gets one float16 [1] input feature of this name
    (CoreML cannot run a model without inputs, and only when the input is used: it is also
    returned as the extra output ``placeholder_output``); the host feeds it a zero.
    """

    inputs: tuple[IoSpec, ...]
    outputs: tuple[IoSpec, ...]
    placeholder: str = ""
    placeholder_output: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "inputs": [i.to_json() for i in self.inputs],
                "outputs": [o.to_json() for o in self.outputs],
                "placeholder": self.placeholder,
                "placeholder_output": self.placeholder_output,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> IoPlan:
        d = json.loads(text)
        return cls(
            tuple(IoSpec.from_json(i) for i in d["inputs"]),
            tuple(IoSpec.from_json(o) for o in d["outputs"]),
            d.get("placeholder", ""),
            d.get("placeholder_output", ""),
        )

    def features(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The CoreML feature dict for WebNN-named input arrays."""
        feed = {s.feature: to_feature(s, inputs[s.name]) for s in self.inputs}
        if self.placeholder:
            feed[self.placeholder] = np.zeros((1,), np.float16)
        return feed


_IDENT = re.compile(r"[^A-Za-z0-9_]")


def feature_names(names: Sequence[str], taken: set[str] | None = None) -> list[str]:
    """CoreML-safe, unique feature names for ``names`` (kept when already valid identifiers)."""
    taken = set() if taken is None else taken
    out = []
    for n in names:
        base = _IDENT.sub("_", n) or "x"
        if base[0].isdigit():
            base = "_" + base
        cand, k = base, 1
        while cand in taken:
            cand = f"{base}_{k}"
            k += 1
        taken.add(cand)
        out.append(cand)
    return out


def to_feature(spec: IoSpec, value: np.ndarray) -> np.ndarray:
    """A WebNN input array as the CoreML feature value (exact, or UnsupportedError)."""
    a = np.asarray(value)
    target = NP_CARRIER[spec.carrier]
    if spec.data_type in WIDE:
        lo, hi = (INT32_MIN if spec.data_type == "int64" else 0), INT32_MAX
        if spec.narrow == "clamp":
            if spec.data_type == "int64":
                a = np.clip(a, INT32_MIN, INT32_MAX)
            else:
                a = np.minimum(a, np.array(INT32_MAX, dtype=a.dtype))
        elif a.size and (a.min() < lo or a.max() > hi):
            bad = a[(a < lo) | (a > hi)].ravel()[0]
            raise UnsupportedError(
                f"coreml: input {spec.name!r} ({spec.data_type}) holds {int(bad)}, outside [{lo}, {hi}]: CoreML computes "
                f"integers in int32 and this graph uses the input as a value, not only as indices"
            )
    a = a.astype(target, copy=False)
    return np.ascontiguousarray(a.reshape(spec.feature_shape))


def from_feature(spec: IoSpec, value: Any) -> np.ndarray:
    """A CoreML output feature value as the WebNN output array."""
    a = np.asarray(value)
    if a.dtype != NP_CARRIER[spec.carrier]:
        a = a.astype(NP_CARRIER[spec.carrier])
    return a.reshape(spec.shape).astype(np.dtype(spec.data_type), copy=False)


__all__ = ["IoSpec", "IoPlan", "CARRIER", "NP_CARRIER", "WIDE", "METADATA_KEY", "to_feature", "from_feature", "feature_names"]
