"""The process heap: memory a reload freed, given back to the system, and the objects
of the process's start, and of each reload, kept out of the garbage collector's way."""

from __future__ import annotations

import ctypes
import gc
import sys
import threading
import time

import pyarrow as pa


def release_memory() -> None:
    """Give the memory a reload freed back to the system: Arrow's pool keeps freed blocks
    for reuse, and glibc's heap keeps freed space below its top (numpy's arrays of a
    reload leave much of it); neither is needed once the model is built."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


_frozen = threading.Event()
_settling = threading.Lock()
_settled_at: float | None = None
SETTLE_EVERY = 60.0


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


def settle() -> None:
    """After a reload or an app's opening: collect, then leave every object alive now out
    of the cyclic collector's scans as ``freeze_startup`` does. A reload makes some 60,000
    long-lived objects (compiled kernels' dispatch and typing objects, the script's
    parse), and a full collection walking them took 15-30 ms in the middle of a click
    every few clicks. The objects frozen before are unfrozen first, so that what became
    garbage since (a replaced model's objects) is collected, not kept. At most once in
    ``SETTLE_EVERY`` seconds: the collection walks every object of the process (a
    process reloading many small apps, a test run, would pay it each time)."""
    global _settled_at
    if not _settling.acquire(blocking=False):
        return  # another thread is settling the same heap
    try:
        now = time.monotonic()
        if _settled_at is not None and now - _settled_at < SETTLE_EVERY:
            return
        gc.unfreeze()
        gc.collect()
        release_memory()  # what the collection freed, given back as a reload's is
        gc.freeze()
        _frozen.set()
        _settled_at = time.monotonic()
    finally:
        _settling.release()


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
