"""Running load scripts: golden cases, errors with positions, and known gaps (xfail).

Golden cases live in ``tests/golden/script/<case>/``: ``script.qvs`` and ``expected.json``
(``{"tables": {table: {field: [[text, num-or-null] or null per row]}}, "variables": {…}}``;
tables and fields in model order; only the variables listed are checked). A case may have
a ``data/`` folder: it is copied to a temporary folder, and ``lib://Data/x`` reads
``data/x`` through a folder connection (``app.folders.FolderFiles``: reading, listing,
STORE and file times, never outside the folder); ``lib://Out/x`` is an empty folder to
STORE into. A case with a ``connections.json`` has databases for LIB CONNECT TO
(``tests/script/sql_cases.py``). ``"files": {"Out/x.csv": text}`` checks the text of files the script wrote
(UTF-8, a byte-order mark removed).

Optional keys: ``"log"`` (the reload's persistent lines, exactly), ``"section_access"``
(the tables loaded under SECTION ACCESS: ``{table: {field: [text or null per row]}}``), and
``"error"`` (``{"message": part of the error text, "line": …, "column": …}``): the reload
must fail with that ScriptError, and then nothing else is checked. A case with a
``partial.qvs`` runs it as a partial reload (``DoReload(qPartial=true)``) over the model the
full reload of ``script.qvs`` made; ``expected.json`` is then the partial reload's result.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from associa.app.folders import FolderFiles
from associa.errors import (
    Aborted,
    ConnectionNotFound,
    ExpressionError,
    LanguageError,
    LibPathNotFound,
    ScriptError,
)
from associa.model import DataModel
from associa.script import ReloadResult, run_script
from associa.script.expansion import unexpanded_offset
from tests.script.sql_cases import case_connect

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "script"
CASES = sorted(p.parent.name for p in GOLDEN.glob("*/script.qvs"))


def snapshot(model: DataModel) -> dict:
    """tables -> fields -> rows of [text, num or None], None for NULL."""
    tables: dict = {}
    for tname in model.data_tables:
        table = model.tables[tname]
        fields: dict = {}
        for fname in table.fields:
            sym = model.fields[fname].symbols
            cells: list = []
            for idx in table.in_load_order(fname):
                if idx == sym.null_code:
                    cells.append(None)
                    continue
                num = sym.num(int(idx))
                cells.append([sym.text(int(idx)), None if math.isnan(num) else num])
            fields[fname] = cells
        tables[tname] = fields
    return tables


def folder_opener(root: Path):
    def open_file(path: str) -> bytes:
        assert path.startswith("lib://"), path
        return (root / path.removeprefix("lib://")).read_bytes()

    return open_file


def folder_files(root: Path) -> FolderFiles:
    """Connections ``Data`` and ``Out``: the folders of that name under ``root``."""
    (root / "Out").mkdir(exist_ok=True)

    def root_of(name: str) -> Path:
        if name not in ("Data", "Out"):
            raise LibPathNotFound(f"Connection not found: {name}")
        return root / name

    return FolderFiles(root_of)


def run_case(script: str, root: Path, **kwargs) -> ReloadResult:
    """Run a script with the case's folder connections."""
    folder = folder_files(root)
    return run_script(script, folder.open, list_files=folder.list, write_file=folder.write,
                      stat_file=folder.stat, **kwargs)


def _same(actual: object, expected: object) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        return (
            isinstance(actual, int | float)
            and isinstance(expected, int | float)
            and math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return actual == expected


@pytest.mark.parametrize("case", CASES)
def test_golden_script(case: str, tmp_path: Path) -> None:
    folder = GOLDEN / case
    if (folder / "data").is_dir():
        shutil.copytree(folder / "data", tmp_path / "Data")
    script = (folder / "script.qvs").read_text(encoding="utf-8")
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    connect = case_connect(folder, tmp_path)
    (tmp_path / "Data").mkdir(exist_ok=True)
    if "error" in expected:
        with pytest.raises(ScriptError) as info:
            run_case(script, tmp_path, connect=connect)
        err, want = info.value, expected["error"]
        assert want["message"] in err.detail, err
        assert err.line == want.get("line", err.line), err
        assert err.column == want.get("column", err.column), err
        return
    result = run_case(script, tmp_path, connect=connect)
    if (folder / "partial.qvs").is_file():
        result = run_case((folder / "partial.qvs").read_text(encoding="utf-8"), tmp_path,
                          connect=connect, partial=result.model)
    if "log" in expected:
        assert result.log == expected["log"]
    if "section_access" in expected:
        assert result.section_access == expected["section_access"]
    actual = snapshot(result.model)
    assert list(actual) == list(expected["tables"]), "tables"
    for tname, fields in expected["tables"].items():
        assert list(actual[tname]) == list(fields), f"fields of {tname}"
        for fname, cells in fields.items():
            assert _same(actual[tname][fname], cells), f"{tname}.{fname}: {actual[tname][fname]}"
    for name, value in expected.get("variables", {}).items():
        assert result.variables.get(name) == value, f"variable {name}"
    for name, text in expected.get("files", {}).items():
        written = (tmp_path / name).read_bytes().decode("utf-8-sig")
        assert written == text, f"file {name}"


def test_golden_cases_are_found() -> None:
    assert len(CASES) >= 15
    for case in CASES:
        assert (GOLDEN / case / "expected.json").is_file(), case


# -- smaller behaviours ------------------------------------------------------------------------


def test_empty_script_gives_empty_model() -> None:
    result = run_script("// nothing\n")
    assert isinstance(result, ReloadResult)
    assert result.model.is_empty() and result.variables == {} and result.log == []


def test_progress_and_log() -> None:
    lines: list[str] = []
    result = run_script("TRACE start $(x);\nT: LOAD * INLINE [A\n1\n2];", progress=lines.append)
    assert lines == result.log
    assert lines[0] == "start"
    assert lines[1] == "T << INLINE 2 Lines fetched"


def test_cancel_stops_the_reload() -> None:
    with pytest.raises(Aborted):
        run_script("SET a = 1;", cancelled=lambda: True)


def test_shared_field_names_associate_tables() -> None:
    model = run_script("T1: LOAD * INLINE [K, A\n1, x];\nT2: LOAD * INLINE [K, B\n1, y];").model
    assert model.fields["K"].tables == ["T1", "T2"]
    assert model.fields["K"].is_key
    assert len(model.fields["K"].symbols) == 1


def test_locale_variables_change_interpretation() -> None:
    script = (
        "SET DecimalSep=',';\nSET ThousandSep='.';\n"
        "T: LOAD * INLINE [A\n3,5\n1.000,25] (delimiter is ';');\n"
        "LET x = 7 / 2;"
    )
    result = run_script(script)
    assert snapshot(result.model)["T"]["A"] == [["3,5", 3.5], ["1.000,25", 1000.25]]
    assert result.variables["x"] == "3,5"
    assert result.locale.decimal_sep == ","


def test_let_null_gives_empty_text() -> None:
    assert run_script("LET x = Null();").variables["x"] == ""


def test_where_sees_source_fields_not_loaded() -> None:
    model = run_script("T: LOAD A INLINE [A, B\n1, x\n2, y] WHERE B = 'y';").model
    assert snapshot(model) == {"T": {"A": [["2", 2.0]]}}


def test_resident_load_into_its_own_table_doubles_it() -> None:
    # same field set: the rows go back into T (the usual Qlik pitfall)
    model = run_script("T: LOAD * INLINE [A\n1];\nLOAD * RESIDENT T;").model
    assert model.tables["T"].nrows == 2 and model.data_tables == ["T"]


def test_drop_field_that_empties_a_table_drops_the_table() -> None:
    model = run_script("T: LOAD * INLINE [A\n1];\nU: LOAD * INLINE [B\n2];\nDROP FIELD A;").model
    assert model.data_tables == ["U"]


def test_dollar_expansion_of_whole_keywords() -> None:
    script = (
        "SET vPrefix = Concatenate;\nT: LOAD * INLINE [A\n1];\nU: LOAD * INLINE [B\n2];\n"
        "$(vPrefix) (T) LOAD * INLINE [C\n3];"
    )
    model = run_script(script).model
    assert model.tables["T"].fields == ["A", "C"] and model.tables["T"].nrows == 2


def test_variables_are_case_sensitive() -> None:
    result = run_script("SET v = lower;\nSET V = upper;\nSET w = $(v)$(V);")
    assert result.variables["w"] == "lowerupper"


# -- errors: ScriptError with line and column ------------------------------------------------


def script_error(script: str, **kwargs) -> ScriptError:
    with pytest.raises(ScriptError) as info:
        run_script(script, **kwargs)
    return info.value


@pytest.mark.parametrize(
    ("script", "line", "column", "message"),
    [
        # errors while running a statement that parses: the statement start
        ("SET a = 1;\n  T: LOAD Foo(A) as X INLINE [A\n1];", 2, 3, "Unknown function: FOO"),
        # an unknown field: where its name is written
        ("T: LOAD Nope INLINE [A\n1];", 1, 9, "Field 'Nope' not found"),
        ("T:\nLOAD A, nosuch INLINE [\nA\n1\n];", 2, 9, "Field 'nosuch' not found"),
        ("LOAD A,\n  Upper([No such]) & A as U INLINE [A\n1];", 2, 9, "Field 'No such' not found"),
        ("LOAD A INLINE [A\n1] WHERE A > 0 and B > 1;", 2, 20, "Field 'B' not found"),
        ("T: LOAD 1 as X AUTOGENERATE 2;\nU: LOAD X, Y + 1 as Z RESIDENT T;", 2, 12,
         "Field 'Y' not found"),
        ("SET v = 'Nope';\nLOAD A, $(v) INLINE [A\n1];", 2, 9, "Field 'Nope' not found"),
        ("T: LOAD A INLINE [A\n1] WHERE B > 1;", 2, 10, "Field 'B' not found"),
        ("\n\nLOAD * RESIDENT Missing;", 3, 1, "Table 'Missing' not found"),
        ("DROP TABLE Missing;", 1, 1, "Table 'Missing' not found"),
        ("DROP FIELD Missing;", 1, 1, "Field 'Missing' not found"),
        ("T: LOAD * INLINE [A\n1];\nDROP FIELD A FROM U;", 3, 1, "Table 'U' not found"),
        ("Concatenate (Missing) LOAD * INLINE [A\n1];", 1, 1, "Table 'Missing' not found"),
        ("Concatenate LOAD * INLINE [A\n1];", 1, 1, "No previous table for concatenate load."),
        ("LOAD A, A INLINE [A\n1];", 1, 1, "Field names must be unique within table: A"),
        ("LOAD Sum(A) as S, A INLINE [A\n1] GROUP BY B;", 2, 13, "Field 'B' not found"),
        ("T: LOAD A;", 1, 1, "A LOAD without a source must be followed by a LOAD"),
        ("LOAD A;\nSET x = 1;", 2, 1, "A LOAD without a source must be followed by a LOAD"),
        ("LOAD ApplyMap('M', A) as B INLINE [A\n1];", 1, 1, "Mapping table not found: M"),
        ("LEFT JOIN (Nope) LOAD * INLINE [A\n1];", 1, 1, "Table 'Nope' not found"),
        ("RENAME TABLE Nope TO X;", 1, 1, "Table 'Nope' not found"),
        ("RENAME FIELD Nope TO X;", 1, 1, "Field 'Nope' not found"),
        ("MAP A USING Nope;", 1, 1, "Mapping table not found: Nope"),
        ("LET x = Len();", 1, 1, "Wrong number of arguments to LEN"),
        ("LET x = A + 1;", 1, 1, "Field 'A' not found"),
        ("LET x = RecNo();", 1, 1, "RecNo() is only available in a load script"),
        ("LET x = $(=Foo(1));", 1, 1, "Unknown function: FOO"),
        ("LET x = $(v;", 1, 1, "Missing ')' in dollar-sign expansion"),
        ("LOAD 1 as X AUTOGENERATE -1;", 1, 1, "Invalid Autogenerate count: -1"),
        ("LOAD * FROM x.csv (txt);", 1, 1, "No file access in this context"),
        # statements that do not parse: the offending token
        ("SET a = 1;\nT:\n  SQL SELECT * FROM x;", 2, 1, "SQL statement without a data connection"),
        ("SELECT * FROM x;", 1, 1, "SQL statement without a data connection"),
        ("LIB CONNECT TO 'db';", 1, 1, "No data connections in this context"),
        ("ODBC CONNECT TO db;", 1, 1, "ODBC CONNECT is not supported"),
        ("Whatever;", 1, 1, "Unknown statement: Whatever"),
        ("LOAD A\n  FROM x.dif (dif);", 2, 15, "File format dif is not supported yet"),
        ("LET x = 1 +* 2;", 1, 12, "Unexpected '*'"),
        ("LET x =\n  (1 +\n   2;", 3, 5, "Unexpected end of statement, expected ')'"),
        ("LET x = 1 ^ 2;", 1, 11, "Unexpected character '^'"),
        ("T: LOAD A B INLINE [A\n1];", 1, 11, "Unexpected 'B'"),
        ("LOAD A INLINE [A\n1] ORDER BY A;", 2, 4, "ORDER BY is only allowed after RESIDENT"),
        ("OUTER KEEP LOAD A INLINE [A\n1];", 1, 1, "OUTER KEEP is not a valid prefix"),
        ("CROSSTABLE(A) LOAD A INLINE [A\n1];", 1, 11, "CROSSTABLE takes"),
        ("DROP A;", 1, 6, "Unexpected 'A', expected TABLE or FIELD"),
        # unterminated quotes and brackets: the opening character
        ("SET a = 1;\nLET b = 'abc;", 2, 9, "Missing closing '"),
        ('LOAD "A B FROM x;', 1, 6, 'Missing closing "'),
        ("T: LOAD * INLINE [A\n1;\n", 1, 18, "Missing closing ]"),
        ("LOAD `A FROM x;", 1, 6, "Missing closing `"),
        # comments before the error do not move it
        ("/* one\ntwo */ // three\nREM four's;\n  LET x = 1 +* 2;", 4, 14, "Unexpected '*'"),
    ],
)
def test_script_errors(script: str, line: int, column: int, message: str) -> None:
    err = script_error(script)
    assert (err.line, err.column) == (line, column), err
    assert message in err.detail
    assert f"(line {line}, column {column})" in str(err)
    assert err.text == script
    assert isinstance(err, LanguageError) and err.code == ScriptError.code


def test_error_after_expansion_points_into_the_written_statement() -> None:
    # 'abcdef' is longer than $(v): the ')' is still found where it is written
    err = script_error("SET v = 'abcdef';\nLET x = '$(v)' + );")
    assert (err.line, err.column) == (2, 18)
    # an error inside expanded text points at the '$('
    err = script_error("SET v = 1 +* 2;\nLET x = 10 + $(v);")
    assert (err.line, err.column) == (2, 14)


def test_error_carries_statement_and_caret() -> None:
    err = script_error("SET a = 1;\nLET x = 1 +* 2;")
    assert err.statement == "LET x = 1 +* 2"
    assert err.caret() == "LET x = 1 +* 2;\n           ^"


def test_missing_file_is_a_script_error(tmp_path: Path) -> None:
    err = script_error(
        "T: LOAD * FROM [lib://Data/none.csv] (txt);", open_file=folder_opener(tmp_path)
    )
    assert "Cannot open file: 'lib://Data/none.csv'" in err.detail
    assert (err.line, err.column) == (1, 1)


def test_engine_errors_from_callbacks_keep_their_code() -> None:
    def open_file(path: str) -> bytes:
        raise ConnectionNotFound("lib://Nope", "Connection not found")

    err = script_error("LOAD * FROM [lib://Nope/x.csv];", open_file=open_file)
    assert err.code == ConnectionNotFound.code
    assert (err.line, err.column) == (1, 1)


def test_expression_errors_are_not_script_errors_outside_scripts() -> None:
    from associa.expr import parse

    with pytest.raises(ExpressionError) as info:
        parse("1 +* 2")
    assert not isinstance(info.value, ScriptError)
    assert (info.value.line, info.value.column) == (1, 4)


@pytest.mark.parametrize(
    ("original", "expanded", "offset", "mapped"),
    [
        ("abc", "abc", 2, 2),
        ("x $(v) y", "x 12345 y", 1, 1),  # before the expansion
        ("x $(v) y", "x 12345 y", 8, 7),  # after it
        ("x $(v) y", "x 12345 y", 4, 2),  # inside it: the '$('
        ("x $(v) y", "x  y", 3, 7),  # empty expansion: the text after it
        ("x $(v)", "x 1", 3, 6),  # end of text
    ],
)
def test_unexpanded_offset(original: str, expanded: str, offset: int, mapped: int) -> None:
    assert unexpanded_offset(offset, original, expanded) == mapped


# -- known gaps: expected behaviour, not supported yet -------------------------------------------


def test_preceding_load() -> None:
    script = "T:\nLOAD A * 2 as B;\nLOAD * INLINE [A\n1\n2];"
    model = run_script(script).model
    assert snapshot(model) == {"T": {"B": [["2", 2.0], ["4", 4.0]]}}


def test_left_join() -> None:
    script = (
        "Orders: LOAD * INLINE [Id, Cust\n1, a\n2, b\n3, z];\n"
        "LEFT JOIN (Orders) LOAD * INLINE [Cust, Name\na, Ann\nb, Bob];"
    )
    model = run_script(script).model
    assert snapshot(model) == {
        "Orders": {
            "Id": [["1", 1.0], ["2", 2.0], ["3", 3.0]],
            "Cust": [["a", None], ["b", None], ["z", None]],
            "Name": [["Ann", None], ["Bob", None], None],
        }
    }


def test_mapping_load_and_applymap() -> None:
    # §2.8: the mapping table is not in the model; a missing key gives the default
    script = (
        "Map: MAPPING LOAD * INLINE [K, V\n1, one\n2, two];\n"
        "T: LOAD ApplyMap('Map', K, 'none') as Name INLINE [K\n1\n2\n3];"
    )
    model = run_script(script).model
    assert snapshot(model) == {"T": {"Name": [["one", None], ["two", None], ["none", None]]}}


def test_group_by() -> None:
    script = (
        "Src: LOAD * INLINE [G, X\na, 1\nb, 2\na, 3];\n"
        "T: LOAD G, Sum(X) as Total RESIDENT Src GROUP BY G;\nDROP TABLE Src;"
    )
    model = run_script(script).model
    assert snapshot(model) == {
        "T": {"G": [["a", None], ["b", None]], "Total": [["4", 4.0], ["2", 2.0]]}
    }


def test_control_statements() -> None:
    script = (
        "LET vTotal = 0;\n"
        "FOR i = 1 TO 3\n  LET vTotal = $(vTotal) + $(i);\nNEXT i\n"
        "IF $(vTotal) = 6 THEN\n  SET vResult = six;\nELSE\n  SET vResult = other;\nEND IF\n"
    )
    result = run_script(script)
    assert result.variables["vTotal"] == "6"
    assert result.variables["vResult"] == "six"


def test_hide_prefix_and_suffix_hide_fields() -> None:
    script = ("SET HidePrefix='%';\nSET HideSuffix='_h';\n"
              "T: LOAD * INLINE [%Key, Name, Code_h\n1, a, x];")
    fields = run_script(script).model.fields
    assert [name for name, f in fields.items() if f.hidden and not f.system] == ["%Key", "Code_h"]
    assert fields["%Key"].tags() == ["$hidden", "$numeric", "$integer"]
    assert not any(f.hidden and not f.system
                   for f in run_script("T: LOAD * INLINE [%Key\n1];").model.fields.values())
