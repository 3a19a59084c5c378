"""TensorRT-RTX plumbing: ONNX bytes -> engine -> CUDA execution, in small single-purpose steps.

The pieces, in the order a graph goes through them (Polygraphy-style: each does one step):

- :mod:`.lib` imports ``tensorrt_rtx`` lazily and says how to install it when it is missing;
- :mod:`.device` finds a CUDA driver and NVIDIA GPUs without initialising CUDA where no
  driver is installed;
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
  device buffers, output allocator, runtime cache);
- :mod:`.simulate` is the labelled stand-in for :mod:`.runtime` on machines without a CUDA
  driver: real build and caching, then the source ONNX on ONNX Runtime CPU;
- :mod:`.session` opens the right runner for an engine, rebuilding once if the GPU's
  validity check rejects it.

Only :mod:`.options`, :mod:`.device` and :mod:`.lib` import without TensorRT-RTX installed.
"""

from __future__ import annotations

from .backend import TrtxBackend, TrtxCompiledGraph
from .options import BuildOptions, Profile

__all__ = ["BuildOptions", "Profile", "TrtxBackend", "TrtxCompiledGraph"]
