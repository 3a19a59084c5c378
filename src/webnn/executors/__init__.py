"""The seed's executor functions: run a model's bytes directly on one engine.

``webnn.executors.onnx`` (ONNX Runtime), ``webnn.executors.trtx`` (TensorRT-RTX) and
``webnn.executors.coreml`` (CoreML) each expose ``run_*_zeroed`` and ``run_*_with_inputs``
and their input/output classes (one definition, here, under each engine's name). They are a
thin facade: the work is done by the backends (:mod:`webnn.backends`), which also run webnn
graphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np


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


__all__ = ["ModelInput", "ModelOutput", "ModelOutputWithData"]
