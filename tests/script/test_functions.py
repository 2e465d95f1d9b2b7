"""The load script's own functions, outside and inside LOADs: what each gives at the edges
(a missing table or field, rows outside the table, NULLs), and that they refuse to run
outside a reload."""

from __future__ import annotations

import pytest

from associa.errors import ExpressionError, ScriptError
from associa.expr import Evaluator, parse
from associa.script import run_script
from tests.script.test_interpreter import snapshot

BASE = "A: LOAD * INLINE [X, Y\n1, a\n2, b\n3, c];\n"


def variables(script: str) -> dict[str, str]:
    return run_script(BASE + script).variables


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("NoOfRows('Nope')", ""),
        ("NoOfFields('A')", "2"),
        ("TableName(5)", ""),
        ("TableNumber('Nope')", ""),
        ("FieldName(3, 'A')", ""),
        ("FieldNumber('X', 'A')", "1"),
        ("FieldValue('Y', 0)", ""),
        ("FieldValue('Y', 3)", "c"),
        ("FieldValueCount('Y')", "3"),
        ("FieldIndex('X', 2)", "2"),
        ("Peek('X', 3, 'A')", ""),
        ("Peek('X', -3, 'A')", "1"),
        ("Peek('X', -4, 'A')", ""),
        ("Lookup('Y', 'X', 2, 'A')", "b"),
        ("Lookup('Y', 'X', 9, 'A')", ""),
        ("Hash128('a') = Hash128('a')", "-1"),
        ("Hash128('a') = Hash128('A')", "0"),
        ("Len(Hash128('a'))", "22"),
        ("Len(Hash160('a'))", "27"),
        ("Len(Hash256('a'))", "43"),
        ("Pick(2, 'x', 'y')", "y"),
        ("Pick(3, 'x', 'y')", ""),
        ("Match('b', 'a', 'b')", "2"),
        ("Match('B', 'a', 'b')", "0"),
        ("MixMatch('B', 'a', 'b')", "2"),
        ("WildMatch('abc', 'x*', 'A?C')", "2"),
    ],
)
def test_function_values(expr: str, value: str) -> None:
    assert variables(f"LET v = {expr};")["v"] == value


def test_errors_name_what_is_missing() -> None:
    with pytest.raises(ScriptError, match="Field 'Q' not found"):
        variables("LET v = FieldValueCount('Q');")
    with pytest.raises(ScriptError, match="Table 'Nope' not found"):
        variables("LET v = Peek('X', 0, 'Nope');")
    with pytest.raises(ScriptError, match="Mapping table not found: M"):
        variables("LET v = ApplyMap('M', 1);")
    with pytest.raises(ScriptError, match="Previous"):
        variables("LET v = Previous(1);")


@pytest.mark.parametrize("expr", ["Peek('X')", "ApplyMap('M', 1)", "Exists(X)", "NoOfTables()",
                                  "AutoNumber(1)"])
def test_script_functions_need_a_reload(expr: str) -> None:
    with pytest.raises((ExpressionError, ScriptError), match="only available in a load script"):
        from associa.script.interpreter import ConstantScope
        from associa.values import DEFAULT_LOCALE

        Evaluator().eval(parse(expr), ConstantScope(DEFAULT_LOCALE))


def test_autonumber_leaves_null_alone_and_counts_per_counter() -> None:
    tables = snapshot(run_script(
        "T: LOAD K, AutoNumber(K) as N, AutoNumber(K, 'c2') as M;\n"
        "LOAD If(Len(K) = 0, Null(), K) as K INLINE [K, Z\nb, 1\n, 2\na, 3\nb, 4];").model)
    assert [c and c[0] for c in tables["T"]["N"]] == ["1", None, "2", "1"]
    assert [c and c[0] for c in tables["T"]["M"]] == ["1", None, "2", "1"]


def test_exists_after_a_drop_forgets_the_dropped_values() -> None:
    tables = snapshot(run_script(
        "A: LOAD * INLINE [K\n1\n2];\nB: LOAD K as K2 RESIDENT A;\nDROP TABLE A;\n"
        "C: LOAD * INLINE [K\n2\n3] WHERE NOT Exists(K);").model)
    assert [c[0] for c in tables["C"]["K"]] == ["2", "3"]


def test_applymap_keys_match_by_number_and_by_text() -> None:
    tables = snapshot(run_script(
        "M: MAPPING LOAD * INLINE [K, V\n01, one\nx, ex];\n"
        "T: LOAD ApplyMap('M', K, '-') as V INLINE [K\n1\n1.0\nx\nX];").model)
    # '01', '1' and '1.0' are one number; texts match case-sensitively
    assert [c[0] for c in tables["T"]["V"]] == ["one", "one", "ex", "-"]


def test_hashes_are_laid_out_as_the_engines() -> None:
    """Help "Hash128/160/256": 22, 27 and 43 characters from '!' to '`', the shorter the
    first characters of the 256-bit one (Hash128's last one its 22nd shifted right by two
    bits). The digest itself is not the engine's (undocumented)."""
    got = variables("LET a = Hash128('abc', 'xyz', 123); LET b = Hash160('abc', 'xyz', 123);"
                    "LET c = Hash256('abc', 'xyz', 123); LET d = Hash256('abc', 'xyz', 124);")
    h128, h160, h256 = got["a"], got["b"], got["c"]
    assert (len(h128), len(h160), len(h256)) == (22, 27, 43)
    assert all("!" <= ch <= "`" for ch in h128 + h160 + h256)
    assert h160 == h256[:27] and h128[:21] == h256[:21]
    assert ord(h128[21]) - 33 == (ord(h256[21]) - 33) >> 2
    assert got["d"] != h256
