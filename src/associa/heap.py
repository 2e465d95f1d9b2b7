"""The process heap: memory a reload freed, given back to the system."""

from __future__ import annotations

import ctypes
import sys

import pyarrow as pa


def release_memory() -> None:
    """Give the memory a reload freed back to the system: Arrow's pool keeps freed blocks
    for reuse, and glibc's heap keeps freed space below its top (numpy's arrays of a
    reload leave much of it); neither is needed once the model is built."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


_LIBC = _glibc()
