"""What a reload leaves in the symbol tables: computed values keep their texts, numbers
whose text is their default rendering store none, and no Python object per row survives."""

from __future__ import annotations

import gc
import math

import numpy as np

from associa.model import DataModel
from associa.script import run_script

SCRIPT = """SET DecimalSep=',';
T: LOAD RecNo() as N, RecNo() / 4 as Q, 'x' & RecNo() as X, Dual('d' & RecNo(), RecNo()) as D,
   If(RecNo() = 2, Null(), RecNo() * 1e15) as Big
AUTOGENERATE 4;
"""


def texts(model: DataModel, name: str) -> list[str | None]:
    sym = model.fields[name].symbols
    return sym.texts_at(model.tables["T"].columns[name]).tolist()


def test_computed_values_keep_their_texts() -> None:
    model = run_script(SCRIPT).model
    assert texts(model, "N") == ["1", "2", "3", "4"]
    assert texts(model, "Q") == ["0,25", "0,5", "0,75", "1"]  # the script's DecimalSep
    assert texts(model, "X") == ["x1", "x2", "x3", "x4"]
    assert texts(model, "D") == ["d1", "d2", "d3", "d4"]
    assert texts(model, "Big") == ["1e+15", None, "3e+15", "4e+15"]
    assert model.fields["D"].symbols.nums[:-1].tolist() == [1, 2, 3, 4]
    # stored: only texts that are no default rendering of the number
    assert model.fields["N"].symbols.stored_texts() is None
    assert model.fields["Q"].symbols.stored_texts().to_pylist() == ["0,25", "0,5", "0,75", None]


def _reachable(root: object) -> list[object]:
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen[id(obj)] = obj
        todo.extend(gc.get_referents(obj))
    return list(seen.values())


def test_no_python_object_per_row_or_symbol_survives_a_reload() -> None:
    n = 20_000
    rows = "\n".join(f"{i},C{i % 300},{i % 97}.{i % 10}5,{'' if i % 50 else 'x'}"
                     for i in range(n))
    data = f"OrderID,Customer,Amount,Note\n{rows}\n".encode()
    script = "F: LOAD * FROM [lib://d/f.csv] (txt, utf8, embedded labels, delimiter is ',');"
    model = run_script(script, open_file=lambda path: data).model
    assert model.tables["F"].nrows == n and model.tables["F"].is_identity("OrderID")
    strings = [o for o in _reachable(model) if isinstance(o, str | float)]
    assert len(strings) < 100, strings[:20]
    arrays = [o for o in _reachable(model) if isinstance(o, np.ndarray) and o.dtype == object]
    assert arrays == []
    assert not math.isnan(model.fields["Amount"].symbols.nums[0])
