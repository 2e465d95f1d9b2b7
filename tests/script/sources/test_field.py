"""FROM_FIELD: the values of a loaded field read as files (help "Load"); golden cases
``load_from_field_*``."""

from __future__ import annotations

import numpy as np
import pytest

from associa.errors import ScriptError
from associa.script import run_script
from associa.script.parser import Load, parse_statement
from associa.script.sources.delimited import TextFormat
from associa.script.sources.field import open_field_values
from associa.script.sources.formats import SourceOptions
from associa.values import Locale
from tests.script.test_interpreter import snapshot

LOCALE = Locale.from_variables({})


def _plain(name: str):  # type: ignore[no-untyped-def]
    return lambda texts: np.full(len(texts), np.nan)  # no number interpretation


def test_the_statement_parses_with_its_format() -> None:
    node = parse_statement("T: LOAD a, b FROM_FIELD (Docs, Body) (json, table is rows)")
    assert isinstance(node, Load)
    assert (node.source, node.data, node.data_field) == ("from_field", "Docs", "Body")
    assert (node.fmt.kind, node.fmt.table) == ("json", "rows")


def test_values_become_rows_in_record_order_with_the_union_of_fields() -> None:
    texts = ["A,B\n1,2", None, "B,C\nx,y\nz,w"]
    names, read = open_field_values(texts, np.array([0, 1, 2, 0]), "T.F", SourceOptions(), TextFormat(), LOCALE,
                                    _plain)
    assert names == ["A", "B", "C"]
    table = read(None, lambda n: None)
    assert table.nrows == 4  # the NULL value reads as no file; the repeated one twice
    b = table.columns["B"]
    assert list(b.values.texts_at(b.codes_at(None))) == ["2", "x", "z", "2"]
    a = table.columns["A"].codes_at(None)
    assert list(a < 0) == [False, True, True, False]


def test_only_the_fields_asked_for_are_read() -> None:
    names, read = open_field_values(["A,B\n1,2"], np.array([0]), "T.F", SourceOptions(), TextFormat(),
                                    LOCALE, _plain)
    table = read({"B"}, lambda n: None)
    assert list(table.columns) == ["B"]


def test_a_field_of_json_documents_loads_through_a_preceding_load() -> None:
    script = """Docs: LOAD * INLINE [Doc
{"k": 1}
{"k": 2}] (delimiter is '|', no quotes);
T: LOAD k * 10 as K10;
LOAD k FROM_FIELD (Docs, Doc) (json);"""
    tables = snapshot(run_script(script).model)
    assert [c[1] for c in tables["T"]["K10"]] == [10.0, 20.0]


def test_bad_content_and_unknown_sources_are_errors_with_positions() -> None:
    bad = "Docs: LOAD * INLINE [Doc\n{oops] (delimiter is '|', no quotes);\n" \
          "T: LOAD * FROM_FIELD (Docs, Doc) (json);"
    with pytest.raises(ScriptError, match="Invalid JSON") as info:
        run_script(bad)
    assert info.value.line == 3
    with pytest.raises(ScriptError, match="Nowhere"):
        run_script("T: LOAD * FROM_FIELD (Nowhere, Doc);")
