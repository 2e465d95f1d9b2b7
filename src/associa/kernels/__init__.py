"""Array kernels behind one seam: every pass over a column that a click makes.

The callers (inference, list objects, charts) ask these modules for a result and never
see how it is computed, so that a compiled or GPU backend can replace a kernel without
touching them. Modules, one noun each:

* ``lut``: selections as lookup tables over symbols, applied to a column (row masks,
  row indices, a row set narrowed);
* ``presence``: which symbols occur in a row set (stops once every symbol of the column
  has been seen);
* ``postings``: a column's rows grouped by code, and the rows of a lookup table read
  from them (selective selections without a scan);
* ``rows``: row sets themselves (counts, indices of a mask, a mask of indices);
* ``order``: a permutation reordered by a small integer key (a list's state rank);
* ``pool``: the worker threads a long scan is split over.

Backends:

* ``"numba"``: compiled loops (``jit``: ``nogil=True`` so that threads run them on
  both cores, ``cache=True`` so that a process loads them from disk instead of compiling).
  Used where numpy needs extra passes or temporaries: a gather through a lookup table
  fused with its count or with a compaction, a presence scatter that stops at saturation,
  a narrow index read without an intp copy.
* ``"numpy"``: the same results with numpy only, casting narrow indices to intp block by
  block (a non-intp fancy index costs up to twice as much).

Numba is used when it imports and ``ASSOCIA_KERNELS`` is not ``numpy``; ``set_backend``
and ``using`` switch at run time (the tests run every kernel under both and compare).
Both backends give identical results.

Memory: numpy asks the kernel for transparent huge pages for every array of 4 MiB or more
(``madvise``). A click makes such arrays fresh (row lists, masks, group keys), and there a
huge page costs more than it saves: on the 2-core machine of ``make bench`` a first
write to a fresh 10 MB array takes 25 ms with huge pages and 7 ms without, and the 40%
click of the benchmark 106 ms against 83. So this module turns that off when imported,
unless ``ASSOCIA_HUGE_PAGES=1`` (``huge_pages`` tells which is in effect).

A kernel module written for this seam defines its numpy function and, when ``jit`` gives
one, its compiled loop, and picks between them with ``compiled()`` at each call; it
registers a ``warmer`` that calls its compiled loops once on tiny arrays of every dtype a
model's columns can have, so that ``warm()`` (called when a model is first used) compiles
or loads them all before a click needs them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_numba: Any
try:  # numba is a dependency, but the engine must still run where it cannot load
    import numba as _numba
except Exception:  # pragma: no cover - exercised only where numba is missing
    _numba = None

BACKENDS = ("numba", "numpy")
ENV = "ASSOCIA_KERNELS"


def available() -> tuple[str, ...]:
    """The backends this process can use."""
    return BACKENDS if _numba is not None else ("numpy",)


def _initial() -> str:
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted == "numpy" or _numba is None:
        return "numpy"
    return "numba"


HUGE_PAGES_ENV = "ASSOCIA_HUGE_PAGES"


def _madvise() -> tuple[Callable[[], bool], Callable[[bool], object]] | None:
    """numpy's getter and setter of its huge-page advice (None where it has none)."""
    import numpy

    core = getattr(numpy, "_core", None) or getattr(numpy, "core", None)
    multiarray = getattr(core, "multiarray", None)
    get = getattr(multiarray, "_get_madvise_hugepage", None)
    put = getattr(multiarray, "_set_madvise_hugepage", None)
    return None if get is None or put is None else (get, put)


def huge_pages() -> bool:
    """Whether numpy asks for transparent huge pages for its large arrays."""
    found = _madvise()
    return bool(found and found[0]())


def _init_huge_pages() -> None:
    found = _madvise()
    if found is not None:
        found[1](os.environ.get(HUGE_PAGES_ENV, "").strip() == "1")


_init_huge_pages()
log = logging.getLogger("associa.kernels")
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


def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` compiled by numba (no GIL, cached on disk); ``fn`` itself without numba
    (never called then: ``compiled()`` is false). The compilation itself happens at the
    first call (or in ``warm``)."""
    if _numba is None:
        return fn
    compiled_fn: Callable[..., Any] = _numba.njit(nogil=True, cache=True)(fn)
    return compiled_fn


def warmer(fn: Callable[[], None]) -> Callable[[], None]:
    """Register ``fn`` to be called by ``warm`` (a module's compiled loops on tiny arrays)."""
    _warmers.append(fn)
    return fn


def warm() -> None:
    """Compile (or load from the disk cache) every registered compiled loop, once per
    process, so that the first click does not pay for it. Does nothing without numba. A
    loop that fails to compile (numba cannot build for this machine) puts the process on
    numpy, with a warning: the answers are the same."""
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


# the kernel modules register their warmers on import
from associa.kernels import lut, order, pool, postings, presence, rows  # noqa: E402

__all__ = [
    "BACKENDS",
    "available",
    "backend",
    "compiled",
    "huge_pages",
    "jit",
    "lut",
    "order",
    "pool",
    "postings",
    "presence",
    "rows",
    "set_backend",
    "using",
    "warm",
    "warmer",
]
