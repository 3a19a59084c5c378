"""Run CoreML ML Programs on CoreML (macOS): the seed's ``run_coreml_*`` functions.

``model_bytes`` is what the ``"coreml"`` converter produces: a zipped ``.mlpackage``
(:func:`webnn.converters.coreml.save_mlpackage` writes it out as a directory). A facade over
:mod:`webnn.backends.coreml`, which loads (and caches) the models and maps WebNN-named, typed
inputs and outputs onto CoreML features. Prediction needs macOS with CoreML; elsewhere every
function raises :class:`~webnn.errors.BackendUnavailable` with the reason (:func:`availability`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..backends.coreml import COMPUTE_UNITS, UNITS, LoadedModel, availability, clear_cache, compute_units_for, load_model, run_model
from . import ModelInput, ModelOutput, ModelOutputWithData


class CoremlInput(ModelInput):
    """A named input for CoreML: its shape and data (a numpy array of the graph input's data type)."""


class CoremlOutput(ModelOutput):
    """A CoreML output's name, shape and data type (no data)."""


class CoremlOutputWithData(ModelOutputWithData):
    """A CoreML output's name, shape and data."""


def run_coreml_with_inputs(model_bytes: bytes, inputs: Sequence[ModelInput], compute_units: str = "ALL") -> list[CoremlOutputWithData]:
    """Run the model on the given inputs; returns every model output with its data."""
    return [CoremlOutputWithData(n, list(a.shape), a) for n, a in run_model(model_bytes, inputs, compute_units).items()]


def run_coreml_zeroed_cached(model_bytes: bytes, inputs: Sequence[ModelInput], compute_units: str = "ALL") -> list[CoremlOutput]:
    """Run the (cached) model on zero-filled inputs of the given shapes; returns output shapes and types.

    Each input's data type is its ``data``'s dtype, else the graph's (from the package metadata).
    """
    return [CoremlOutput(n, list(a.shape), a.dtype.name) for n, a in run_model(model_bytes, inputs, compute_units, zeroed=True).items()]


run_coreml_zeroed = run_coreml_zeroed_cached

__all__ = [
    "COMPUTE_UNITS",
    "UNITS",
    "CoremlInput",
    "CoremlOutput",
    "CoremlOutputWithData",
    "LoadedModel",
    "availability",
    "compute_units_for",
    "load_model",
    "clear_cache",
    "run_coreml_with_inputs",
    "run_coreml_zeroed_cached",
    "run_coreml_zeroed",
]
