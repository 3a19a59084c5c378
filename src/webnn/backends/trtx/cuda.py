"""The few CUDA runtime calls the TensorRT-RTX runner needs, through cuda-python, errors checked.

:class:`CudaApi` is deliberately small (device selection, one stream, stream-ordered
device allocations, pinned host memory, async copies, synchronize, memory info) so the
runner's buffer logic can be unit-tested against an in-host-memory stand-in without a GPU
(``tests/backends/trtx/fakes.py``). Pointers are plain ints.
"""

from __future__ import annotations

from typing import Any

from ...errors import TrtxRuntimeFailed
from .lib import INSTALL_HINT


class CudaApi:
    """cuda-python's runtime API (``cuda.bindings.runtime``) behind ints and exceptions."""

    def __init__(self) -> None:
        try:
            from cuda.bindings import runtime as cudart  # optional dependency, imported when a GPU runner starts
        except ImportError as e:  # pragma: no cover - depends on the install
            raise TrtxRuntimeFailed(f"cuda-python is not installed ({e}); install it with: {INSTALL_HINT}") from e
        self._rt = cudart
        self._ok = cudart.cudaError_t.cudaSuccess
        self._h2d = cudart.cudaMemcpyKind.cudaMemcpyHostToDevice
        self._d2h = cudart.cudaMemcpyKind.cudaMemcpyDeviceToHost
        self._d2d = cudart.cudaMemcpyKind.cudaMemcpyDeviceToDevice
        self._pools: dict[int, bool] = {}

    def _check(self, result: Any, what: str) -> Any:
        if isinstance(result, tuple):
            err, rest = result[0], result[1:]
        else:
            err, rest = result, ()
        if err != self._ok:
            try:
                msg = self._rt.cudaGetErrorString(err)[1].decode()
            except Exception:  # noqa: BLE001
                msg = str(err)
            raise TrtxRuntimeFailed(f"CUDA {what} failed: {getattr(err, 'name', err)} ({msg})")
        if not rest:
            return None
        return rest[0] if len(rest) == 1 else rest

    # -- device and stream ---------------------------------------------------------------
    def set_device(self, device: int) -> None:
        self._check(self._rt.cudaSetDevice(device), f"cudaSetDevice({device})")

    def init_context(self, device: int) -> None:
        """Select ``device`` and make sure its primary context exists."""
        self.set_device(device)
        self._check(self._rt.cudaFree(0), "cudaFree(0) (context initialisation)")
        if device not in self._pools:
            attr = self._rt.cudaDeviceAttr.cudaDevAttrMemoryPoolsSupported
            self._pools[device] = bool(self._check(self._rt.cudaDeviceGetAttribute(attr, device), "cudaDeviceGetAttribute"))

    def stream_create(self) -> Any:
        return self._check(self._rt.cudaStreamCreateWithFlags(self._rt.cudaStreamNonBlocking), "cudaStreamCreateWithFlags")

    @staticmethod
    def stream_handle(stream: Any) -> int:
        return int(stream)

    def stream_sync(self, stream: Any) -> None:
        self._check(self._rt.cudaStreamSynchronize(stream), "cudaStreamSynchronize")

    def stream_destroy(self, stream: Any) -> None:
        self._check(self._rt.cudaStreamDestroy(stream), "cudaStreamDestroy")

    # -- memory --------------------------------------------------------------------------
    def malloc(self, nbytes: int, stream: Any, device: int = 0) -> int:
        """Device memory; stream-ordered (cudaMallocAsync) where the device has memory pools."""
        if self._pools.get(device, False):
            return int(self._check(self._rt.cudaMallocAsync(nbytes, stream), f"cudaMallocAsync({nbytes})"))
        return int(self._check(self._rt.cudaMalloc(nbytes), f"cudaMalloc({nbytes})"))

    def free(self, ptr: int, stream: Any, device: int = 0) -> None:
        if self._pools.get(device, False):
            self._check(self._rt.cudaFreeAsync(ptr, stream), "cudaFreeAsync")
        else:
            self._check(self._rt.cudaFree(ptr), "cudaFree")

    def malloc_host(self, nbytes: int) -> int:
        """Page-locked host memory (for truly asynchronous copies)."""
        return int(self._check(self._rt.cudaMallocHost(nbytes), f"cudaMallocHost({nbytes})"))

    def free_host(self, ptr: int) -> None:
        self._check(self._rt.cudaFreeHost(ptr), "cudaFreeHost")

    def htod_async(self, dst: int, src: int, nbytes: int, stream: Any) -> None:
        self._check(self._rt.cudaMemcpyAsync(dst, src, nbytes, self._h2d, stream), "cudaMemcpyAsync (host to device)")

    def dtoh_async(self, dst: int, src: int, nbytes: int, stream: Any) -> None:
        self._check(self._rt.cudaMemcpyAsync(dst, src, nbytes, self._d2h, stream), "cudaMemcpyAsync (device to host)")

    def dtod_async(self, dst: int, src: int, nbytes: int, stream: Any) -> None:
        self._check(self._rt.cudaMemcpyAsync(dst, src, nbytes, self._d2d, stream), "cudaMemcpyAsync (device to device)")

    def mem_get_info(self) -> tuple[int, int]:
        """(free, total) bytes of the current device."""
        free, total = self._check(self._rt.cudaMemGetInfo(), "cudaMemGetInfo")
        return int(free), int(total)
