"""STORE: errors, what each format writes, and the file functions around it; expectations
that need other parts of issue 7 are strict xfails."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from associa.app.folders import FolderFiles
from associa.errors import ScriptError
from associa.script import parser as p
from associa.script import run_script
from associa.script.storing import Store


def _run(script: str, root: Path):
    folder = FolderFiles(lambda name: root)
    return run_script(script, folder.open, list_files=folder.list, write_file=folder.write,
                      stat_file=folder.stat)


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("STORE T INTO x.qvd", Store("T", "x.qvd")),
        ("STORE * FROM T INTO [lib://a/x.qvd] (qvd)",
         Store("T", "lib://a/x.qvd", None, p.FileFormat("qvd"))),
        ("STORE A, B as C FROM T INTO 'x.csv' (txt)",
         Store("T", "x.csv", [("A", "A"), ("B", "C")], p.FileFormat("txt"))),
    ],
)
def test_parse(text: str, node: Store) -> None:
    got = p.parse_statement(text)
    assert isinstance(got, Store)
    assert (got.table, got.path, got.fields, got.fmt.kind) == (
        node.table, node.path, node.fields, node.fmt.kind)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("STORE Nope INTO [lib://x/a.qvd];", "Table 'Nope' not found"),
        ("T: LOAD 1 as A AUTOGENERATE 1;\nSTORE B FROM T INTO [lib://x/a.qvd];",
         "Field 'B' not found in table 'T'"),
        ("T: LOAD 1 as A, 2 as B AUTOGENERATE 1;\nSTORE A, B as A FROM T INTO [lib://x/a.qvd];",
         "Field names must be unique within table: A"),
        ("T: LOAD 1 as A AUTOGENERATE 1;\nSTORE T INTO [lib://x/a.json] (json);",
         "STORE into json files is not supported"),
        ("T: LOAD 1 as A AUTOGENERATE 1;\nSTORE T INTO [lib://x/a.parquet] (parquet, "
         "compression is fast);", "Unknown compression: fast"),
    ],
)
def test_store_errors(tmp_path: Path, script: str, message: str) -> None:
    with pytest.raises(ScriptError) as info:
        _run(script, tmp_path)
    assert message in info.value.detail
    assert not list(tmp_path.iterdir())


def test_store_without_file_access() -> None:
    with pytest.raises(ScriptError) as info:
        run_script("T: LOAD 1 as A AUTOGENERATE 1;\nSTORE T INTO [lib://x/a.qvd];")
    assert "cannot write files" in info.value.detail


def test_parquet_types_written(tmp_path: Path) -> None:
    _run("T: LOAD * INLINE [I, F, S, M\n1, 1.5, a, 1\n2, 2.5, b, x\n3, , c, 2];\n"
         "STORE T INTO [lib://x/t.parquet] (parquet);", tmp_path)
    table = pq.read_table(tmp_path / "t.parquet")
    assert [str(t) for t in table.schema.types] == ["int64", "large_string", "large_string",
                                                   "large_string"]
    assert table.column("I").to_pylist() == [1, 2, 3]
    assert table.column("M").to_pylist() == ["1", "x", "2"]
    meta = pq.ParquetFile(tmp_path / "t.parquet").metadata
    assert meta.row_group(0).column(0).compression == "SNAPPY"


def test_store_log_line(tmp_path: Path) -> None:
    result = _run("T: LOAD 1 as A AUTOGENERATE 3;\nSTORE T INTO [lib://x/t.qvd];", tmp_path)
    assert result.log[-1] == "T >> lib://x/t.qvd 3 Lines stored"


def test_store_of_a_concatenated_table_with_nulls(tmp_path: Path) -> None:
    _run("T: LOAD * INLINE [A, B\n1, x];\nConcatenate (T) LOAD * INLINE [A\n2];\n"
         "STORE T INTO [lib://x/t.csv] (txt);", tmp_path)
    assert (tmp_path / "t.csv").read_bytes() == b"\xef\xbb\xbfA,B\r\n1,x\r\n2,\r\n"


def test_file_functions_outside_a_reload() -> None:
    from associa.errors import ExpressionError
    from associa.expr import Evaluator, parse
    from associa.script.interpreter import ConstantScope
    from associa.values import DEFAULT_LOCALE

    with pytest.raises(ExpressionError) as info:
        Evaluator().eval(parse("FileName()"), ConstantScope(DEFAULT_LOCALE))
    assert "only available in a load script" in info.value.detail


# -- needs other parts of issue 7 ------------------------------------------------------


def test_for_each_file_list(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("V\n1\n")
    (tmp_path / "b.csv").write_text("V\n2\n")
    model = _run("FOR EACH f IN FileList('lib://x/*.csv')\n"
                 "  T: LOAD V, '$(f)' as F FROM [$(f)] (txt);\nNEXT f", tmp_path).model
    assert model.tables["T"].nrows == 2


def test_incremental_load_with_exists(tmp_path: Path) -> None:
    _run("H: LOAD * INLINE [Id, V\n1, a\n2, b];\nSTORE H INTO [lib://x/h.qvd];", tmp_path)
    model = _run("T: LOAD * INLINE [Id, V\n2, B\n3, c];\n"
                 "Concatenate (T) LOAD * FROM [lib://x/h.qvd] (qvd) WHERE Not Exists(Id);",
                 tmp_path).model
    assert model.tables["T"].nrows == 3


def test_file_name_in_a_preceding_load(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("V\n1\n")
    model = _run("T: LOAD *, FileBaseName() as B;\nLOAD V FROM [lib://x/a.csv];", tmp_path).model
    assert model.tables["T"].fields == ["V", "B"]
