"""The delimited-text readers: every case runs through the Python reader
(``read_delimited``) and through the native one (``arrow_csv.read_table``), which must
give the same field names and cells."""

from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from associa.script.sources import TextFormat, arrow_csv, decode, read_delimited
from associa.script.sources import delimited as _delimited

DATA = Path(__file__).parent / "data"
DEFAULT = TextFormat()
FIXTURE_OK = [HealthCheck.function_scoped_fixture]


def arrow_read(text: str, fmt: TextFormat = DEFAULT) -> tuple[list[str], list[list[str | None]]]:
    """The native reader, shaped like read_delimited's answer."""
    table = arrow_csv.read_table(text, fmt)
    return list(table.column_names), [col.to_pylist() for col in table.columns]


@pytest.fixture(autouse=True, params=["python", "arrow"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each test with ``read_delimited`` as written and with the native reader."""
    if request.param == "arrow":
        monkeypatch.setattr(sys.modules[__name__], "read_delimited", arrow_read)
    return str(request.param)


def rows(text: str, fmt: TextFormat = DEFAULT) -> tuple[list[str], list[tuple[str | None, ...]]]:
    """Names and the records (row-wise) for readable assertions."""
    names, cols = read_delimited(text, fmt)
    return names, list(zip(*cols, strict=True))


# --- basic shape -----------------------------------------------------------------------


def test_inline_indented_is_trimmed() -> None:
    names, cols = read_delimited("  A, B\n  1, x\n  2, y")
    assert names == ["A", "B"]
    assert cols == [["1", "2"], ["x", "y"]]


def test_inline_block_with_blank_first_and_last_lines() -> None:
    text = "\n    Country, City\n    Spain, Madrid\n    France , Paris \n    "
    assert rows(text) == (["Country", "City"], [("Spain", "Madrid"), ("France", "Paris")])


def test_trailing_delimiter_gives_empty_cell() -> None:
    text = "City, Country, Note\nBarcelona, Spain,\nParis, France, x"
    assert rows(text)[1] == [("Barcelona", "Spain", ""), ("Paris", "France", "x")]


def test_empty_cells_are_empty_strings_not_none() -> None:
    assert rows("A,B,C\n,,\n1, ,3")[1] == [("", "", ""), ("1", "", "3")]


def test_short_rows_padded_with_none() -> None:
    assert rows("A,B,C\n1\n1,2\n1,2,3")[1] == [
        ("1", None, None),
        ("1", "2", None),
        ("1", "2", "3"),
    ]


def test_extra_values_ignored() -> None:
    assert rows("A,B\n1,2,3,4\n5,6")[1] == [("1", "2"), ("5", "6")]


def test_mixed_short_and_long_rows_with_trimming() -> None:
    assert rows("A, B, C\n 1 , 2 , 3 , 4\n 5\n6,7,8")[1] == [
        ("1", "2", "3"),
        ("5", None, None),
        ("6", "7", "8"),
    ]


def test_empty_lines_skipped() -> None:
    assert rows("A,B\n\n1,2\n   \n\n3,4\n\n")[1] == [("1", "2"), ("3", "4")]


def test_single_column() -> None:
    assert read_delimited("Name\nAnn\n\n Bob \n") == (["Name"], [["Ann", "Bob"]])


@pytest.mark.parametrize("text", ["", "\n\n", "   \n  ", "\ufeff"])
def test_empty_text(text: str) -> None:
    assert read_delimited(text) == ([], [])


def test_labels_only() -> None:
    assert read_delimited("A,B\n") == (["A", "B"], [[], []])


# --- field names -----------------------------------------------------------------------


def test_names_trimmed_and_unquoted() -> None:
    names, _ = read_delimited(" \"Order ID\" , 'Name' ,  Amount  \n1,2,3")
    assert names == ["Order ID", "Name", "Amount"]


def test_empty_names_become_column_number() -> None:
    assert read_delimited("A,,C,\n1,2,3,4")[0] == ["A", "@2", "C", "@4"]


def test_duplicate_names_kept() -> None:
    assert read_delimited("A,A,B\n1,2,3")[0] == ["A", "A", "B"]


def test_no_labels() -> None:
    fmt = TextFormat(labels="none")
    assert rows("1,x\n2,y,extra\n3", fmt) == (
        ["@1", "@2"],
        [("1", "x"), ("2", "y"), ("3", None)],
    )


def test_no_labels_slow_path() -> None:
    fmt = TextFormat(labels="none")
    assert rows('"a,b",x\n"c",y', fmt) == (["@1", "@2"], [("a,b", "x"), ("c", "y")])


def test_explicit_labels_like_embedded() -> None:
    assert read_delimited("A,B\n1,2", TextFormat(labels="explicit")) == (
        ["A", "B"],
        [["1"], ["2"]],
    )


# --- standard quoting --------------------------------------------------------------------


def test_standard_quotes_embedded_delimiter() -> None:
    assert rows('Name,City\n"Smith, John", "New York"\n\'a,b\',c')[1] == [
        ("Smith, John", "New York"),
        ("a,b", "c"),
    ]


def test_standard_quotes_keep_inner_blanks() -> None:
    assert rows("A,B\n\"  x  \" ,'  '")[1] == [("  x  ", "  ")]


def test_standard_doubled_quotes() -> None:
    assert rows('A,B\n"say ""hi""",\'it\'\'s\'')[1] == [('say "hi"', "it's")]


def test_standard_quotes_only_at_start_and_end() -> None:
    text = "A,B,C\nO'Brien,5 \" tall,x\n'a'b,c'd',\"e\"f"
    assert rows(text)[1] == [("O'Brien", '5 " tall', "x"), ("'a'b", "c'd'", '"e"f')]


def test_standard_mismatched_or_unclosed_quote_is_literal() -> None:
    assert rows('A,B,C\n"abc\',"x,y')[1] == [("\"abc'", '"x', "y")]


def test_standard_quote_after_closing_text_splits_at_delimiter() -> None:
    # the first quote pair is followed by text, so the field is not quoted and the
    # delimiter inside splits it
    assert rows('A,B,C\n"a,b"c,d')[1] == [('"a', 'b"c', "d")]


def test_standard_quotes_do_not_span_lines() -> None:
    assert rows('A,B\n"x\ny",1')[1] == [('"x', None), ('y"', "1")]


def test_standard_empty_quoted() -> None:
    assert rows("A,B\n\"\",''")[1] == [("", "")]


# --- msq -----------------------------------------------------------------------------


MSQ = TextFormat(quoting="msq")


def test_msq_multiline_and_escapes() -> None:
    text = 'Id,Text,N\n1,"first line\nsecond ""quoted"" line",5\n2,plain,6\n'
    assert rows(text, MSQ)[1] == [
        ("1", 'first line\nsecond "quoted" line', "5"),
        ("2", "plain", "6"),
    ]


def test_msq_keeps_empty_lines_inside_value() -> None:
    assert rows('A,B\n"x\n\n  y",1\n', MSQ)[1] == [("x\n\n  y", "1")]


def test_msq_multiline_crlf() -> None:
    assert rows('A,B\r\n"x\r\ny",1\r\n2,3\r\n', MSQ)[1] == [("x\ny", "1"), ("2", "3")]


def test_msq_text_after_closing_quote_appended() -> None:
    assert rows('A,B\n  "ab" cd  , e\n"x"y,"z"   ', MSQ)[1] == [("ab cd", "e"), ("xy", "z")]


def test_msq_single_quotes_are_literal() -> None:
    assert rows("A,B\n'a,b',c", MSQ)[1] == [("'a", "b'")]


def test_msq_quote_inside_unquoted_value_literal() -> None:
    assert rows('A,B\n5" tall,x"y', MSQ)[1] == [('5" tall', 'x"y')]


def test_msq_unclosed_quote_runs_to_end() -> None:
    assert rows('A,B\n1,"open\n2,3\n', MSQ)[1] == [("1", "open\n2,3\n")]


def test_msq_quoted_names() -> None:
    assert read_delimited('"Order, ID","Na""me"\n1,2', MSQ)[0] == ["Order, ID", 'Na"me']


# --- no quoting ----------------------------------------------------------------------


def test_no_quoting() -> None:
    fmt = TextFormat(quoting="none")
    assert rows("A,B\n\"a,b\"\n'x' , y", fmt)[1] == [('"a', 'b"'), ("'x'", "y")]


# --- delimiters -----------------------------------------------------------------------


@pytest.mark.parametrize("delim", ["\t", ";", "|", "\\t"])
def test_other_delimiters(delim: str) -> None:
    d = "\t" if delim == "\\t" else delim
    text = f"A{d} B{d}C\n1{d} x, y {d}\n2{d}z"
    assert rows(text, TextFormat(delimiter=delim)) == (
        ["A", "B", "C"],
        [("1", "x, y", ""), ("2", "z", None)],
    )


def test_tab_delimiter_keeps_empty_tab_cells() -> None:
    fmt = TextFormat(delimiter="\t")
    assert rows("A\tB\n\t\n 1 \t 2 ", fmt)[1] == [("", ""), ("1", "2")]


def test_spaces_delimiter() -> None:
    fmt = TextFormat(delimiter="spaces")
    text = "  Name   Age\tCity\n  Ann 31   Rome  \nBob\t\t40\n"
    assert rows(text, fmt) == (
        ["Name", "Age", "City"],
        [("Ann", "31", "Rome"), ("Bob", "40", None)],
    )


def test_spaces_delimiter_with_quotes() -> None:
    fmt = TextFormat(delimiter="spaces")
    assert rows('A B C\n"New York"  \'x y\'  z\n"a"b c', fmt)[1] == [
        ("New York", "x y", "z"),
        ('"a"b', "c", None),
    ]


def test_spaces_delimiter_msq_multiline() -> None:
    fmt = TextFormat(delimiter="spaces", quoting="msq")
    assert rows('A B\n"x\ny"z 1', fmt)[1] == [("x\nyz", "1")]


# --- header lines and comments ----------------------------------------------------------


def test_header_lines() -> None:
    text = "Report title\n\nA,B\n1,2"
    assert read_delimited(text, TextFormat(header_lines=2)) == (["A", "B"], [["1"], ["2"]])


def test_header_lines_with_no_labels() -> None:
    fmt = TextFormat(header_lines=1, labels="none")
    assert read_delimited("junk,junk,junk\n1,2", fmt) == (["@1", "@2"], [["1"], ["2"]])


def test_header_lines_beyond_text() -> None:
    assert read_delimited("A,B\n1,2", TextFormat(header_lines=5)) == ([], [])


def test_comment_lines() -> None:
    fmt = TextFormat(comment="//")
    text = "// leading comment\nA,B\n1,2\n   // indented comment\n3,4 // not a comment"
    assert rows(text, fmt) == (["A", "B"], [("1", "2"), ("3", "4 // not a comment")])


def test_comment_lines_slow_path() -> None:
    fmt = TextFormat(comment="#")
    assert rows('A,B\n# "x,y"\n"1,2",3', fmt)[1] == [("1,2", "3")]


# --- line endings -----------------------------------------------------------------------


def test_crlf_and_cr() -> None:
    assert rows("A,B\r\n1,2\r\n3,4\r\n") == (["A", "B"], [("1", "2"), ("3", "4")])
    assert rows("A,B\r1,2\r3,4") == (["A", "B"], [("1", "2"), ("3", "4")])


def test_other_unicode_line_separators_are_data() -> None:
    # only \n, \r\n and \r end records (str.splitlines would also split on these)
    assert rows("A,B\n1\x0b2,3\u20284")[1] == [("1\x0b2", "3\u20284")]


# --- decoding ---------------------------------------------------------------------------


def test_decode_utf8_bom() -> None:
    assert decode(b"\xef\xbb\xbfA,B\n\xc3\xa9,1") == "A,B\né,1"
    assert decode(b"\xef\xbb\xbfx", "ansi") == "x"  # the BOM wins


def test_decode_ansi_and_oem() -> None:
    assert decode(b"caf\xe9", "ansi") == "café"
    assert decode(b"\x80", "ansi") == "€"
    assert decode(b"caf\x82", "oem") == "café"
    assert decode(b"caf\x8e", "mac") == "café"


def test_decode_codepages() -> None:
    assert decode(b"caf\xe9", "codepage:1252") == "café"
    assert decode(b"caf\xe9", "codepage is 28591") == "café"
    assert decode("café".encode(), "codepage:65001") == "café"
    assert decode(b"\xe6", "codepage:1251") == "ж"


def test_decode_utf16() -> None:
    assert decode("\ufeffAé\n".encode("utf-16-le"), "utf8") == "Aé\n"
    assert decode("\ufeffAé\n".encode("utf-16-be")) == "Aé\n"
    assert decode("Aé".encode("utf-16-le"), "unicode") == "Aé"


def test_decode_invalid_bytes_replaced() -> None:
    assert decode(b"a\xffb") == "a\ufffdb"


def test_decode_unknown_charset() -> None:
    with pytest.raises(ValueError):
        decode(b"x", "codepage:99999")
    with pytest.raises(ValueError):
        decode(b"x", "klingon")


def test_bom_in_decoded_text_ignored() -> None:
    assert read_delimited("\ufeffA,B\n1,2")[0] == ["A", "B"]


# --- real files -------------------------------------------------------------------------


def test_file_utf8_bom_msq_crlf() -> None:
    text = decode((DATA / "orders_utf8_bom.csv").read_bytes(), "utf8")
    names, recs = rows(text, MSQ)
    assert names == ["OrderID", "Customer", "Note", "Amount"]
    assert recs == [
        ("1", "Café Noir", 'said "hello"', "10.5"),
        ("2", "Smith, John", "line one\nline two", "20"),
        ("3", "Zoë", "", ""),
        ("4", "Ørsted", "plain", "7"),
    ]


def test_file_cp1252_semicolon() -> None:
    text = decode((DATA / "people_cp1252.csv").read_bytes(), "ansi")
    fmt = TextFormat(delimiter=";", header_lines=1, comment="#", charset="ansi")
    assert rows(text, fmt) == (
        ["Name", "City", "Age"],
        [
            ("José", "Málaga", "41"),
            ("Renée", "Saint-Étienne; Loire", "35"),
            ("Zoë", "Genève", None),
        ],
    )


def test_file_utf16_tab_no_labels() -> None:
    text = decode((DATA / "codes_utf16.txt").read_bytes(), "unicode")
    fmt = TextFormat(delimiter="\t", labels="none", charset="unicode")
    assert rows(text, fmt) == (["@1", "@2", "@3"], [("A1", "Åland", "1"), ("B2", "日本", "2")])


# --- format validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"delimiter": ""},
        {"delimiter": ",,"},
        {"delimiter": "\n"},
        {"labels": "implicit"},
        {"quoting": "double"},
        {"header_lines": -1},
    ],
)
def test_invalid_format(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TextFormat(**kwargs)  # type: ignore[arg-type]


# --- larger inputs: fast paths agree with the scanner -----------------------------------


def test_large_uniform_and_ragged() -> None:
    n = 20_000
    lines = [f" {i} , name{i} ,{i % 7}" for i in range(n)]
    names, cols = read_delimited("A,B,C\n" + "\n".join(lines))
    assert names == ["A", "B", "C"]
    assert cols[0][:2] == ["0", "1"] and cols[1][-1] == f"name{n - 1}"
    assert len(cols[2]) == n
    lines[5] = "5"
    _, cols = read_delimited("A,B,C\n" + "\n".join(lines))
    assert cols[1][5] is None and cols[0][5] == "5" and cols[1][6] == "name6"
    lines[7] = '"7,x", name7, 0'
    _, cols = read_delimited("A,B,C\n" + "\n".join(lines))
    assert cols[0][7] == "7,x" and cols[1][5] is None and len(cols[0]) == n


SAFE = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\"',;\n\r\ufeff",
    ),
    max_size=8,
).map(lambda s: s.strip(" \t"))


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    ncols = draw(st.integers(1, 5))
    cell = SAFE.filter(bool) if ncols == 1 else SAFE
    names = draw(st.lists(SAFE.filter(bool), min_size=ncols, max_size=ncols))
    body = draw(st.lists(st.lists(cell, min_size=ncols, max_size=ncols), max_size=12))
    return names, body


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURE_OK)
@given(tables(), st.sampled_from([",", ";"]), st.sampled_from(["standard", "msq", "none"]))
def test_roundtrip(table: tuple[list[str], list[list[str]]], delim: str, quoting: str) -> None:
    names, body = table
    expected = [[row[i] for row in body] for i in range(len(names))]
    fmt = TextFormat(delimiter=delim, quoting=quoting)
    plain = "\n".join(delim.join(r) for r in [names, *body])
    assert read_delimited(plain, fmt) == (names, expected)
    padded = "\n".join("  " + (" " + delim + " ").join(r) + " " for r in [names, *body])
    assert read_delimited(padded, fmt) == (names, expected)
    if quoting != "none":
        quoted = "\n".join(delim.join(f'"{c}"' for c in r) for r in [names, *body])
        assert read_delimited(quoted, fmt) == (names, expected)


def scanner_only(text: str, fmt: TextFormat) -> tuple[list[str], list[list[str | None]]]:
    """read_delimited with every bulk fast path switched off (line-by-line reader)."""
    with mock.patch.object(_delimited._Reader, "fast_body", lambda self, n: None):
        return _delimited.read_delimited(text, fmt)


def test_scanner_only_helper_really_bypasses_fast_path() -> None:
    with mock.patch.object(_delimited._Reader, "fast_body", side_effect=AssertionError):
        with pytest.raises(AssertionError):
            _delimited.read_delimited("A\n1")
    assert scanner_only('A,B\n"x,y",1', MSQ) == (["A", "B"], [["x,y"], ["1"]])


NASTY = st.text(alphabet="ab ,;\"'\t\n#\r", max_size=40)


@settings(max_examples=1500, deadline=None, suppress_health_check=FIXTURE_OK)
@given(
    NASTY,
    st.sampled_from([",", ";", "\t", "spaces"]),
    st.sampled_from(["standard", "msq", "none"]),
    st.sampled_from(["embedded", "none"]),
    st.sampled_from([None, "#"]),
)
def test_fast_paths_agree_with_scanner(
    text: str, delim: str, quoting: str, labels: str, comment: str | None
) -> None:
    fmt = TextFormat(delimiter=delim, quoting=quoting, labels=labels, comment=comment)
    assert read_delimited(text, fmt) == scanner_only(text, fmt)


@pytest.mark.parametrize(
    ("text", "quoting"),
    [
        ('A,B\n"x",1\n2,"y ""z"""\n3,"a,b"', "standard"),
        ('A,B\n"x",1\n2,"y\n\nz"\n\n3,"a,b"\n', "msq"),
        ('A,B\n"ab"cd,1\n"open,2\n3,4', "standard"),
        ('A,B\n"ab"cd,1\n"open,2\n3,4', "msq"),
        ("A,B\n'x',1\n2,y", "standard"),
        ('A,B\n5" tall,1\n2,"y"', "standard"),
    ],
)
def test_quoted_bulk_path_examples(text: str, quoting: str) -> None:
    fmt = TextFormat(quoting=quoting)
    assert read_delimited(text, fmt) == scanner_only(text, fmt)
