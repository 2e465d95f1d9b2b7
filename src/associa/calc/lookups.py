"""Lookups a chart reads its records through, cached per data model and per selection
state, so that no request joins tables.

Per model (``ModelLookups``, built on first use and kept as long as the model lives):

* ``key_rows(table, key)``: the row of ``table`` holding each value of the key field, as a
  lookup table over the key's symbols (-1 where no row, and in the last slot, NULL), when
  the table has at most one row per key value (a dimension table); None otherwise;
* ``row_map(table, key)``: the table's rows grouped by key value (an order and offsets
  over the symbols), for general joins;
* ``numeric(field)``: whether every symbol of the field has a number.

Per selection state (``StateLookups``, kept as long as the state's ``Inference``):

* ``rows(table)``: the possible rows, as an index list, or None when every row is
  possible;
* ``key_rows(table, key)``: ``ModelLookups.key_rows`` restricted to possible rows.

Both are immutable once made, and each entry is computed once: a request that needs an
entry another is computing waits for it (``select.memo.Memo``: the charts of a click ask
for the same row lists and lookup tables at once).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from associa import kernels
from associa.kernels import rows as krows
from associa.kernels.codes import Codes
from associa.kernels.group import gather
from associa.model import DataModel
from associa.select import Inference
from associa.select.memo import Memo
from associa.select.rows import MASK, SLICES
from associa.values import parse_number


class _Cache(Memo[Any]):
    """Computed entries, each computed once (waiters wait)."""
_STATE_KEY = "associa.calc.lookups"
GATHER = 16  # a state's columns are gathered at its rows when they are 1/16 or fewer
_by_model: weakref.WeakKeyDictionary[DataModel, ModelLookups] = weakref.WeakKeyDictionary()
_by_state: weakref.WeakKeyDictionary[Inference, StateLookups] = weakref.WeakKeyDictionary()
_model_lock = threading.Lock()
_state_lock = threading.Lock()


class ModelLookups:
    def __init__(self, model: DataModel) -> None:
        self._model = weakref.ref(model)
        self._cache = _Cache()

    @staticmethod
    def of(model: DataModel) -> ModelLookups:
        hit = _by_model.get(model)
        if hit is None:
            with _model_lock:
                hit = _by_model.get(model)
                if hit is None:
                    hit = _by_model[model] = ModelLookups(model)
        return hit

    @property
    def model(self) -> DataModel:
        model = self._model()
        assert model is not None
        return model

    def key_rows(self, table: str, key: str) -> np.ndarray | None:
        return self._cache.get(("key_rows", table, key), lambda: self._key_rows(table, key))

    def _key_rows(self, table: str, key: str) -> np.ndarray | None:
        model = self.model
        t = model.tables[table]
        nsym = model.fields[key].null_code
        out = np.full(nsym + 1, -1, dtype=np.intp)
        if t.is_identity(key):  # the row number is the key's symbol
            out[: t.nrows] = np.arange(t.nrows, dtype=np.intp)
            return out
        col = t.columns[key]
        counts = np.bincount(col, minlength=nsym + 1)
        if counts[:nsym].max(initial=0) > 1:
            return None
        rows = np.arange(t.nrows, dtype=np.intp)
        valid = col != nsym
        out[col[valid]] = rows[valid]
        return out

    def row_map(self, table: str, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(order, offsets): ``order[offsets[v]:offsets[v + 1]]`` are the rows of the table
        whose key is symbol ``v``, in row order; NULL keys are left out."""
        return self._cache.get(("row_map", table, key), lambda: self._row_map(table, key))

    def _row_map(self, table: str, key: str) -> tuple[np.ndarray, np.ndarray]:
        model = self.model
        t = model.tables[table]
        nsym = model.fields[key].null_code
        if t.is_identity(key):
            return np.arange(t.nrows, dtype=np.intp), np.arange(t.nrows + 1, dtype=np.intp)
        col = t.columns[key]
        order = np.argsort(col, kind="stable")
        if t.nrows < 1 << 31:
            order = order.astype(np.int32)  # kept with the model: 4 bytes a row
        counts = np.bincount(col, minlength=nsym + 1)[:nsym]
        offsets = np.zeros(nsym + 1, dtype=np.intp)
        np.cumsum(counts, out=offsets[1:])
        return order[: offsets[-1]].copy(), offsets

    def value_ids(self, name: str) -> np.ndarray | None:
        """Each symbol's place in the order a table stores its rows by them (the runs of
        the key a table is grouped by, ``model.clustering``), NULL -1; None where that
        order is the codes' own. Counting distinct values by these ids marks a bitmap in
        the order the records come."""
        return self._cache.get(("value_ids", name), lambda: self._value_ids(name))

    def _value_ids(self, name: str) -> np.ndarray | None:
        model = self.model
        nsym = model.fields[name].null_code
        for t in model.fields[name].tables:
            order = model.tables[t].group_order
            if model.tables[t].grouped_by == name and order is not None:
                ids = np.empty(nsym + 1, dtype=np.int32 if nsym < 1 << 31 else np.int64)
                ids[order] = np.arange(nsym + 1, dtype=ids.dtype)
                ids[nsym] = -1
                ids.flags.writeable = False
                return ids
        return None

    def numeric(self, name: str) -> bool:
        return self._cache.get(("numeric", name),
                               lambda: self.model.fields[name].symbols.all_numeric())

    def numbers(self, name: str) -> np.ndarray:
        """The number of each symbol as arithmetic reads it (NaN for NULL, last): a text
        that is a plain number counts as that number (``Vec.as_numbers``)."""
        return self._cache.get(("numbers", name), lambda: self._numbers(name))

    def _numbers(self, name: str) -> np.ndarray:
        symbols = self.model.fields[name].symbols
        nums = symbols.nums
        if self.numeric(name):
            return nums
        nums = nums.copy()
        texty = np.flatnonzero(np.isnan(nums[:-1]))
        for i, text in zip(texty, symbols.texts_at(texty), strict=True):
            x = parse_number(text) if text is not None else None
            if x is not None:
                nums[i] = x
        return nums


def _ref(obj: Any) -> Any:
    """A weak reference when the object takes one, else a strong one (as a callable)."""
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


class StateLookups:
    def __init__(self, inference: Inference) -> None:
        self._inference = _ref(inference)
        self.model = ModelLookups.of(inference.model)
        self._cache = _Cache()

    @staticmethod
    def of(inference: Inference) -> StateLookups:
        """The lookups of a selection state, shared by every chart that reads it, as long
        as the ``Inference`` lives: kept with the inference's own derived values when it
        keeps such (``derived``), else in a table weakly keyed by it (one that cannot be
        weakly referenced or hashed gets lookups of its own)."""
        derived = getattr(inference, "derived", None)
        if derived is not None:
            found: StateLookups = derived(_STATE_KEY, lambda: StateLookups(inference))
            return found
        try:
            hit = _by_state.get(inference)
        except TypeError:
            return StateLookups(inference)
        if hit is None:
            with _state_lock:
                hit = _by_state.get(inference)
                if hit is None:
                    hit = _by_state[inference] = StateLookups(inference)
        return hit

    @property
    def inference(self) -> Inference:
        inference = self._inference()
        assert inference is not None
        return inference

    # The possible rows come from the inference's row sets (``rows(table)``: all, mask
    # or index list) where it has them, else from its row masks; this is the one place
    # that reads them.

    def mask(self, table: str) -> np.ndarray | None:
        """The possible rows as a bool mask, or None when every row is possible."""
        return self._cache.get(("mask", table), lambda: self._mask(table))

    def _mask(self, table: str) -> np.ndarray | None:
        row_sets = getattr(self.inference, "rows", None)
        if row_sets is None:
            return self.inference.row_masks.get(table)
        found = row_sets(table)
        return None if found.is_all else found.mask()

    def rows(self, table: str) -> np.ndarray | None:
        """The possible rows as an ascending index list, or None when every row is
        possible."""
        return self._cache.get(("rows", table), lambda: self._rows(table))

    def _rows(self, table: str) -> np.ndarray | None:
        n = self.inference.model.tables[table].nrows
        # compiled kernels read half the bytes from int32 rows (numpy gathers want intp)
        dtype = np.int32 if kernels.compiled() and n < 1 << 31 else np.intp
        row_sets = getattr(self.inference, "rows", None)
        if row_sets is not None:
            found = row_sets(table)
            if found.is_all:
                return None
            if found.kind == MASK and found.index is None:
                assert found.data is not None
                idx = krows.nonzero(found.data, dtype)
            else:
                idx = found.indices()
        else:
            mask = self.inference.row_masks.get(table)
            if mask is None:
                return None
            idx = krows.nonzero(mask, dtype)
        if len(idx) == n:
            return None
        return idx.astype(dtype, copy=False)

    def column(self, table: str, name: str) -> np.ndarray | None:
        """The codes of a column at the possible rows, gathered once for every chart of
        the state when the rows are few (at most ``1 / GATHER`` of the table): a pass
        through a short index list still reads most of a long column. Rows that are one
        run (``spans``) give a view of the column at any density; rows in a few runs
        (up to ``SLICES``) are read through their index list, not copied (each run is
        read in order: a copy of the runs cost more than it saved, even for the two
        charts of the bench's clicks).
        None otherwise (and for a column that is the row number)."""
        return self._cache.get(("column", table, name), lambda: self._column(table, name))

    def _column(self, table: str, name: str) -> np.ndarray | None:
        t = self.inference.model.tables[table]
        if t.is_identity(name):
            return None
        spans = self.spans(table)
        if spans is not None and len(spans) == 1:  # one run: a view, at any density
            out = t.columns[name][int(spans[0, 0]):int(spans[0, 1])]
            out.flags.writeable = False
            return out
        if spans is not None and len(spans) <= SLICES:  # a few runs: read in place
            return None
        rows = self.rows(table)
        if rows is None or len(rows) * GATHER > t.nrows:
            return None
        out = gather(Codes(t.columns[name], rows, None, len(rows)))
        out.flags.writeable = False
        return out

    def spans(self, table: str) -> np.ndarray | None:
        """The possible rows as runs ``[start, end)`` when the inference made them so (a
        selection reaching a table through the key its rows are grouped by), else None."""
        row_sets = getattr(self.inference, "rows", None)
        if row_sets is None:
            return None
        found = row_sets(table)
        return None if found.is_all else found.spans

    def count(self, table: str) -> int:
        rows = self.rows(table)
        return self.inference.model.tables[table].nrows if rows is None else len(rows)

    def key_rows(self, table: str, key: str) -> np.ndarray | None:
        return self._cache.get(("key_rows", table, key), lambda: self._key_rows(table, key))

    def _key_rows(self, table: str, key: str) -> np.ndarray | None:
        rows = self.model.key_rows(table, key)
        mask = self.mask(table)
        if rows is None or mask is None or not len(mask):
            return rows
        return np.where((rows >= 0) & mask[np.maximum(rows, 0)], rows, -1)

    def possible(self, name: str) -> np.ndarray:
        return self.inference.possible(name)

    def symbols_in(self, table: str, name: str) -> np.ndarray | None:
        """The field's symbols in the table's possible rows, when the inference gives
        them (None otherwise: the caller scans)."""
        found = getattr(self.inference, "symbols_in", None)
        return None if found is None else found(table, name)
