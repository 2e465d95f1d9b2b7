"""The result a chart script reads and changes (``calc/chartresult.py``): columns by label
and declaration order, cells by position, the HC1 table, and the script functions outside
a chart script. Over the golden hypercubes' sales rows (regions by Sum(Amount) in load
order: North 150, South 160, East 100, West 5)."""

from __future__ import annotations

import math

import pytest

from associa.calc.chartresult import TABLE, Result
from associa.errors import ExpressionError, ScriptError
from associa.expr import Evaluator, parse
from associa.model.builder import ModelBuilder
from associa.script.state import ConstantScope
from associa.values import DEFAULT_LOCALE
from tests.calc.test_chartscript import _cube


def _result() -> Result:
    hc = _cube()  # Region × Sales × N, largest sales first
    return Result(hc.cube)


def test_columns_by_label_and_by_declaration_order() -> None:
    r = _result()
    assert r.ncols == 3
    assert [r.column(n) for n in ("Region", "Sales", "N")] == [0, 1, 2]
    assert r.column("#hc1.dimension.1") == 0
    assert r.column("#hc1.measure.2") == 2
    assert r.column("#HC1.Measure.1") == 1
    assert r.column("#hc1.measure2") == 2  # as the help's HCValue example writes it
    for bad in ("Profit", "#hc1.measure.3", "#hc1.dimension.2", "#hc1.measure.0", "sales"):
        with pytest.raises(ScriptError, match="not found"):
            r.column(bad)


def test_cells_by_position_null_out_of_bounds() -> None:
    r = _result()
    assert r.value(0, 1)[0] == "South"
    assert r.value(1, 1) == ("160", 160.0)
    assert r.value(2, 4) == ("1", 1.0)
    for pos in (0, 5, -1, math.nan):
        text, num = r.value(1, pos)
        assert text is None and math.isnan(num)


def test_put_copies_before_writing() -> None:
    hc = _cube()
    before = hc.cube.values[0].num.copy()
    r = Result(hc.cube)
    r.put(1, 2, 7.5)
    assert r.value(1, 2) == ("7.5", 7.5)
    assert (hc.cube.values[0].num == before).all()  # the cube changes only on commit
    r.commit()
    assert hc.cube.values[0].num[int(hc.cube.rows[1])] == 7.5


def test_hc1_table_has_a_field_per_column_and_a_record_per_row() -> None:
    r = _result()
    builder = ModelBuilder()
    r.table(builder)
    table = builder.tables[TABLE]
    assert table.fields == ["Region", "Sales", "N"] and table.nrows == 4
    regions = builder.symbols_of("Region")
    assert [regions.text(int(c)) for c in table.columns["Region"]] == \
        ["South", "North", "East", "West"]
    r.table(builder)  # made again (after a Put): still one table
    assert list(builder.tables) == [TABLE]


def test_script_functions_outside_a_chart_script_are_errors() -> None:
    ev = Evaluator(DEFAULT_LOCALE)
    for text in ("HCNoRows()", "HCNoCols()", "HCValue(Sales, 1)"):
        with pytest.raises(ExpressionError, match="only available in a chart script"):
            ev.eval(parse(text), ConstantScope(DEFAULT_LOCALE))
