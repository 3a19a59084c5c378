"""The spec's ``opSupportLimits()``, derived from the op table's tensor limits."""

from __future__ import annotations

from typing import Any

from .ops import OPS, Limit, camel, load_all
from .types import DATA_TYPES, MAX_RANK, MAX_TENSOR_BYTE_LENGTH


class Limits(dict):
    """A dict keyed by spec (camelCase) names that also answers snake_case lookups."""

    def __getitem__(self, key: str) -> Any:
        if not dict.__contains__(self, key) and isinstance(key, str) and "_" in key:
            key = camel(key)
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        return isinstance(key, str) and dict.__contains__(self, camel(key))

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default


def _tensor(data_types: tuple[str, ...], ranks: tuple[int, int], backend_types: tuple[str, ...]) -> Limits:
    return Limits(dataTypes=[d for d in data_types if d in backend_types], rankRange=Limits(min=ranks[0], max=ranks[1]))


def op_support_limits(backend: Any = None) -> Limits:
    """Per-op limits; a backend may narrow data types with ``supported_data_types(op, operand)``."""
    load_all()
    out = Limits(
        preferredInputLayout="nchw",
        maxTensorByteLength=MAX_TENSOR_BYTE_LENGTH,
        input=_tensor(DATA_TYPES, (0, MAX_RANK), DATA_TYPES),
        constant=_tensor(DATA_TYPES, (0, MAX_RANK), DATA_TYPES),
        output=_tensor(DATA_TYPES, (0, MAX_RANK), DATA_TYPES),
    )
    narrow = getattr(backend, "supported_data_types", None)
    for opdef in OPS.values():
        entry = Limits()
        resolved: dict[str, tuple[tuple[str, ...], tuple[int, int]]] = {}
        pending = dict(opdef.limits)
        for _ in range(len(pending) + 1):  # resolve "same:<param>" references
            for pname, lim in list(pending.items()):
                dts, ranks = lim.data_types, lim.ranks
                if isinstance(dts, str):
                    ref = dts.split(":", 1)[1]
                    if ref not in resolved:
                        continue
                    dts = resolved[ref][0]
                if isinstance(ranks, str):
                    ref = ranks.split(":", 1)[1]
                    rr = resolved[ref][1] if ref in resolved else (0, MAX_RANK)
                else:
                    rr = Limit(dts, ranks).rank_range()
                resolved[pname] = (tuple(dts), rr)
                del pending[pname]
        for pname, (dts, rr) in resolved.items():
            allowed = tuple(narrow(opdef.name, pname)) if narrow else DATA_TYPES
            key = pname if "_" not in pname else __import__("webnn.ops", fromlist=["camel"]).camel(pname)
            entry[key] = _tensor(dts, rr, allowed)
        out[opdef.spec_name] = entry
    return out
