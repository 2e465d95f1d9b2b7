"""The worker threads a long scan is split over.

A scan over ``n`` rows of at least ``SPLIT_MIN`` rows runs as one part per core: the
first part in the calling thread, the others in a shared pool (the kernels release the
GIL, so the parts run at once). The pool's tasks are leaves: they never wait on the pool
themselves, so a request thread waiting on its parts cannot deadlock, however many
requests split at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

SPLIT_MIN = 1 << 21  # rows: below this a scan runs in one thread
WORKERS = max(1, min(os.cpu_count() or 1, 8))

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max(1, WORKERS - 1), thread_name_prefix="associa-scan")
    return _pool


def ranges(n: int, parts: int | None = None) -> list[tuple[int, int]]:
    """``[lo, hi)`` ranges covering ``0..n``: one when ``n`` is below ``SPLIT_MIN``, else
    ``parts`` (one per core), split at multiples of 4,096 rows."""
    parts = WORKERS if parts is None else parts
    if n < SPLIT_MIN or parts <= 1:
        return [(0, n)]
    step = -(-n // parts)
    step = -(-step // 4096) * 4096
    return [(lo, min(lo + step, n)) for lo in range(0, n, step)]


def run(fn: Callable[[int, int], T], n: int, parts: int | None = None) -> list[T]:
    """``fn(lo, hi)`` over ``ranges(n, parts)``, the results in range order."""
    spans = ranges(n, parts)
    if len(spans) == 1:
        return [fn(*spans[0])]
    futures = [_executor().submit(fn, lo, hi) for lo, hi in spans[1:]]
    first = fn(*spans[0])
    return [first, *(f.result() for f in futures)]
