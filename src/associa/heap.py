"""The process heap: memory a reload freed, given back to the system, and the objects
of the process's start kept out of the garbage collector's way."""

from __future__ import annotations

import ctypes
import gc
import sys
import threading

import pyarrow as pa


def release_memory() -> None:
    """Give the memory a reload freed back to the system: Arrow's pool keeps freed blocks
    for reuse, and glibc's heap keeps freed space below its top (numpy's arrays of a
    reload leave much of it); neither is needed once the model is built."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


_frozen = threading.Event()


def freeze_startup() -> None:
    """Leave the objects that live as long as the process (modules, classes, functions:
    some 140,000 once the engine is imported) out of the cyclic garbage collector's
    scans: a full collection walks every tracked object and came about every 30 clicks,
    at about 70 ms each. Once per process (``gc.freeze``), after a collection, so that
    no garbage is kept."""
    if _frozen.is_set():
        return
    _frozen.set()
    gc.collect()
    gc.freeze()


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
