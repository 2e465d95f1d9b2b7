"""Columns of a built model: the narrowest unsigned dtype, NULL as the field's null code,
identity columns not stored."""

from __future__ import annotations

import math

import numpy as np
import pytest

from associa.calc import HyperCube
from associa.model import DataModel, SymbolTable, Table
from associa.model.builder import ModelBuilder, model_from_rows
from associa.model.table import Identity, code_dtype
from associa.script import run_script
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE


@pytest.mark.parametrize(
    ("nsym", "dtype"),
    [(0, np.uint8), (255, np.uint8), (256, np.uint16), (65535, np.uint16),
     (65536, np.uint32), (2**32 - 1, np.uint32)],
)
def test_code_dtype_holds_the_null_code(nsym: int, dtype: type) -> None:
    assert code_dtype(nsym) == np.dtype(dtype)
    assert np.iinfo(code_dtype(nsym)).max >= nsym


@pytest.mark.parametrize(("nsym", "dtype"), [(255, np.uint8), (256, np.uint16),
                                               (65535, np.uint16), (65536, np.uint32)])
def test_built_columns_at_the_dtype_boundaries(nsym: int, dtype: type) -> None:
    # the values in reverse with a NULL and a repeat: not an identity column
    values: list[object] = [f"v{i}" for i in reversed(range(nsym))] + [None, "v0"]
    model = model_from_rows({"T": {"F": values}})
    col = model.tables["T"].columns["F"]
    fld = model.fields["F"]
    assert col.dtype == np.dtype(dtype) and fld.code_dtype == col.dtype
    assert fld.null_code == nsym == len(fld.symbols)
    assert int(col[-2]) == nsym  # the NULL
    assert int(col[-1]) == int(col[nsym - 1]) == fld.symbols.find_text("v0")
    assert not model.tables["T"].is_identity("F")
    # lookup tables of nsym + 1 entries keep their last slot for NULL
    lut = np.append(np.zeros(nsym, dtype=bool), True)
    assert np.flatnonzero(lut[col]).tolist() == [nsym]


def test_null_is_the_code_after_the_last_symbol() -> None:
    model = model_from_rows({"T": {"A": ["x", None, "y", None], "B": [1, 2, None, 1]}})
    assert model.tables["T"].columns["A"].tolist() == [0, 2, 1, 2]
    assert model.tables["T"].columns["B"].tolist() == [0, 1, 2, 0]
    assert model.null_code("A") == 2 and model.fields["B"].null_code == 2
    assert model.fields["A"].symbols.texts_at(model.tables["T"].columns["A"]).tolist() == [
        "x", None, "y", None]


def test_identity_column_is_not_stored() -> None:
    n = 1000
    model = model_from_rows({"T": {"ID": list(range(100, 100 + n)), "V": [i % 7 for i in range(n)]}})
    table = model.tables["T"]
    assert table.is_identity("ID") and not table.is_identity("V")
    assert isinstance(table.columns.stored("ID"), Identity)
    assert table.columns.stored("ID").nbytes == 0
    col = table.columns["ID"]
    assert col.dtype == np.uint16 and col.tolist() == list(range(n))
    assert table.columns.nbytes == n  # V only: uint8
    assert "ID" in table.columns and list(table.columns) == ["ID", "V"]
    assert model.full_presence[("T", "ID")].all()


def test_identity_does_not_depend_on_the_values_order() -> None:
    # symbols are numbered in load order, so any column of distinct values is one
    model = model_from_rows({"T": {"ID": [5, 3, 9, 1]}})
    assert model.tables["T"].is_identity("ID")
    assert model.fields["ID"].symbols.texts_at(model.tables["T"].columns["ID"]).tolist() == [
        "5", "3", "9", "1"]


def test_columns_that_are_no_identity() -> None:
    model = model_from_rows({
        "T": {"Dup": [1, 2, 2], "Null": [1, None, 2], "Ok": ["a", "b", "c"]},
        "U": {"Dup": [3, 4, 5]},  # Dup: 5 symbols, 3 rows in each table
    })
    t = model.tables["T"]
    assert not t.is_identity("Dup") and not t.is_identity("Null") and t.is_identity("Ok")
    assert not model.tables["U"].is_identity("Dup")


def test_a_key_that_gains_symbols_elsewhere_is_no_identity() -> None:
    """Customers' ids are its row numbers, but the facts bring ids of unknown customers:
    the field has more symbols than Customers has rows, so its column stays stored (an
    identity holds every symbol of its field)."""
    script = """
Customers: LOAD * INLINE [
CustomerID, Name
1, a
2, b
];
Fact: LOAD * INLINE [
CustomerID, Amount
2, 10
7, 20
];
"""
    model = run_script(script).model
    customers = model.tables["Customers"]
    assert not customers.is_identity("CustomerID")
    assert customers.columns["CustomerID"].tolist() == [0, 1]
    assert model.fields["CustomerID"].cardinal == 3
    assert model.full_presence[("Customers", "CustomerID")].tolist() == [True, True, False]


def test_identity_lost_by_concatenation() -> None:
    script = """
T: LOAD * INLINE [
ID
1
2
3
];
CONCATENATE (T) LOAD * INLINE [
ID
3
4
];
"""
    model = run_script(script).model
    assert not model.tables["T"].is_identity("ID")
    assert model.tables["T"].columns["ID"].tolist() == [0, 1, 2, 2, 3]
    # a concatenation that only adds new values keeps it
    model = run_script(script.replace("3\n4\n];", "4\n5\n];")).model
    assert model.tables["T"].is_identity("ID")


def test_identity_after_where() -> None:
    script = """
T: LOAD * INLINE [
ID
1
2
3
4
];
U: NOCONCATENATE LOAD ID RESIDENT T WHERE ID <> 2;
"""
    model = run_script(script).model
    assert model.tables["T"].is_identity("ID")
    assert not model.tables["U"].is_identity("ID")  # codes 0, 2, 3 of 4 symbols
    assert model.tables["U"].columns["ID"].tolist() == [0, 2, 3]
    # once T is dropped, the unused symbol goes and U's codes are its row numbers
    model = run_script(script + "DROP TABLE T;").model
    assert model.tables["U"].is_identity("ID")
    assert model.fields["ID"].symbols.texts_at(model.tables["U"].columns["ID"]).tolist() == [
        "1", "3", "4"]


def test_identity_columns_answer_like_stored_ones() -> None:
    """The same data with OrderID stored (a NULL row added elsewhere keeps it stored) and
    not stored: selections and charts agree."""
    ids = [10, 11, 12, 13, 14, 15]
    cust = ["a", "b", "a", "c", "b", "a"]
    stored = model_from_rows({"O": {"OrderID": ids + [None], "C": cust + ["z"]}})
    implicit = model_from_rows({"O": {"OrderID": ids, "C": cust}})
    assert implicit.tables["O"].is_identity("OrderID")
    assert not stored.tables["O"].is_identity("OrderID")
    cube = {"qDimensions": [{"qDef": {"qFieldDefs": ["OrderID"]}}],
            "qMeasures": [{"qDef": {"qDef": "Count(C)"}}, {"qDef": {"qDef": "Only(C)"}}],
            "qInitialDataFetch": [{"qWidth": 3, "qHeight": 20}]}

    def answer(model: DataModel) -> tuple[list, list]:
        sym = model.fields["C"].symbols
        mask = np.zeros(len(sym), dtype=bool)
        mask[[sym.find_text("a"), sym.find_text("b")]] = True
        inf = Inference(model, SelectionState().with_field("C", mask))
        pages = HyperCube(model, inf, cube, DEFAULT_LOCALE).layout()["qDataPages"][0]["qMatrix"]
        possible = inf.possible("OrderID")
        return [[c["qText"] for c in row] for row in pages], possible.tolist()

    rows, possible = answer(implicit)
    rows_stored, possible_stored = answer(stored)
    assert rows == rows_stored and possible == possible_stored[: len(possible)]
    assert [r[0] for r in rows] == ["10", "11", "12", "14", "15"]


def test_a_model_takes_builder_columns_and_converts_them() -> None:
    sym = SymbolTable()
    col = np.array([sym.intern("x", math.nan), -1, sym.intern("y", math.nan)], dtype=np.int32)
    table = Table("T", ["F"], {"F": col}, 3)
    model = DataModel([table], {"F": sym})
    assert model.tables["T"].columns["F"].dtype == np.uint8
    assert model.tables["T"].columns["F"].tolist() == [0, 2, 1]


def test_build_lets_go_of_the_builder_data() -> None:
    b = ModelBuilder()
    sym = b.symbols_of("F")
    b.add("T", ["F"], {"F": np.array([sym.intern("a", math.nan)], dtype=np.int32)}, 1)
    model = b.build()
    assert b.tables == {} and b.symbols == {}
    assert model.fields["F"].symbols is sym  # frozen, now the model's
    with pytest.raises(RuntimeError):
        sym.intern("b", math.nan)
