"""Handles: the numbers a session gives to the objects it hands out (Global is -1,
handle 0 is never used). The same object always gets the same handle."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

GLOBAL = -1
Key = tuple[Any, ...]  # what a handle stands for, by value


@dataclass(slots=True)
class Entry:
    handle: int
    qtype: str  # "Doc", "GenericObject", "Field", …
    key: Key  # identity of the object: ("doc", app id), ("obj", object id), ...
    target: Any  # what the API methods work on


class HandleTable:
    def __init__(self) -> None:
        self._next = itertools.count(1)
        self._by_handle: dict[int, Entry] = {}
        self._by_key: dict[Key, int] = {}
        self._lock = threading.Lock()

    def get(self, handle: int) -> Entry | None:
        return self._by_handle.get(handle)

    def acquire(self, qtype: str, key: Key, target: Any) -> Entry:
        with self._lock:
            handle = self._by_key.get(key)
            if handle is not None:
                entry = self._by_handle[handle]
                entry.target = target
                return entry
            entry = Entry(next(self._next), qtype, key, target)
            self._by_handle[entry.handle] = entry
            self._by_key[key] = entry.handle
            return entry

    def find(self, key: Key) -> int | None:
        return self._by_key.get(key)

    def release(self, handle: int) -> Entry | None:
        with self._lock:
            entry = self._by_handle.pop(handle, None)
            if entry is not None:
                self._by_key.pop(entry.key, None)
            return entry

    def entries(self) -> Iterator[Entry]:
        return iter(list(self._by_handle.values()))

    def clear(self) -> list[int]:
        with self._lock:
            handles = list(self._by_handle)
            self._by_handle.clear()
            self._by_key.clear()
            return handles
