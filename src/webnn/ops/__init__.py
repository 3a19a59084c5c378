"""Operator definitions: validation and shape inference for every WebNN operator.

Each operator is one function decorated with :func:`op` in a module of this package
(one module per op family). The function receives the builder's arguments (operands
as :class:`~webnn.operand.MLOperand`, options as keyword arguments in snake_case),
validates them following the specification and returns a :class:`Node`: output
descriptors and normalised attributes. The operation records the operands of the
function's operand parameters, in signature order, under their parameter names
(:attr:`OpDef.inputs`): converters read them by name (``op.input("bias")``).

The tensor limits declared with the decorator (the spec's "allowed data types / allowed
ranks" tables) are checked before the function runs and feed ``opSupportLimits()``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
    """What an op definition returns: output descriptors and normalised attributes.

    The operands an operation consumes are its operand parameters (:attr:`OpDef.inputs`).
    """

    outputs: MLOperandDescriptor | list[MLOperandDescriptor]
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class OpDef:
    """One operator: its snake_case name, spec (camelCase) name, definition and tensor limits.

    ``inputs`` names the operand parameters of the definition's signature, in signature order:
    the operands recorded for an operation, and the names converters read them by. They are
    the parameters with a tensor limit (``output*`` limits describe outputs). ``variadic`` is
    the one parameter taking a sequence of operands (``concat``'s ``inputs``), if any.
    """

    name: str
    spec_name: str
    fn: Callable[..., Node]
    limits: dict[str, Limit]
    multi_output: bool = False
    signature: inspect.Signature = field(init=False)
    inputs: tuple[str, ...] = field(init=False)
    variadic: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.signature = inspect.signature(self.fn)
        params = self.signature.parameters
        unknown = [n for n in self.limits if n not in params and not n.startswith("output")]
        unlimited = [n for n, p in params.items() if re.search(r"\bMLOperand\b", str(p.annotation)) and n not in self.limits]
        if unknown or unlimited:
            raise RuntimeError(f"operator {self.name}: tensor limits for non-parameters {unknown}, operand parameters without limits {unlimited}")
        self.inputs = tuple(n for n in params if n in self.limits)
        sequences = [n for n in self.inputs if str(params[n].annotation).startswith(("Sequence", "list", "tuple"))]
        if len(sequences) > 1:
            raise RuntimeError(f"operator {self.name}: more than one sequence-of-operands parameter {sequences}")
        self.variadic = sequences[0] if sequences else None

    def operands(self, arguments: Mapping[str, Any]) -> list[Any]:
        """The operands to record from bound ``arguments``: each input in order (None for an absent
        optional one), the variadic parameter's items in place."""
        out: list[Any] = []
        for n in self.inputs:
            if n == self.variadic:
                out.extend(arguments[n])
            else:
                out.append(arguments.get(n))
        return out

    def input_names(self, count: int) -> tuple[str, ...]:
        """The input name of each of ``count`` recorded operands (the variadic name repeats)."""
        if self.variadic is None:
            if count != len(self.inputs):
                raise LookupError(f"{self.name} takes {len(self.inputs)} inputs ({', '.join(self.inputs)}), the operation has {count}")
            return self.inputs
        fixed = len(self.inputs) - 1
        if count < fixed:
            raise LookupError(f"{self.name} takes at least {fixed} inputs besides {self.variadic}, the operation has {count}")
        i = self.inputs.index(self.variadic)
        return self.inputs[:i] + (self.variadic,) * (count - fixed) + self.inputs[i + 1 :]


OPS: dict[str, OpDef] = {}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def op(name: str | None = None, *, spec_name: str | None = None, multi_output: bool = False, **limits: Limit) -> Callable:
    """Register an operator definition. Keyword arguments are the tensor limits per operand.

    A dict of limits passed as ``op(**LIMITS)`` is annotated ``dict[str, Any]``: a type checker
    cannot tell its keys from ``op``'s own keyword parameters.
    """

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
