"""How a LOAD computes its columns: fields as they are and pure one-field expressions once
per distinct value, row-dependent expressions row by row, and the same tables (values and
symbol order) as evaluating everything row by row; distinct texts interpreted once per
reload, also across tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from associa.expr import Evaluator, ast
from associa.model import DataModel
from associa.script import loading, run_script
from associa.values import interpretation
from tests.script.test_interpreter import snapshot


def symbol_order(model: DataModel) -> dict[str, list[str]]:
    return {name: [fld.symbols.text(i) for i in range(len(fld.symbols))]
            for name, fld in model.fields.items()}


def row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force every item and WHERE onto the row-by-row path."""
    monkeypatch.setattr(loading.LoadRun, "_plan", lambda self, expr: ("rows", ""))


FILES = {
    "f.csv": "K,Name,Amount\n3,b,1.50\n1,a,2\n3,b,1.50\n2,,007\n1,a,2.0\n4,c,x\n",
    "g.csv": "K,Code\nC-2,1\nC-1,2\n",
}


def opener(path: str) -> bytes:
    return FILES[path.rsplit("/", 1)[-1]].encode()


SCRIPT = """\
T: LOAD K, Name, Upper(Name) as U, Amount * 2 as A2, Len(Amount) as L,
   If(IsNull(Name) or Name = '', 'none', Name & '!') as N2, 'c' as C, 1 + 2 as Three
FROM [lib://d/f.csv] (txt, utf8, embedded labels, delimiter is ',') WHERE K > 1;
R: LOAD K as K2, Name & '-' as Tag, A2, L RESIDENT T WHERE Len(Name) = 1;
Concatenate (T) LOAD K2 as K, Tag & Tag as Name RESIDENT R;
G: LOAD Code, Code * 10 as Ten FROM [lib://d/g.csv] (txt, utf8, embedded labels, delimiter is ',');
A: LOAD RecNo() as Id, Mod(RecNo(), 3) as M AUTOGENERATE 7;
B: LOAD Id, Mod(Id, 2) as Odd, If(M = 1, Null(), M) as M2 RESIDENT A WHERE M <> 0;
"""


def test_paths_build_the_same_model_as_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = run_script(SCRIPT, open_file=opener).model
    row_by_row(monkeypatch)
    slow = run_script(SCRIPT, open_file=opener).model
    assert snapshot(fast) == snapshot(slow)
    assert symbol_order(fast) == symbol_order(slow)
    assert [c and c[0] for c in snapshot(fast)["T"]["N2"]] == ["b!", "b!", "none", "c!", *[None] * 3]
    assert [c[0] for c in snapshot(fast)["T"]["Name"]][-3:] == ["b-b-", "b-b-", "c-c-"]


def test_symbols_in_order_of_first_appearance_with_null_first(
        monkeypatch: pytest.MonkeyPatch) -> None:
    script = ("T: LOAD * INLINE [\nX, Y\n1, p\n2, q\n3, p\n];\n"
              "U: LOAD If(Y = 'q', Null(), Y) as Z RESIDENT T WHERE X > 1;\n"
              "V: LOAD If(IsNull(Z), 'none', Z) as W RESIDENT U;")
    fast = run_script(script).model
    row_by_row(monkeypatch)
    slow = run_script(script).model
    assert symbol_order(fast) == symbol_order(slow)
    assert symbol_order(fast)["W"] == ["none", "p"]


class Counting:
    """Counts the values each function call is evaluated over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.values: dict[str, int] = {}
        original = Evaluator.visit_Call

        def visit(ev: Evaluator, node: ast.Call, scope: object) -> object:
            self.values[node.name] = self.values.get(node.name, 0) + scope.n  # type: ignore[attr-defined]
            return original(ev, node, scope)  # type: ignore[arg-type]

        monkeypatch.setattr(Evaluator, "visit_Call", visit)


def test_one_field_expressions_are_evaluated_once_per_distinct_value(
        monkeypatch: pytest.MonkeyPatch) -> None:
    count = Counting(monkeypatch)
    rows = "\n".join(f"{i},{['ann', 'bob', 'cy'][i % 3]}" for i in range(3000))
    model = run_script(f"T: LOAD Id, Upper(Name) as U, Len(Name) + Id as L INLINE [\nId,Name\n{rows}\n];").model
    assert count.values["UPPER"] == 3  # three names
    assert count.values["LEN"] == 3000  # two fields: row by row
    assert sorted(model.fields["U"].symbols.texts[:-1]) == ["ANN", "BOB", "CY"]


@pytest.mark.parametrize("call", ["RecNo()", "RowNo()", "Rand()"])
def test_row_dependent_expressions_are_evaluated_per_row(
        monkeypatch: pytest.MonkeyPatch, call: str) -> None:
    count = Counting(monkeypatch)
    rows = "\n".join(["a", "b"] * 500)
    script = f"T: LOAD Name, Name & {call} as V, {call} * 0 as Z INLINE [\nName\n{rows}\n];"
    model = run_script(script).model
    assert count.values[call[:-2].upper()] == 2000  # both items, every row
    assert len(model.fields["V"].symbols) == 1000  # a value per row, not per name
    assert model.fields["Z"].symbols.texts[:-1].tolist() == ["0"]


def test_rand_alone_is_not_evaluated_once() -> None:
    model = run_script("T: LOAD Rand() as R AUTOGENERATE 50;").model
    assert len(model.fields["R"].symbols) == 50


def test_constants_are_evaluated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    count = Counting(monkeypatch)
    model = run_script("T: LOAD RecNo() as N, Upper('x') as X AUTOGENERATE 1000;").model
    assert count.values["UPPER"] == 1
    assert snapshot(model)["T"]["X"] == [["X", None]] * 1000


def test_where_of_one_field_is_evaluated_per_distinct_value(
        monkeypatch: pytest.MonkeyPatch) -> None:
    count = Counting(monkeypatch)
    rows = "\n".join(f"{i},{['ann', 'bob', 'cy'][i % 3]}" for i in range(3000))
    model = run_script(f"T: LOAD * INLINE [\nId,Name\n{rows}\n] WHERE Len(Name) = 3;").model
    assert count.values["LEN"] == 3
    assert model.tables["T"].nrows == 2000


def test_errors_are_the_same_on_every_path(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = ["T: LOAD Nope(A) as B INLINE [\nA\n1\n];", "T: LOAD A INLINE [\nA\n1\n] WHERE Sum(A) > 0;",
           "T: LOAD A INLINE [\nA\n1\n] WHERE Nope(A);", "T: LOAD Zzz INLINE [\nA\n1\n];"]
    fast = []
    for script in bad:
        with pytest.raises(Exception) as exc:
            run_script(script)
        fast.append(str(exc.value))
    row_by_row(monkeypatch)
    for script, message in zip(bad, fast, strict=True):
        with pytest.raises(Exception) as exc:
            run_script(script)
        assert str(exc.value) == message


class Interpretations:
    """Counts the texts that reach the scalar interpretation."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        original = interpretation.interpret

        def interpret(text: str, locale: object) -> float | None:
            self.texts.append(text)
            return original(text, locale)  # type: ignore[arg-type]

        monkeypatch.setattr(interpretation, "interpret", interpret)


def test_a_keys_texts_are_interpreted_once_per_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = Interpretations(monkeypatch)
    keys = [f"Ä-{i:03d}" for i in range(60)]  # not ASCII: the scalar rules read them
    fact = "\n".join(f"{k},{i}" for i, k in enumerate(keys * 5))
    dim = "\n".join(f"{k},{'abc'[i % 3]}" for i, k in enumerate(reversed(keys + ["Ä-999"])))
    script = (f"F: LOAD * INLINE [\nKey,Q\n{fact}\n];\n"
              f"D: LOAD * INLINE [\nKey,Name\n{dim}\n];\n")
    model = run_script(script).model
    assert sorted(seen.texts) == sorted([*keys, "Ä-999"])  # once each: the dimension's
    assert len(model.fields["Key"].symbols) == 61  # keys were known from the fact table
    assert math.isnan(model.fields["Key"].symbols.num(0))


def test_the_cache_is_per_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = Interpretations(monkeypatch)
    script = ("SET ThousandSep=' ';\nA: LOAD * INLINE [\nK\n1 500\n];\n"
              "SET ThousandSep='';\nB: LOAD K, 1 as X INLINE [\nK\n1 500\n];")
    model = run_script(script).model
    # read by the scalar rules under the first locale (a blank thousands separator); under
    # the second no rule's pattern matches it: text, with no answer kept from the first
    assert seen.texts == ["1 500"]
    texts = model.fields["K"].symbols
    assert [texts.num(i) for i in range(len(texts))][0] == 1500.0
    assert len(texts) == 2 and math.isnan(texts.num(1))  # now a text


def test_no_python_object_per_cell_while_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scalar interpretation sees each distinct text that needs it once: never a
    row's cell of an integer or decimal column."""
    seen = Interpretations(monkeypatch)
    rows = "\n".join(f"{i},{i % 7}.25,é{i % 3}" for i in range(5000))
    model = run_script(f"T: LOAD * INLINE [\nA,B,C\n{rows}\n];").model
    assert sorted(seen.texts) == ["é0", "é1", "é2"]
    assert np.array_equal(model.fields["B"].symbols.nums[:3], [0.25, 1.25, 2.25])
