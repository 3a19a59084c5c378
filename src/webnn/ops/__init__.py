"""Operator definitions: validation and shape inference for every WebNN operator.

Each operator is one function decorated with :func:`op` in a module of this package
(one module per op family). The function receives the builder's arguments (operands
as :class:`~webnn.operand.MLOperand`, options as keyword arguments in snake_case),
validates them following the specification and returns a :class:`Node`: the operands
it consumes (in a fixed order), normalised attributes and output descriptors.

The tensor limits declared with the decorator (the spec's "allowed data types / allowed
ranks" tables) are checked before the function runs and feed ``opSupportLimits()``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..errors import ValidationError
from ..types import DATA_TYPES, MAX_RANK, MLOperandDescriptor

ANY = DATA_TYPES


@dataclass(frozen=True)
class Limit:
    """Allowed data types and ranks of one operand of an operator.

    ``data_types`` is a tuple of type names or ``"same:<param>"``; ``ranks`` is an inclusive
    ``(min, max)`` range (``max`` None meaning any) or ``"same:<param>"``.
    """

    data_types: tuple[str, ...] | str = ANY
    ranks: tuple[int, int | None] | str = (0, None)

    def rank_range(self) -> tuple[int, int]:
        if isinstance(self.ranks, str):
            return (0, MAX_RANK)
        lo, hi = self.ranks
        return (lo, MAX_RANK if hi is None else hi)


def L(data_types: tuple[str, ...] | str = ANY, ranks: int | tuple[int, int | None] | str = (0, None)) -> Limit:
    """Shorthand: ``L(FLOATS, 4)`` = float types, exactly rank 4; ``L("same:input", "same:input")``."""
    if isinstance(ranks, int):
        ranks = (ranks, ranks)
    return Limit(data_types, ranks)


class OpArgError(ValidationError):
    """Raised inside an op definition; the builder prefixes the op name."""

    def __init__(self, arg: str, message: str) -> None:
        super().__init__(f"{arg}: {message}")
        self.arg = arg
        self.detail = message


def invalid(arg: str, message: str) -> OpArgError:
    """Build the error for argument ``arg`` (``raise invalid("axis", "must be < rank 3, got 5")``)."""
    return OpArgError(arg, message)


@dataclass
class Node:
    """What an op definition returns: consumed operands, attributes and output descriptors."""

    inputs: Sequence[Any]
    outputs: MLOperandDescriptor | list[MLOperandDescriptor]
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class OpDef:
    """One operator: its snake_case name, spec (camelCase) name, definition and tensor limits."""

    name: str
    spec_name: str
    fn: Callable[..., Node]
    limits: dict[str, Limit]
    multi_output: bool = False
    signature: inspect.Signature = field(init=False)

    def __post_init__(self) -> None:
        self.signature = inspect.signature(self.fn)


OPS: dict[str, OpDef] = {}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def op(name: str | None = None, *, spec_name: str | None = None, multi_output: bool = False, **limits: Limit) -> Callable:
    """Register an operator definition. Keyword arguments are the tensor limits per operand."""

    def register(fn: Callable[..., Node]) -> Callable[..., Node]:
        n = name or fn.__name__
        if n in OPS:
            raise RuntimeError(f"operator {n} defined twice")
        OPS[n] = OpDef(n, spec_name or camel(n), fn, dict(limits), multi_output)
        return fn

    return register


def define(name: str, fn: Callable[..., Node], *, spec_name: str | None = None, multi_output: bool = False, **limits: Limit) -> None:
    """Register ``fn`` under ``name`` (for families of ops sharing one definition)."""
    op(name, spec_name=spec_name, multi_output=multi_output, **limits)(fn)


_loaded = False


def load_all() -> dict[str, OpDef]:
    """Import every op-family module of this package (each registers its ops) and return OPS."""
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            if not mod.name.startswith("_"):
                importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True
    return OPS
