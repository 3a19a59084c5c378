"""The seed's executor functions: run a model's bytes directly on one engine.

``webnn.executors.onnx`` (ONNX Runtime), ``webnn.executors.trtx`` (TensorRT-RTX) and
``webnn.executors.coreml`` (CoreML) each expose ``run_*_zeroed`` and ``run_*_with_inputs``
and their input/output classes (one definition, here, under each engine's name). They are a
thin facade: the work is done by the backends (:mod:`webnn.backends`), which also run webnn
graphs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class ModelInput:
    """A named input: its shape and data (an array, or a list taking the model's input type; None for zeroed runs)."""

    name: str
    shape: Sequence[int]
    data: Any = None


@dataclass
class ModelOutput:
    """An output's name, shape and data type (no data)."""

    name: str
    shape: list[int]
    data_type: str


@dataclass
class ModelOutputWithData:
    """An output's name, shape and data."""

    name: str
    shape: list[int]
    data: np.ndarray


def takes_options_of(backend: type) -> Callable[[F], F]:
    """Show ``backend``'s keyword options in the signature of a ``(model, inputs, **options)`` function
    that passes them on to it (for ``help()`` and callers that check option names)."""

    def mark(fn: F) -> F:
        own = [p for p in inspect.signature(fn).parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        theirs = [p for p in inspect.signature(backend).parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]
        fn.__signature__ = inspect.signature(fn).replace(parameters=own + theirs)  # type: ignore[attr-defined]
        return fn

    return mark


__all__ = ["ModelInput", "ModelOutput", "ModelOutputWithData", "takes_options_of"]
