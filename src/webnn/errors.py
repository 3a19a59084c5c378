"""Exceptions raised by webnn.

Builder validation failures raise :class:`ValidationError` (a ``TypeError``, as the
WebNN specification throws ``TypeError``); failures while building or running a graph
on a backend raise subclasses of :class:`GraphError` (a ``RuntimeError``).
"""

from __future__ import annotations


class ValidationError(TypeError):
    """An argument does not satisfy the WebNN specification's validation steps."""


class InvalidStateError(RuntimeError):
    """An object was used in a state that forbids it (e.g. a builder after ``build``)."""


class GraphError(RuntimeError):
    """Base class for failures while converting, compiling or running a graph."""


class ConversionError(GraphError):
    """A graph could not be converted to a backend format."""


class BackendUnavailable(GraphError):
    """A requested backend cannot run on this machine (the message says why)."""

    # set by selection: the backend, the first problem's kind, every (kind, reason) problem
    backend: str
    missing: str | None
    problems: list[tuple[str, str]]


class OnnxRuntimeFailed(GraphError):
    """ONNX Runtime failed to load or run a model."""


class TrtxRuntimeFailed(GraphError):
    """TensorRT-RTX failed to parse, build, load or run an engine."""


class CoremlRuntimeFailed(GraphError):
    """CoreML failed to compile or run a model."""


class UnsupportedError(GraphError):
    """A feature is valid per the specification but not supported by this implementation."""
