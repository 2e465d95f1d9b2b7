"""Sets of records combined by set operators: union, exclusion, intersection, symmetric
difference (``{$ + BM01}``, ``{1 - $}``, ``{$ * BM01}``, ``{$ / BM01}``, ``{-$}``).

Qlik's help ("Set operators") defines the operators on *sets of records*: ``+`` the
records in either operand, ``-`` those in the first but not the second (unary: the
complement, ``1 - X``), ``*`` those in both, ``/`` those in exactly one. The engine keeps
a selection's records as one state vector per data table (H. Cronström, "Colors, States
and State vectors", Qlik Design Blog: besides the fields' state vectors "there are state
vectors for the binary data tables also"), and the help of Qlik Sense 1.0 warns that set
operators "in combination with basic aggregation expressions involving fields from
multiple Qlik Sense tables may cause unpredictable results" (``Sum({$*BM01}
Quantity*Price)`` with the two fields in different tables): the operators combine each
table's rows on their own, with no inference afterwards.

So a combined set is, per table, the operator applied to the operands' possible rows
(``rows(table)``; an operand is an ``Inference`` or another ``CombinedInference``):

* ``{1-$}``: a row of a table is in it when the current selection excludes that row; a
  fact row when its order is excluded, a dimension row (a customer) when the customer is
  excluded. A customer with some excluded orders but also some possible ones is not in
  ``{1-$}``, while its excluded orders are;
* the values possible in the set (``possible``, read by ``P()``/``E()`` and by the
  records of a chart) are the values its rows hold, in any table holding the field.

A ``CombinedInference`` answers what a chart's records read of an ``Inference``
(``rows``, ``row_masks``, ``symbols_in``, ``possible``, ``states``, ``derived``), each
computed once and kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

import numpy as np

from associa.kernels import presence as kpresence
from associa.model import DataModel
from associa.select.memo import Cache, Memo
from associa.select.rows import INDEX, RowSet, memo_nbytes

T = TypeVar("T")

OPERATORS = ("+", "-", "*", "/")
COMBINED = 16  # combined sets kept per model
COMBINED_BYTES = 128 << 20  # about this much in their row sets and arrays
_ATTR = "_associa_select_combined"
_lock = threading.Lock()
# value state codes (``propagate.STATE_CODES``): a combined set has no selections, so its
# values are optional (possible) or excluded
_OPTION, _EXCLUDED = 2, 5


class RecordSet(Protocol):
    """What a set operator reads of an operand: its model and each table's rows."""

    model: DataModel

    def rows(self, table: str) -> RowSet: ...

    def derived(self, key: Hashable, compute: Callable[[], Any]) -> Any: ...


def combine(op: str, left: RecordSet, right: RecordSet) -> CombinedInference:
    """``left op right``, shared: the model keeps the last ``COMBINED`` combined sets
    (by their operands: a state's fingerprint, or the operand itself), so that the charts
    and sessions asking for the same set read one and compute each piece of it once."""
    if op not in OPERATORS:
        raise ValueError(f"Unknown set operator: {op}")
    cache = _cache(left.model)
    key = (op, _operand_key(left), _operand_key(right))
    return cache.get(key, lambda: CombinedInference(op, left, right, key))


def _operand_key(operand: RecordSet) -> Hashable:
    """An inference by its state's fingerprint; another operand by itself (a combined set
    by its own key; an entry keeps its operands alive, so an id is not reused meanwhile)."""
    state = getattr(operand, "state", None)
    if state is not None and hasattr(state, "key") and hasattr(operand, "plan"):
        return ("state", state.key())
    key = getattr(operand, "key", None)
    if isinstance(key, tuple):
        return key
    return ("object", id(operand))


def _cache(model: DataModel) -> Cache[CombinedInference]:
    found = model.__dict__.get(_ATTR)
    if found is None:
        with _lock:
            found = model.__dict__.get(_ATTR)
            if found is None:
                found = model.__dict__[_ATTR] = Cache(COMBINED, COMBINED_BYTES,
                                                      lambda c: c.nbytes)
    return found


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def combine_rows(op: str, a: RowSet, b: RowSet) -> RowSet:
    """The rows of one table in ``a op b``."""
    n = a.n
    if op == "+":
        if a.is_all or b.count == 0:
            return a
        if b.is_all or a.count == 0:
            return b
    elif op == "*":
        if a.is_all or b.count == 0:
            return b
        if b.is_all or a.count == 0:
            return a
    elif op == "-":
        if b.count == 0 or a.count == 0:
            return a
        if b.is_all:
            return RowSet.of_indices(np.zeros(0, dtype=np.intp), n)
        if a.is_all:
            return RowSet.of_mask(~b.mask())
    elif op == "/":
        if b.count == 0:
            return a
        if a.count == 0:
            return b
        if a.is_all:
            return RowSet.of_mask(~b.mask())
        if b.is_all:
            return RowSet.of_mask(~a.mask())
    if a.kind == INDEX and b.kind == INDEX:  # both sparse: merge the sorted lists
        x, y = a.indices(), b.indices()
        if op == "+":
            idx = np.union1d(x, y)
        elif op == "*":
            idx = np.intersect1d(x, y, assume_unique=True)
        elif op == "-":
            idx = np.setdiff1d(x, y, assume_unique=True)
        else:
            idx = np.setxor1d(x, y, assume_unique=True)
        return RowSet.of_indices(idx.astype(np.intp, copy=False), n)
    if op == "*" and (a.kind == INDEX or b.kind == INDEX):  # the sparse one, filtered
        sparse, dense = (a, b) if a.kind == INDEX else (b, a)
        idx = sparse.indices()
        return RowSet.of_indices(idx[dense.mask()[idx]], n)
    if op == "-" and a.kind == INDEX:
        idx = a.indices()
        return RowSet.of_indices(idx[~b.mask()[idx]], n)
    x, y = a.mask(), b.mask()
    if op == "+":
        out = x | y
    elif op == "*":
        out = x & y
    elif op == "-":
        out = x & ~y
    else:
        out = x ^ y
    return RowSet.of_mask(out)


class CombinedInference:
    """The records of ``left op right``, table by table (see the module docstring); reads
    like an ``Inference`` for the records of a chart and for ``P()``/``E()``."""

    def __init__(self, op: str, left: RecordSet, right: RecordSet,
                 key: Hashable = None) -> None:
        if op not in OPERATORS:
            raise ValueError(f"Unknown set operator: {op}")
        if left.model is not right.model:
            raise ValueError("Set operands over different models")
        self.op = op
        self.left = left
        self.right = right
        self.model = left.model
        self.key = key  # its key among the model's combined sets (None: not kept there)
        self._memo: Memo[Any] = Memo()

    def __repr__(self) -> str:
        return f"CombinedInference({self.op!r}, {self.left!r}, {self.right!r})"

    # -- rows -----------------------------------------------------------------------

    def rows(self, table: str) -> RowSet:
        """The table's rows in the combined set."""
        if table not in self.model.tables:
            raise KeyError(table)
        return self._memo.get(("R", table), lambda: combine_rows(
            self.op, self.left.rows(table), self.right.rows(table)))

    @property
    def row_masks(self) -> Mapping[str, np.ndarray | None]:
        """Each table's rows as a bool mask, None for all rows."""
        return _RowMasks(self)

    @property
    def empty(self) -> bool:
        """True when some table that has rows has none in the set."""
        return any(t.nrows and self.rows(name).count == 0
                   for name, t in self.model.tables.items())

    # -- values ---------------------------------------------------------------------

    def symbols_in(self, table: str, name: str) -> np.ndarray:
        """Bool over the field's symbols: those held by the table's rows in the set."""
        return self._memo.get(("T", table, name), lambda: self._symbols_in(table, name))

    def _symbols_in(self, table: str, name: str) -> np.ndarray:
        t = self.model.tables[table]
        nsym = len(self.model.fields[name].symbols)
        rows = self.rows(table)
        if rows.is_all:
            return self.model.full_presence[(table, name)]
        if rows.count == 0:
            return _frozen(np.zeros(nsym, dtype=bool))
        if t.is_identity(name):
            out = np.zeros(nsym, dtype=bool)
            out[rows.indices()] = True
            return _frozen(out)
        col = t.columns.stored(name)
        assert isinstance(col, np.ndarray)
        if rows.kind == INDEX:
            return _frozen(kpresence.of_indices(col, rows.indices(), nsym))
        return _frozen(kpresence.of_mask(col, rows.mask(), nsym))

    def possible(self, name: str) -> np.ndarray:
        """Bool over the field's symbols: held by some row of the set, in any table."""
        return self._memo.get(("P", name), lambda: self._possible(name))

    def _possible(self, name: str) -> np.ndarray:
        tables = self.model.fields[name].tables
        parts = [self.symbols_in(t, name) for t in tables]
        if not parts:
            return _frozen(np.zeros(len(self.model.fields[name].symbols), dtype=bool))
        if len(parts) == 1:
            return parts[0]
        out = parts[0].copy()
        for p in parts[1:]:
            out |= p
        return _frozen(out)

    def alternative(self, name: str) -> np.ndarray:
        """A combined set has no selections of its own: its possible values."""
        return self.possible(name)

    def states(self, name: str) -> np.ndarray:
        """One state code per symbol: optional where possible, else excluded."""
        return self._memo.get(("S", name), lambda: _frozen(
            np.where(self.possible(name), _OPTION, _EXCLUDED).astype(np.int8)))

    def state_counts(self, name: str) -> dict[str, int]:
        possible = int(np.count_nonzero(self.possible(name)))
        total = len(self.model.fields[name].symbols)
        return {"qLocked": 0, "qSelected": 0, "qOption": possible, "qDeselected": 0,
                "qAlternative": 0, "qExcluded": total - possible, "qSelectedExcluded": 0,
                "qLockedExcluded": 0}

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value computed from this set once, however many readers ask."""
        found: T = self._memo.get(("D", key), compute)
        return found

    @property
    def nbytes(self) -> int:
        return memo_nbytes(self._memo.values())


class _RowMasks(Mapping[str, "np.ndarray | None"]):
    def __init__(self, inference: CombinedInference) -> None:
        self._inf = inference

    def __getitem__(self, table: str) -> np.ndarray | None:
        rows = self._inf.rows(table)
        if rows.is_all:
            return None
        return self._inf._memo.get(("mask", table), lambda: _frozen(rows.mask().copy()))

    def __iter__(self) -> Iterator[str]:
        return iter(self._inf.model.tables)

    def __len__(self) -> int:
        return len(self._inf.model.tables)


__all__ = ["OPERATORS", "CombinedInference", "RecordSet", "combine", "combine_rows"]
