"""Converters turn a backend-agnostic :class:`~webnn.graph.GraphInfo` into a backend format."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..errors import ConversionError
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


class ConverterRegistry:
    """Holds converters by format; ``convert`` caches the result on the GraphInfo."""

    def __init__(self) -> None:
        self._converters: dict[str, GraphConverter] = {}
        self._lock = threading.Lock()

    def register(self, converter: GraphConverter) -> None:
        self._converters[converter.format] = converter

    def formats(self) -> list[str]:
        return sorted(self._converters)

    def get(self, fmt: str) -> GraphConverter:
        try:
            return self._converters[fmt]
        except KeyError:
            raise ConversionError(f"no converter for format {fmt!r} (available: {', '.join(self.formats())})") from None

    def convert(self, graph_info: GraphInfo, fmt: str) -> ConvertedGraph:
        """Convert once per graph and format; later calls return the cached result."""
        cached = graph_info.conversions.get(fmt)
        if cached is not None:
            return cached
        converter = self.get(fmt)
        with self._lock:
            cached = graph_info.conversions.get(fmt)
            if cached is None:
                cached = converter.convert(graph_info)
                graph_info.conversions[fmt] = cached
        return cached


_default: ConverterRegistry | None = None


def default_registry() -> ConverterRegistry:
    """The process-wide registry with every converter this installation provides."""
    global _default
    if _default is None:
        from .onnx import OnnxConverter  # imports onnx: only when a conversion is first asked for

        reg = ConverterRegistry()
        reg.register(OnnxConverter())
        try:
            from .coreml import CoremlMlProgramConverter  # optional: needs coremltools
        except ImportError:
            pass
        else:
            reg.register(CoremlMlProgramConverter())
        _default = reg
    return _default


__all__ = ["ConvertedGraph", "GraphConverter", "ConverterRegistry", "default_registry"]
