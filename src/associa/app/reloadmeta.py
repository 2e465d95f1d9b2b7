"""What the last reload cost, as the REST API's ``data/metadata`` reports it
(``reload_meta``: Qlik's LastReloadMetadata).

Measured here: ``cpu_time_spent_ms``, the CPU time of the thread that ran the reload
(work it handed to other threads, such as a database driver's, is not counted);
``peak_memory_bytes``, the process's peak resident memory when the reload ended (the
high-water mark of the whole process, so an upper bound of what the reload needed; none
where the platform does not report it); ``fullReloadPeakMemoryBytes`` and
``partialReloadPeakMemoryBytes``, the same for the last full and the last partial
reload; ``hardware``, the logical cores and the memory of the machine.
"""

from __future__ import annotations

import os
import time
from typing import Any


def _peak_rss() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kilobytes on Linux, bytes on macOS
    return int(peak) if os.uname().sysname == "Darwin" else int(peak) * 1024


def hardware() -> dict[str, int]:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        memory = 0
    return {"logical_cores": os.cpu_count() or 1, "total_memory": int(memory)}


class Meter:
    """Started when a reload starts; ``finish`` gives the reload's metadata."""

    def __init__(self) -> None:
        self.cpu = time.thread_time()

    def finish(self, partial: bool, previous: dict[str, Any]) -> dict[str, Any]:
        peak = _peak_rss()
        out: dict[str, Any] = {
            "cpu_time_spent_ms": int((time.thread_time() - self.cpu) * 1000),
            "hardware": hardware(),
        }
        if peak is not None:
            out["peak_memory_bytes"] = peak
        key = "partialReloadPeakMemoryBytes" if partial else "fullReloadPeakMemoryBytes"
        other = "fullReloadPeakMemoryBytes" if partial else "partialReloadPeakMemoryBytes"
        if peak is not None:
            out[key] = peak
        if isinstance(previous.get(other), int):
            out[other] = previous[other]
        return out
