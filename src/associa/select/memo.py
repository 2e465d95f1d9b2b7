"""Computed once, shared by threads: a memo and a bounded cache.

Requests run in worker threads, and several of them often need the same piece at once (ten
layouts of one click read one inference). ``Memo.get(key, compute)`` computes each key
once: a second thread asking for a key being computed waits for it instead of computing
it again. A computation may ask for other keys (of this memo or another) as long as the
keys form no cycle, which holds for inference: messages and row sets depend on the
pieces farther out in the association tree only.

``Cache`` is a ``Memo`` that keeps at most ``entries`` values and about ``max_bytes``
(least recently used go first; the newest value always stays).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")

_MISSING: Any = object()


class Memo(Generic[V]):
    """Values by key, each computed once (see the module docstring)."""

    def __init__(self) -> None:
        self._values: dict[Hashable, V] = {}
        self._pending: dict[Hashable, tuple[threading.Event, int]] = {}
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> V | None:
        """The value if it is already there (never computes)."""
        value = self._values.get(key, _MISSING)
        return None if value is _MISSING else value

    def __contains__(self, key: Hashable) -> bool:
        return key in self._values

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        while True:
            value = self._values.get(key, _MISSING)
            if value is not _MISSING:
                self._touch(key)
                return value
            with self._lock:
                value = self._values.get(key, _MISSING)
                if value is not _MISSING:
                    return value
                pending = self._pending.get(key)
                owner = pending is None
                if pending is None:
                    event = threading.Event()
                    self._pending[key] = (event, threading.get_ident())
                else:
                    event, thread = pending
                    if thread == threading.get_ident():
                        raise RuntimeError(f"{key!r} is needed to compute itself")
            if not owner:
                event.wait()
                continue  # computed (or failed: then this thread tries)
            try:
                value = compute()
                with self._lock:
                    self._values[key] = value
                    self._added(key, value)
            finally:
                with self._lock:
                    del self._pending[key]
                event.set()
            return value

    def values(self) -> list[V]:
        with self._lock:
            return list(self._values.values())

    def _touch(self, key: Hashable) -> None:
        pass

    def _added(self, key: Hashable, value: V) -> None:
        pass


class Cache(Memo[V]):
    """A ``Memo`` holding at most ``entries`` values and about ``max_bytes`` (by
    ``size(value)``, measured when a value is added: values that grow later are measured
    again then), least recently used first out."""

    def __init__(self, entries: int, max_bytes: int, size: Callable[[V], int]) -> None:
        super().__init__()
        self.entries = entries
        self.max_bytes = max_bytes
        self.size = size
        self._order: OrderedDict[Hashable, None] = OrderedDict()

    def _touch(self, key: Hashable) -> None:
        with self._lock:
            if key in self._order:
                self._order.move_to_end(key)

    def _added(self, key: Hashable, value: V) -> None:
        # called holding the lock
        self._order[key] = None
        self._order.move_to_end(key)
        while len(self._order) > max(1, self.entries):
            self._drop(next(iter(self._order)))
        if self.max_bytes >= 0:
            total = sum(self.size(v) for v in self._values.values())
            while total > self.max_bytes and len(self._order) > 1:
                oldest = next(iter(self._order))
                total -= self.size(self._values[oldest])
                self._drop(oldest)

    def _drop(self, key: Hashable) -> None:
        self._order.pop(key, None)
        self._values.pop(key, None)

    def __len__(self) -> int:
        return len(self._values)
