"""The result of a hypercube as a chart script sees and changes it (``calc/chartscript.py``):
the table HC1 ("the HC1 table, representing the hypercube computed by the Qlik associative
engine", help Sense_Hub/ChartLevelScripting/Prefixes/Add), and the script functions that
read it: ``HCValue(column, position)`` (a cell, NULL out of bounds: RegularStatements/
HCValue), ``HCNoRows()`` and ``HCNoCols()``.

Columns are named by label or by declaration order (``#hc1.measure.2``,
``#hc1.dimension.3``); rows are counted from 1 in the final sorted cube.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.calc.cells import nan_json
from associa.calc.others import OTHERS, TOTAL
from associa.errors import ExpressionError, ScriptError
from associa.expr import Evaluator, Vec, ast
from associa.expr.registry import register
from associa.expr.vector import concat
from associa.model.builder import ModelBuilder
from associa.model.symbols import SymbolTable

if TYPE_CHECKING:
    from associa.calc.cube import Cube

TABLE = "HC1"  # the name of the result table
ADDED = -100  # a dimension's code ADDED - k: the k-th value a Load added of its own
COLUMN = re.compile(r"#hc1\.(measure|dimension)\.?(\d+)", re.IGNORECASE)


class Result:
    """The cube's result as a chart script sees and changes it: the rows in display
    order (groups of the cube), each dimension's code and each measure's value per group.
    Changes are made here and written to the cube only when every script succeeded."""

    def __init__(self, cube: Cube) -> None:
        self.cube = cube
        self.rows = np.asarray(cube.rows, dtype=np.int64)
        self.values = list(cube.values)
        self.dim_symbols = [np.asarray(s, dtype=np.int64) for s in cube.dim_symbols]
        self.groups = self.values[0].n if self.values else (
            len(self.dim_symbols[0]) if self.dim_symbols else cube.count)
        self._copied: set[int] = set()
        ndims = len(cube.dims)
        self.labels = [d.label for d in cube.dims] + [m.label for m in cube.measures]
        self.ndims = ndims
        # per dimension, the values a Load added that its field does not hold: the code
        # ADDED - k stands for the k-th (``added_cell`` shows them)
        self.added: list[list[tuple[str, float]]] = [[] for _ in cube.dims]

    @property
    def ncols(self) -> int:
        return len(self.labels)

    def column(self, name: str) -> int:
        """A column by label, or by declaration order (``#hc1.measure.2``)."""
        m = COLUMN.fullmatch(name.strip())
        if m is not None:
            k = int(m.group(2)) - 1
            if m.group(1).lower() == "dimension" and 0 <= k < self.ndims:
                return k
            if m.group(1).lower() == "measure" and 0 <= k < self.ncols - self.ndims:
                return self.ndims + k
        elif name in self.labels:
            return self.labels.index(name)
        raise ScriptError(f"Column '{name}' not found")

    def value(self, col: int, position: float) -> tuple[str | None, float]:
        """The cell at a row (1-based) of a column: (text, number); NULL out of bounds."""
        if math.isnan(position) or not 1 <= position <= len(self.rows):
            return None, math.nan
        g = int(self.rows[int(position) - 1])
        if col >= self.ndims:
            return self.values[col - self.ndims].value(g, self.cube.locale)
        return self._dim_value(col, int(self.dim_symbols[col][g]))

    def _dim_value(self, col: int, code: int) -> tuple[str | None, float]:
        cube = self.cube
        d = cube.dims[col]
        if code == OTHERS:
            return cube.other_labels[col], math.nan
        if code == TOTAL:
            return cube.total_labels[col], math.nan
        if code <= ADDED:
            return self.added[col][ADDED - code]
        if d.values is not None:
            if 0 <= code < d.values.null_code:
                return d.values.text(code), d.values.num(code)
            return None, math.nan
        if d.field is None or code < 0 or code >= cube.model.fields[d.field].null_code:
            return None, math.nan
        symbols = cube.model.fields[d.field].symbols
        return symbols.text(code), symbols.num(code)

    def put(self, col: int, position: float, x: float) -> None:
        """Put: a number into a measure's cell; a row out of bounds changes nothing."""
        if col < self.ndims:
            raise ScriptError(f"Dimension '{self.labels[col]}' cannot be modified by Put")
        if math.isnan(position) or not 1 <= position <= len(self.rows):
            return
        i = col - self.ndims
        v = self.values[i]
        if i not in self._copied:
            text = v.text
            v = Vec(v.num.copy(), None if text is None else text.copy(), v.null.copy())
            self.values[i] = v
            self._copied.add(i)
        g = int(self.rows[int(position) - 1])
        v.num[g] = x
        v.null[g] = math.isnan(x)
        if v.text is not None:
            v.text[g] = None

    def table(self, builder: ModelBuilder) -> None:
        """HC1 in a builder: one field per column (named by its label), one record per
        row, for ``Resident HC1``."""
        builder.drop(TABLE) if TABLE in builder.tables else None
        columns: dict[str, np.ndarray] = {}
        for c, label in enumerate(self.labels):
            sym = builder.symbols[label] = SymbolTable()
            codes = np.full(len(self.rows), -1, dtype=np.int32)
            for r in range(len(self.rows)):
                text, num = self.value(c, float(r + 1))
                if text is not None:
                    codes[r] = sym.intern(text, num)
            columns[label] = codes
        builder.add(TABLE, list(columns), columns, len(self.rows))

    def load(self, loaded: Mapping[str, Vec], n: int, replace_rows: bool) -> None:
        """Rows loaded by Add (appended) or Replace (instead of the rows), matched to the
        columns by label; a column the LOAD does not give is NULL."""
        for name in loaded:
            if name not in self.labels:
                raise ScriptError(f"Column '{name}' not found")
        base = self.groups
        for c in range(self.ndims):
            v = loaded.get(self.labels[c])
            codes = np.full(n, -1, dtype=np.int64)
            if v is not None:
                codes = self._dim_codes(c, v)
            self.dim_symbols[c] = np.concatenate([self.dim_symbols[c], codes])
        for i in range(len(self.values)):
            v = loaded.get(self.labels[self.ndims + i])
            self.values[i] = concat([self.values[i], Vec.nulls(n) if v is None else v])
            self._copied.discard(i)
        new = base + np.arange(n, dtype=np.int64)
        self.rows = new if replace_rows else np.concatenate([self.rows, new])
        self.groups = base + n

    def _dim_codes(self, col: int, v: Vec) -> np.ndarray:
        """A dimension's codes for loaded values: the field's (or calculated
        dimension's) value of the same number or text, else a value of its own
        (``ADDED - k``); -1 for NULL."""
        d = self.cube.dims[col]
        out = np.full(v.n, -1, dtype=np.int64)
        symbols = None if d.field is None or d.values is not None else \
            self.cube.model.fields[d.field].symbols
        for k in range(v.n):
            text, num = v.value(k, self.cube.locale)
            if text is None:
                continue
            found = None
            if symbols is not None:
                found = symbols.find_number(num) if not math.isnan(num) else None
                if found is None:
                    found = symbols.find_text(text)
            elif d.values is not None:
                found = _calc_code(d.values, text, num)
            if found is None:
                own = self.added[col]
                if (text, num) not in own:
                    own.append((text, num))
                found = ADDED - own.index((text, num))
            out[k] = found
        return out

    def commit(self) -> None:
        """The changes written to the cube (the groups a Load added given NULL
        attributes)."""
        cube = self.cube
        added = self.groups - (cube.values[0].n if cube.values else self.groups)
        if not cube.values and self.dim_symbols:
            added = len(self.dim_symbols[0]) - len(cube.dim_symbols[0])
        cube.values = self.values
        cube.dim_symbols = self.dim_symbols
        cube.rows = self.rows
        if any(self.added):
            cube.added_values = self.added
        if added > 0:
            cube.attr_values = [[concat([v, Vec.nulls(added)]) for v in col]
                                for col in cube.attr_values]
            cube.attr_dim_codes = [[np.concatenate([np.asarray(c, dtype=np.int64),
                                                    np.full(added, -1, dtype=np.int64)])
                                    for c in col] for col in cube.attr_dim_codes]


RESULT: ContextVar[Result | None] = ContextVar("associa_chart_script", default=None)


def _result(function: str) -> Result:
    found = RESULT.get()
    if found is None:
        raise ExpressionError(f"{function}() is only available in a chart script")
    return found


# -- the script functions ---------------------------------------------------------------


@register("HCVALUE", 2, 2)
def _hcvalue(ev: Evaluator, call: ast.Call, scope: Any) -> Vec:
    result = _result("HCValue")
    ref = call.args[0]
    if isinstance(ref, ast.FieldRef):
        name = ref.name
    elif isinstance(ref, ast.String):
        name = ref.value
    else:
        raise ExpressionError("HCValue: the first argument is a column (a label or "
                              "#hc1.measure.n / #hc1.dimension.n)")
    col = result.column(name)
    pos = ev.eval(call.args[1], scope)
    n = pos.n
    out = []
    for k in range(n):
        x = math.nan if pos.null[k] else float(pos.as_numbers()[k])
        out.append(result.value(col, x))
    texts = np.array([t for t, _ in out], dtype=object)
    nums = np.array([x for _, x in out], dtype=np.float64)
    return Vec(nums, texts, np.array([t is None for t, _ in out], dtype=bool))


@register("HCNOROWS", 0, 0)
def _hcnorows(ev: Evaluator, call: ast.Call, scope: Any) -> Vec:
    return Vec.constant_number(float(len(_result("HCNoRows").rows)), scope.n)


@register("HCNOCOLS", 0, 0)
def _hcnocols(ev: Evaluator, call: ast.Call, scope: Any) -> Vec:
    return Vec.constant_number(float(_result("HCNoCols").ncols), scope.n)


def added_cell(cube: Cube, col: int, code: int) -> dict[str, Any]:
    """The cell of a dimension value a chart script's Load added that the dimension does
    not hold: its text and number, no element to select (qElemNumber -1)."""
    text, num = cube.added_values[col][ADDED - code]
    return {"qText": text, "qNum": nan_json(num), "qElemNumber": -1, "qState": "O"}


def _calc_code(values: Any, text: str, num: float) -> int | None:
    """A calculated dimension's code of a value (same number, else same text)."""
    for code in range(values.null_code):
        if (not math.isnan(num) and values.num(code) == num) or (
                math.isnan(num) and values.text(code) == text):
            return code
    return None
