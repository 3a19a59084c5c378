"""MLOperand: a handle to a value in a graph under construction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .types import MLOperandDescriptor

if TYPE_CHECKING:  # pragma: no cover
    from .builder import MLGraphBuilder


class MLOperand:
    """An operand of a graph being built: an input, a constant or an operator's output."""

    __slots__ = ("_builder", "_id", "_desc", "_kind", "_name")

    def __init__(self, builder: MLGraphBuilder, operand_id: int, desc: MLOperandDescriptor, kind: str, name: str = "") -> None:
        self._builder = builder
        self._id = operand_id
        self._desc = desc
        self._kind = kind  # "input" | "constant" | "output" (of an operator)
        self._name = name

    @property
    def descriptor(self) -> MLOperandDescriptor:
        return self._desc

    @property
    def data_type(self) -> str:
        return self._desc.data_type

    dataType = data_type  # spec spelling

    @property
    def shape(self) -> list[int]:
        return list(self._desc.shape)

    @property
    def rank(self) -> int:
        return len(self._desc.shape)

    @property
    def dtype(self):
        """numpy dtype of this operand."""
        return self._desc.dtype

    def __repr__(self) -> str:
        what = f" {self._name!r}" if self._name else ""
        return f"<MLOperand {self._kind}{what} {self._desc.data_type} {list(self._desc.shape)}>"
