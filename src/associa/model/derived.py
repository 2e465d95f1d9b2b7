"""Things derived from a built data model, computed once per model on first use.

A ``DataModel`` never changes once built, so what is computed from it (a field's sort
orders, its texts as one array, its tags) can be kept as long as the model lives. The
values live on the model object itself, so they go with it after a reload. Each value is
computed once however many threads ask at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

_ATTR = "_associa_derived"
_make_lock = threading.Lock()


class _Store:
    __slots__ = ("lock", "locks", "values")

    def __init__(self) -> None:
        self.values: dict[Hashable, Any] = {}
        self.locks: dict[Hashable, threading.Lock] = {}
        self.lock = threading.Lock()


def _store(model: object) -> _Store:
    store = model.__dict__.get(_ATTR)
    if store is None:
        with _make_lock:
            store = model.__dict__.get(_ATTR)
            if store is None:
                store = _Store()
                setattr(model, _ATTR, store)
    return store


def derived(model: object, key: Hashable, compute: Callable[[], T]) -> T:
    """The value under ``key`` for ``model``, computed by ``compute`` the first time."""
    store = _store(model)
    try:
        return store.values[key]
    except KeyError:
        pass
    with store.lock:
        lock = store.locks.setdefault(key, threading.Lock())
    with lock:
        if key in store.values:
            return store.values[key]
        value = compute()
        store.values[key] = value
        return value
