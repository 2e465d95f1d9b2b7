"""What the load script's own functions read while a script runs: the tables built so far,
the mapping tables, the AutoNumber counters and the LOAD being run.

The interpreter makes one ``ScriptContext`` per reload and sets it in ``CURRENT`` (a
context variable, so that reloads on different threads do not see each other's); the
script functions (``script/functions.py``) read it. Outside a reload it is unset and those
functions answer with an error saying where they can be used.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.errors import ScriptError
from associa.model.builder import ModelBuilder
from associa.model.table import Table

if TYPE_CHECKING:
    from associa.script.prefixes.mapping import Mapping


@dataclass
class ScriptContext:
    builder: ModelBuilder
    mappings: dict[str, Mapping] = field(default_factory=dict)
    # AutoNumber: per counter id, the values numbered so far (a ValueIndex grows by rebuild)
    counters: dict[str, Any] = field(default_factory=dict)
    current: Any = None  # the LoadRun under way (Peek of the table being built)
    current_table: str | None = None  # the name the LOAD under way stores into
    _present: dict[str, np.ndarray] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return self.builder.table(name)

    def last_table(self) -> Table:
        table = self.builder.last_table()
        if table is None:
            raise ScriptError("No table loaded yet")
        return table

    def mapping(self, name: str) -> Mapping:
        found = self.mappings.get(name)
        if found is None:
            raise ScriptError(f"Mapping table not found: {name}")
        return found

    def present(self, fieldname: str) -> np.ndarray:
        """A mask over the field's symbols of those some table holds now (symbols of
        dropped tables linger in the builder until the model is built)."""
        cached = self._present.get(fieldname)
        sym = self.builder.symbols.get(fieldname)
        if sym is None:
            return np.zeros(0, dtype=bool)
        if cached is not None and len(cached) == len(sym):
            return cached
        mask = np.zeros(len(sym) + 1, dtype=bool)
        for table in self.builder.tables.values():
            if fieldname in table.columns:
                mask[table.columns[fieldname]] = True
        out = mask[:-1]
        self._present[fieldname] = out
        return out

    def changed(self) -> None:
        """Tables changed: cached presence is stale."""
        self._present.clear()


CURRENT: ContextVar[ScriptContext | None] = ContextVar("associa_script", default=None)


def current(function: str) -> ScriptContext:
    ctx = CURRENT.get()
    if ctx is None:
        raise ScriptError(f"{function}() is only available in a load script")
    return ctx
