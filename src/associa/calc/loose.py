"""Charts over loosely coupled tables: each field of such a table as a table of its own.

Qlik's help ("Loosen Table") says of a loosely coupled table that "all associations
between field values in the table are removed. A similar effect could be achieved by
loading each field of the loosely coupled table as independent, unconnected tables";
QlikView's help ("Loosely coupled tables") shows a table box over two fields of a loose
table listing "all combinations of their respective possible values", there being no
logic between them. Selections already behave so (``associa.select.plan``: nothing
passes through a loose table); this module makes charts do the same.

A chart reads its records from a view of the model (``view``) in which each loose table
``T`` is replaced by one table per field, named ``T`` + NUL + field: ``T``'s rows with
that one column (the same array, not a copy). Such a table links to the other tables
holding its field and to nothing else, so two fields of ``T`` combine as a Cartesian
product and a measure of ``T`` is summed over ``T``'s rows whatever the dimensions
reach. The view's selection state (``ViewInference``) answers for the ordinary tables
from the model's inference; a field table's possible rows are those whose value the
inference finds possible in ``T`` (``Inference.symbols_in``, which already treats the
field as a table of its own).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

from associa.model import DataModel
from associa.model.table import Columns, Table
from associa.select import Inference
from associa.select.memo import Memo
from associa.select.rows import RowSet

T = TypeVar("T")

SEP = "\x00"  # between a loose table's name and its field's in a field table's name
_VIEW = "_loose_view"  # where a model keeps its view (made once)
_KEY = "associa.calc.loose"


def field_table(table: str, name: str) -> str:
    return f"{table}{SEP}{name}"


def view(model: DataModel) -> DataModel:
    """The model with each loosely coupled table split into one table per field (the
    model itself when none is loose); made once per model."""
    if not model.loose_tables:
        return model
    found = model.__dict__.get(_VIEW)
    if found is None:
        found = model.__dict__[_VIEW] = _split(model)
    return found


def _split(model: DataModel) -> DataModel:
    loose = set(model.loose_tables)
    tables: dict[str, Table] = {}
    for name, table in model.tables.items():
        if name not in loose:
            tables[name] = table
            continue
        for f in table.fields:
            own = Table(field_table(name, f), [f], Columns({f: table.columns.stored(f)}),
                        table.nrows)
            if table.grouped_by == f:
                own.grouped_by, own.group_order = f, table.group_order
            tables[own.name] = own

    def renamed(t: str, f: str) -> str:
        return field_table(t, f) if t in loose else t

    out = object.__new__(DataModel)
    out.__dict__.update(
        version=model.version, tables=tables,
        fields={n: dataclasses.replace(fld, tables=[renamed(t, n) for t in fld.tables])
                for n, fld in model.fields.items()},
        loose_tables=[], api_loose=frozenset(), synthetic_tables=model.synthetic_tables,
        system_tables=model.system_tables, table_tags=model.table_tags,
        unlinked={(renamed(t, f), f) for t, f in model.unlinked})
    out._build_forest()
    return out


class ViewInference:
    """A selection state over ``view(model)``, answered from the model's ``Inference``
    (what ``calc.lookups.StateLookups`` and ``calc.records`` read of one)."""

    def __init__(self, inference: Inference, model: DataModel) -> None:
        self._inference = weakref.ref(inference)
        self.model = model
        self.owner = {field_table(t, f): (t, f) for t in inference.model.loose_tables
                      for f in inference.model.tables[t].fields}
        self._memo: Memo[Any] = Memo()

    @staticmethod
    def of(inference: Inference) -> Inference | ViewInference:
        """The state over the model's view: the inference itself when no table is loose;
        kept with the inference (it lives as long)."""
        model = inference.model
        if not model.loose_tables:
            return inference
        return inference.derived(_KEY, lambda: ViewInference(inference, view(model)))

    @property
    def inference(self) -> Inference:
        found = self._inference()
        assert found is not None
        return found

    def rows(self, table: str) -> RowSet:
        if table not in self.owner:
            return self.inference.rows(table)
        return self._memo.get(("R", table), lambda: self._rows(table))

    def _rows(self, table: str) -> RowSet:
        source, name = self.owner[table]
        t = self.model.tables[table]
        inf = self.inference
        # what reaches the field's own table: through the key from the other tables
        # holding it, or the field's selection; a NULL row is possible while nothing does
        if name in inf.plan.links[source]:
            reaching = inf.to_table(name, source)
        else:
            reaching = inf.state.selected.get(name)
        lut = np.append(self.symbols_in(table, name), reaching is None)
        if t.is_identity(name):
            return RowSet.of_mask(lut[: t.nrows].copy())
        return RowSet.of_mask(lut[t.columns[name]])

    def symbols_in(self, table: str, name: str) -> np.ndarray:
        return self.inference.symbols_in(*self.owner.get(table, (table, name)))

    def possible(self, name: str) -> np.ndarray:
        return self.inference.possible(name)

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        found: T = self.inference.derived((_KEY, key), compute)
        return found


__all__ = ["SEP", "ViewInference", "field_table", "view"]
