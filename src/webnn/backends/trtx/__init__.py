"""TensorRT-RTX: the backend and its plumbing (ONNX bytes -> engine -> CUDA execution), in small single-purpose steps.

The pieces, in the order a graph goes through them (Polygraphy-style: each does one step):

- :mod:`.backend` is the backend (:class:`TrtxBackend`: options, ``availability()``, ``compile``)
  and its compiled graph;
- :mod:`.lib` imports ``tensorrt_rtx`` lazily, says how to install it when it is missing, and
  reads the compute capabilities it supports from its ``ComputeCapability`` enum;
- :mod:`.options` holds the build options (workspace, optimization profiles, compute
  capabilities) that, with the ONNX bytes and the TensorRT-RTX version, make the cache key;
- :mod:`.legalize` rewrites, exactly, the few ONNX constructs TensorRT-RTX's parser refuses
  but can compute another way (build time only);
- :mod:`.loaders` parses ONNX bytes into a network and builds a serialized engine (the
  ahead-of-time phase: it needs no GPU), reporting progress through :mod:`.progress`;
- :mod:`.cache` stores verified engines (and runtime caches) on disk;
- :mod:`.engines` ties them together: ``get_engine`` loads a verified entry or builds one;
- :mod:`.cuda` wraps the few CUDA runtime calls (cuda-python) the runner needs;
- :mod:`.runtime` runs an engine on a GPU (one execution context, one stream, reused
  device buffers, output allocator, runtime cache; one execution path, ``dispatch``);
- :mod:`.simulate` is the labelled stand-in for :mod:`.runtime` on machines without a
  supported GPU: real build and caching, then the source ONNX on ONNX Runtime CPU;
- :mod:`.session` opens the right runner for an engine, rebuilding once if the GPU's
  validity check rejects it;
- :mod:`.storage` and :mod:`.dlpack` keep MLTensors in device memory and exchange CUDA arrays;
- :mod:`.direct` runs ONNX model bytes directly (the seed's ``run_trtx_*``).

Engines are built in a child process (:mod:`.worker`), so a crash inside TensorRT-RTX
becomes an error naming the node instead of killing the caller; :mod:`.emulate`,
:mod:`.decompose` and :mod:`.graphedit` are legalization passes and their editing helper.

Which GPU is present comes from :mod:`webnn.devices`, the one GPU probe. Every module imports
without TensorRT-RTX installed; :mod:`.lib` imports it when it is first needed. The names
below are imported on first use, so the build worker, which imports only what a build needs,
starts quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backend import TrtxBackend, TrtxCompiledGraph
    from .options import BuildOptions, Profile

_EXPORTS = {"TrtxBackend": ".backend", "TrtxCompiledGraph": ".backend", "BuildOptions": ".options", "Profile": ".options"}

__all__ = ["BuildOptions", "Profile", "TrtxBackend", "TrtxCompiledGraph"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
