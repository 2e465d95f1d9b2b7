"""Counts of QIX requests, for the server's ``/metrics``: per method, how many were
answered, how many with an error, and the seconds they took; and how many run now.

Plain counters under a lock (a request is counted once, when answered), kept by the
``SessionManager`` and written by ``Session.handle``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(slots=True)
class MethodCount:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0


class RequestStats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.methods: dict[str, MethodCount] = {}
        self.in_flight = 0

    def started(self) -> None:
        with self.lock:
            self.in_flight += 1

    def finished(self, method: str, seconds: float, failed: bool) -> None:
        """One request answered. ``method`` is the name the client sent ("" when the
        text was no request); unknown names are counted under "unknown" so that a
        client cannot grow the table without bound."""
        with self.lock:
            self.in_flight -= 1
            count = self.methods.get(method)
            if count is None:
                if len(self.methods) >= 1000:
                    method = "unknown"
                count = self.methods.setdefault(method, MethodCount())
            count.requests += 1
            count.errors += failed
            count.seconds += seconds

    def snapshot(self) -> dict[str, MethodCount]:
        with self.lock:
            return {m: MethodCount(c.requests, c.errors, c.seconds) for m, c in self.methods.items()}
