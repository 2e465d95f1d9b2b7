"""The worker threads a long scan is split over.

A scan over ``n`` rows of at least ``SPLIT_MIN`` rows (or the caller's ``min_split``: a
gather through an index list costs more per row and pays off sooner) runs as one part per
core: the first part in the calling thread, the others in a shared pool (the kernels
release the GIL, so the parts run at once). The pool's tasks are leaves: they never wait
on the pool themselves, so a request thread waiting on its parts cannot deadlock, however
many requests split at once.

Parts start at multiples of ``align`` rows (4,096 unless the caller needs coarser ones:
float sums are made per block of ``codes.BLOCK`` records, so that where a scan is split
does not change a sum's rounding).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

SPLIT_MIN = 1 << 21  # rows: below this a scan runs in one thread


def _cores() -> int:
    """The cores this process may run on (its CPU affinity: a container or ``taskset``
    limits it), else the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return os.cpu_count() or 1


WORKERS = max(1, min(_cores(), 8))
ALIGN = 4096

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max(1, WORKERS - 1), thread_name_prefix="associa-scan")
    return _pool


def ranges(n: int, parts: int | None = None, min_split: int | None = None,
           align: int = ALIGN) -> list[tuple[int, int]]:
    """``[lo, hi)`` ranges covering ``0..n``: one when ``n`` is below ``min_split``
    (``SPLIT_MIN`` by default), else ``parts`` (one per core), split at multiples of
    ``align`` rows."""
    parts = WORKERS if parts is None else parts
    if n < (SPLIT_MIN if min_split is None else max(min_split, 1)) or parts <= 1:
        return [(0, n)]
    step = -(-n // parts)
    step = max(-(-step // align) * align, align)
    return [(lo, min(lo + step, n)) for lo in range(0, n, step)]


def run(fn: Callable[[int, int], T], n: int, parts: int | None = None,
        min_split: int | None = None, align: int = ALIGN) -> list[T]:
    """``fn(lo, hi)`` over ``ranges(n, parts, min_split, align)``, the results in range
    order."""
    return run_spans(fn, ranges(n, parts, min_split, align))


def run_spans(fn: Callable[[int, int], T], spans: list[tuple[int, int]]) -> list[T]:
    """``fn(lo, hi)`` over the given ranges, the results in range order. The first part
    runs in this thread, the others are offered to the pool; a part no worker has started
    by the time this thread is done with its own is taken back and run here. So when the
    workers are busy with other requests' parts (the layouts of a click run at once), a
    request does its own work instead of queueing behind theirs: the cores stay busy and
    no request waits for a worker."""
    if len(spans) == 1:
        return [fn(*spans[0])]
    futures = [_executor().submit(fn, lo, hi) for lo, hi in spans[1:]]
    results: list[T] = []
    try:
        results.append(fn(*spans[0]))
        for (lo, hi), future in zip(spans[1:], futures, strict=True):
            results.append(fn(lo, hi) if future.cancel() else future.result())
    finally:
        for future in futures:  # never leave a part running on a buffer
            if not future.cancel():
                future.exception()
    return results
