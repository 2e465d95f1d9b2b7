"""Array kernels behind one seam: every pass over records that a chart makes (gathers
through lookup tables, group keys, sums and counts, distinct counts, arithmetic). The
callers ask these modules for a result and never see how it is computed, so that a
compiled or GPU backend can replace a kernel without touching them.

Backends:

* ``"numba"``: compiled loops (``jit``: ``nogil=True`` so that threads run them on both
  cores, ``cache=True`` so that a process loads them from disk instead of compiling),
  where numpy needs extra passes or temporaries;
* ``"numpy"``: the same results with numpy only, block by block.

Numba is used when it imports and ``ASSOCIA_KERNELS`` is not ``numpy``; ``set_backend``
and ``using`` switch at run time (the tests run the kernels under both). A kernel module
keeps a numpy version of each kernel beside its compiled loop and picks one with
``compiled()`` at each call; ``warmer`` registers a function that compiles its loops on
tiny arrays, run by ``warm()``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_numba: Any
try:
    import numba as _numba
except Exception:  # pragma: no cover - only where numba is missing
    _numba = None

BACKENDS = ("numba", "numpy")
ENV = "ASSOCIA_KERNELS"

log = logging.getLogger("associa.kernels")


def available() -> tuple[str, ...]:
    """The backends this process can use."""
    return BACKENDS if _numba is not None else ("numpy",)


def _initial() -> str:
    if os.environ.get(ENV, "").strip().lower() == "numpy" or _numba is None:
        return "numpy"
    return "numba"


_backend = _initial()
_warmers: list[Callable[[], None]] = []
_warm_lock = threading.Lock()
_warmed = False


def backend() -> str:
    """The backend in use: ``"numba"`` or ``"numpy"``."""
    return _backend


def compiled() -> bool:
    """True when the compiled loops are in use."""
    return _backend == "numba"


def set_backend(name: str) -> None:
    """Use ``name`` from now on (ValueError when this process cannot)."""
    global _backend
    if name not in available():
        raise ValueError(f"kernel backend {name!r} is not available here: {available()}")
    _backend = name


@contextmanager
def using(name: str) -> Iterator[None]:
    """Use ``name`` inside the block, then go back (for tests and benchmarks)."""
    before = _backend
    set_backend(name)
    try:
        yield
    finally:
        set_backend(before)


def jit(fn: Callable[..., Any]) -> Any:
    """``fn`` compiled by numba (no GIL, cached on disk; compiled at its first call or in
    ``warm``), or ``fn`` itself without numba (never called then)."""
    if _numba is None:
        return fn
    return _numba.njit(nogil=True, cache=True)(fn)


def warmer(fn: Callable[[], None]) -> Callable[[], None]:
    """Register ``fn`` to be called by ``warm``."""
    _warmers.append(fn)
    return fn


def warm() -> None:
    """Compile (or load from the disk cache) the registered loops once per process; a
    loop that fails to compile puts the process on numpy, with a warning."""
    global _warmed
    if _warmed or _numba is None:
        return
    with _warm_lock:
        if _warmed:
            return
        try:
            for fn in list(_warmers):
                fn()
        except Exception:
            log.warning("numba kernels failed to compile; using numpy", exc_info=True)
            set_backend("numpy")
        _warmed = True


__all__ = ["BACKENDS", "available", "backend", "compiled", "jit", "set_backend", "using",
           "warm", "warmer"]
