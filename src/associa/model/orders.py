"""Orders of a field's symbols that selections do not change, computed once per model.

List objects and chart dimensions sort symbols by state, frequency or an expression (which
change with every click) and then by number, text and load order (which never change for
a model). The second part is computed here once per model and field (``derived``), as a
permutation of the symbols, so that a click only reorders that permutation by its own
keys (``calc.sorting``).

Texts are compared as ``calc.sorting`` documents: case-insensitively (``str.casefold``),
ties by the exact text (code point order), then by load order. The work is done by Arrow
over the symbol table's texts; only texts that are not ASCII are case-folded in Python
(an ASCII text's case fold is its lower case).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.model.derived import derived
from associa.model.model import DataModel
from associa.values.rendering import default_text_array

TEXTS_KEPT = 1 << 20  # fields of at most this many symbols keep their text array


def texts(model: DataModel, name: str) -> pa.Array:
    """Every symbol's text in symbol order, as one Arrow string array (stored texts, and
    the default renderings of numbers whose text is not stored)."""
    sym = model.fields[name].symbols
    if len(sym) > TEXTS_KEPT:
        return _texts(model, name)
    return derived(model, ("texts", name), lambda: _texts(model, name))


def _texts(model: DataModel, name: str) -> pa.Array:
    sym = model.fields[name].symbols
    n = len(sym)
    stored = sym.stored_texts()
    if stored is None:
        return default_text_array(sym.nums_at(np.arange(n)))
    if stored.null_count == 0:
        return stored
    missing = np.flatnonzero(~stored.is_valid().to_numpy(zero_copy_only=False))
    rendered = default_text_array(sym.nums_at(missing))
    return pc.replace_with_mask(stored, stored.is_null(), rendered.cast(stored.type))


def folded(arr: pa.Array) -> pa.Array:
    """The case fold of every text (``str.casefold``): Arrow's ASCII lower case where a
    text is ASCII, Python's case fold for the others."""
    if not len(arr):
        return arr
    ascii_ = pc.string_is_ascii(arr)
    out = pc.ascii_lower(arr)
    if pc.all(ascii_).as_py() is False:
        others = np.flatnonzero(~ascii_.to_numpy(zero_copy_only=False))
        values = [t.casefold() for t in arr.take(pa.array(others)).to_pylist()]
        out = pc.replace_with_mask(out, pc.invert(ascii_), pa.array(values, type=arr.type))
    return out


def text_rank(model: DataModel, name: str) -> np.ndarray:
    """Each symbol's rank in text order (0 first; see the module docstring)."""
    return derived(model, ("text_rank", name), lambda: _text_rank(texts(model, name)))


def _text_rank(arr: pa.Array) -> np.ndarray:
    n = len(arr)
    if not n:
        return np.zeros(0, dtype=np.intp)
    table = pa.table({"k": folded(arr), "t": arr})
    order = pc.sort_indices(table, sort_keys=[("k", "ascending"), ("t", "ascending")])
    rank = np.empty(n, dtype=np.intp)
    rank[order.to_numpy(zero_copy_only=False)] = np.arange(n, dtype=np.intp)
    rank.flags.writeable = False
    return rank


def order(model: DataModel, name: str, numeric: int = 0, text: int = 0,
          load: int = 0) -> np.ndarray:
    """The symbols sorted by number (``numeric`` 1 ascending, -1 descending; symbols
    without a number after those with one either way), then text, then load order (each
    flag 0 for off), then load order ascending. Read-only intp."""
    key = ("order", name, numeric, text, load)
    return derived(model, key, lambda: _order(model, name, numeric, text, load))


def _order(model: DataModel, name: str, numeric: int, text: int, load: int) -> np.ndarray:
    sym = model.fields[name].symbols
    n = len(sym)
    out: np.ndarray | None = None
    if numeric and sym.all_numeric():
        # distinct numbers decide every tie
        rule = sym.arithmetic
        if rule is not None:
            ascending = (numeric > 0) == (rule[1] > 0)
            out = np.arange(n, dtype=np.intp)
            if not ascending:
                out = out[::-1].copy()
        else:
            out = np.argsort(numeric * sym.nums_at(np.arange(n)), kind="stable").astype(np.intp)
    elif not numeric and text:
        rank = text_rank(model, name)  # unique ranks: they decide every tie
        out = np.empty(n, dtype=np.intp)
        out[rank if text > 0 else (n - 1 - rank)] = np.arange(n, dtype=np.intp)
    elif not numeric and not text:
        out = np.arange(n, dtype=np.intp)
        if load < 0:
            out = out[::-1].copy()
    if out is None:
        keys: list[np.ndarray] = []
        nums = sym.nums_at(np.arange(n))
        missing = np.isnan(nums)
        keys += [missing.astype(np.int8), np.where(missing, 0.0, numeric * nums)]
        if text:
            keys.append(text * text_rank(model, name))
        if load:
            keys.append(load * np.arange(n, dtype=np.intp))
        out = np.lexsort(keys[::-1]).astype(np.intp)
    out.flags.writeable = False
    return out
