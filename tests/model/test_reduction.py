"""reduce_model: the same model with fewer rows and fields (what Section Access gives a
user), checked against the rows kept computed here from the script's rows."""

from __future__ import annotations

import numpy as np

from associa.model import DataModel
from associa.model.reduction import reduce_model
from associa.script import run_script
from associa.select import Inference, SelectionState
from tests.model.test_loops_and_tags import LOOP


def texts(model: DataModel, table: str, name: str) -> list[str | None]:
    """A column's values in load order."""
    fld = model.fields[name]
    col = model.tables[table].in_load_order(name)
    return [None if c == fld.null_code else fld.symbols.text(int(c)) for c in col]


def symbols(model: DataModel, name: str) -> list[str]:
    sym = model.fields[name].symbols
    return [sym.text(i) for i in range(len(sym))]


SALES = """
Sales: LOAD * INLINE [
Region, Product, Amount, Day
North, Bike, 100, 2024-01-02
South, Lock, 20, 2024-01-03
North, Lock, 7, 2024-01-04
East, Bike, 150, 2024-01-05
North, Helmet, 40, 2024-01-02
];
Concatenate(Sales) LOAD 'West' as Region, 'Bike' as Product, 5 as Amount AUTOGENERATE 1;
Regions: LOAD * INLINE [
Region, Manager
North, Ann
South, Bob
East, Cid
];
TAG FIELD Manager WITH 'people';
"""


def rows_of(model: DataModel, table: str, name: str, keep: set[str]) -> np.ndarray:
    """A mask over the table's stored rows: those whose ``name`` is in ``keep``."""
    fld = model.fields[name]
    col = model.tables[table].columns[name]
    wanted = np.array([fld.symbols.text(i) in keep for i in range(len(fld.symbols))] + [False])
    return wanted[col]


def test_rows_kept_in_load_order_and_symbols_dropped() -> None:
    model = run_script(SALES).model
    keep = {"North", "West"}
    out = reduce_model(model, {"Sales": rows_of(model, "Sales", "Region", keep),
                               "Regions": rows_of(model, "Regions", "Region", keep)})
    expected = [(r, p) for r, p in zip(texts(model, "Sales", "Region"),
                                       texts(model, "Sales", "Product"), strict=True)
                if r in keep]
    assert list(zip(texts(out, "Sales", "Region"), texts(out, "Sales", "Product"),
                    strict=True)) == expected
    assert texts(out, "Sales", "Day") == ["2024-01-02", "2024-01-04", "2024-01-02", None]
    assert symbols(out, "Region") == ["North", "West"]
    assert symbols(out, "Product") == ["Bike", "Lock", "Helmet"]  # load order kept
    assert symbols(out, "Manager") == ["Ann"]
    # what was worked out from the fields carries over: formats, tags; system tables anew
    assert out.fields["Day"].date_kind == model.fields["Day"].date_kind == "date"
    assert "people" in out.fields["Manager"].tags()
    assert symbols(out, "$Table") == ["Sales", "Regions"]
    assert out.version != model.version and model.tables["Sales"].nrows == 6


def test_omitted_fields_leave_and_omitted_keys_keep_the_link() -> None:
    model = run_script(SALES).model
    out = reduce_model(model, None, omit=["Manager", "Nope", "$Table"])
    assert "Manager" not in out.fields and "Manager" not in out.tables["Regions"].fields
    assert "Manager" not in symbols(out, "$Field") and "$Table" in out.fields
    keyless = reduce_model(model, None, omit=["Region"])
    assert keyless.fields["Region"].hidden and keyless.fields["Region"].is_key
    assert symbols(keyless, "Region") == ["0", "1", "2", "3"]  # North, South, East, West
    # the tables stay associated: selecting Ann still reaches her orders
    sym = keyless.fields["Manager"].symbols
    mask = np.array([sym.text(i) == "Ann" for i in range(len(sym))])
    inf = Inference(keyless, SelectionState().with_field("Manager", mask))
    assert inf.rows("Sales").count == 3


def test_a_table_every_field_of_which_is_omitted_goes() -> None:
    model = run_script(SALES).model
    out = reduce_model(model, None, omit=["Manager"] + ["Region"])
    assert "Regions" in out.tables  # Region is a key: kept, anonymous
    lone = run_script("T: LOAD * INLINE [\nA, B\n1, 2];\nU: LOAD * INLINE [\nC\n3];").model
    assert "U" not in reduce_model(lone, None, omit=["C"]).tables


def test_synthetic_and_loose_tables_carry_over() -> None:
    syn = run_script("A: LOAD * INLINE [\nx, y, a\n1, 10, p\n2, 20, q\n];\n"
                     "B: LOAD * INLINE [\nb, y, x\nP, 10, 1\nQ, 99, 2\n];").model
    out = reduce_model(syn, {"A": np.array([True, False])})
    assert out.synthetic_tables == syn.synthetic_tables
    assert out.fields["$Syn 1"].syn and out.fields["x"].keypart
    assert texts(out, "A", "a") == ["p"]
    loop = run_script(LOOP).model
    assert loop.loose_tables and reduce_model(loop, None).loose_tables == loop.loose_tables
