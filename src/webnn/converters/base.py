"""What every converter produces and provides: :class:`ConvertedGraph` and :class:`GraphConverter`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..graph import GraphInfo


@dataclass(frozen=True)
class ConvertedGraph:
    """A converted graph: its format name, serialized bytes and format-specific metadata."""

    format: str
    data: bytes
    metadata: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class GraphConverter(Protocol):
    """Converts a GraphInfo to one format."""

    format: str

    def convert(self, graph_info: GraphInfo) -> ConvertedGraph: ...
