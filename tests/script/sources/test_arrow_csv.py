"""The native reader's own behaviour: which path reads what, batches, restarts after a
ragged record, progress and cancellation, file bytes in other character sets.

(Cell-level rules are in test_delimited.py, which runs every case through both readers.)
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.script.sources import TextFormat, decode, read_delimited
from associa.script.sources.arrow_csv import open_delimited, read_table

DATA = Path(__file__).parent / "data"
DEFAULT = TextFormat()


def as_lists(table: pa.Table) -> tuple[list[str], list[list[str | None]]]:
    return list(table.column_names), [c.to_pylist() for c in table.columns]


def path_of(text: str | bytes, fmt: TextFormat = DEFAULT) -> str:
    return open_delimited(text, fmt).path


# --- which path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("A,B\n1,2\n3,4\n", TextFormat()),
        ('A,B\n1,"Smith, John"\n2,"say ""hi"""\n', TextFormat()),
        ("A,B\r\n1,2\r\n", TextFormat()),
        ("  A, B\n  1, x\n  2, y\n  ", TextFormat()),
        ("// c\nA,B\n1,2\n  // c2\n3,4\n", TextFormat(comment="//")),
        ('Id,Text\n1,"first\nsecond"\n2,x\n', TextFormat(quoting="msq")),
        ("A\tB\n1\t2\n", TextFormat(delimiter="\\t")),
        ("O'Brien,5\" tall\nx,y\n", TextFormat()),
        ("A;B\n1;2\n", TextFormat(delimiter=";", header_lines=0)),
    ],
)
def test_common_shapes_take_the_arrow_path(text: str, fmt: TextFormat) -> None:
    assert path_of(text, fmt) == "arrow"
    assert as_lists(read_table(text, fmt)) == read_delimited(text, fmt)


@pytest.mark.parametrize(
    ("text", "fmt", "path"),
    [
        ("A,B,C\n1\n1,2,3,4\n5,6,7\n", TextFormat(), "lines"),
        ("A B\n1   2\n", TextFormat(delimiter="spaces"), "lines"),
        ('A,B\n1, "x, y"\n', TextFormat(), "python"),
        ('A,B\n"ab" cd,1\n', TextFormat(quoting="msq"), "python"),
        ('A,B,C\n1,"x"\n', TextFormat(), "python"),
        ("", TextFormat(), "empty"),
    ],
)
def test_other_paths(text: str, fmt: TextFormat, path: str) -> None:
    assert path_of(text, fmt) == path
    assert as_lists(read_table(text, fmt)) == read_delimited(text, fmt)


# --- batches, restarts, progress, cancellation --------------------------------------------


def test_batches_of_a_block_each() -> None:
    text = "A,B\n" + "".join(f"{i},name{i}\n" for i in range(5000))
    batches = open_delimited(text, block_size=4096)
    assert batches.names == ["A", "B"]
    got = list(batches)
    assert len(got) > 10 and batches.path == "arrow"
    assert batches.rows == 5000
    table = pa.Table.from_batches(got)
    assert table.column("A").to_pylist() == [str(i) for i in range(5000)]
    assert table.schema.types == [pa.string(), pa.string()]


@pytest.mark.parametrize("quote", [False, True])
def test_ragged_record_late_in_the_text_restarts_after_the_batches_handed_out(
    quote: bool,
) -> None:
    lines = [f'{i},"n,{i}"' if quote else f"{i},n{i}" for i in range(5000)]
    lines[4000] = "4000"  # a short record far past the first batches
    text = "A,B\n" + "\n".join(lines)
    batches = open_delimited(text, block_size=4096)
    got = []
    for batch in batches:
        got.append(batch)
    assert batches.path == ("python" if quote else "lines")
    assert batches.rows == 5000
    expected = read_delimited(text)
    assert as_lists(pa.Table.from_batches(got)) == expected
    assert expected[1][1][4000] is None


def test_record_longer_than_a_block_falls_back() -> None:
    text = "A,B\n" + "1," + "x" * 100 + "\n2,y\n"
    batches = open_delimited(text, block_size=32)
    assert as_lists(pa.Table.from_batches(list(batches))) == read_delimited(text)


def test_progress_after_each_batch_and_cancel_between_batches() -> None:
    text = "A,B\n" + "".join(f"{i},{i % 7}\n" for i in range(20000))
    seen: list[int] = []
    read_table(text, on_batch=seen.append, block_size=8192)
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == 20000

    class Stop(Exception):
        pass

    def cancel(rows: int) -> None:
        if rows > 3000:
            raise Stop

    calls: list[int] = []
    with pytest.raises(Stop):
        read_table(text, on_batch=lambda r: (calls.append(r), cancel(r)), block_size=8192)
    assert calls[-1] > 3000 and calls[-1] < 20000


def test_names_known_before_iterating() -> None:
    batches = open_delimited("x,y\n1,2\n", TextFormat(labels="none"))
    assert batches.names == ["@1", "@2"]
    assert [b.num_rows for b in batches] == [2]


def test_labels_only_gives_empty_string_columns() -> None:
    table = read_table("A,A,B\n")
    assert table.column_names == ["A", "A", "B"] and table.num_rows == 0
    assert table.schema.types == [pa.string()] * 3


# --- file bytes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("orders_utf8_bom.csv", TextFormat(quoting="msq")),
        ("people_cp1252.csv", TextFormat(delimiter=";", header_lines=1, comment="#", charset="ansi")),
        ("codes_utf16.txt", TextFormat(delimiter="\t", labels="none", charset="unicode")),
    ],
)
def test_file_bytes_in_their_character_set(name: str, fmt: TextFormat) -> None:
    data = (DATA / name).read_bytes()
    expected = read_delimited(decode(data, fmt.charset), fmt)
    assert as_lists(read_table(data, fmt)) == expected
    assert expected[1]  # the file has records


def test_invalid_utf8_bytes_are_replaced() -> None:
    assert as_lists(read_table(b"A,B\na\xffb,1\n")) == (["A", "B"], [["a\ufffdb"], ["1"]])


def test_header_lines_with_cr_line_ends() -> None:
    data = b"title\rmore\rA,B\r1,2\r"
    assert as_lists(read_table(data, TextFormat(header_lines=2))) == (["A", "B"], [["1"], ["2"]])


def test_unknown_charset() -> None:
    with pytest.raises(ValueError):
        open_delimited(b"A\n1\n", TextFormat(charset="klingon"))


# --- small blocks agree with the Python reader ---------------------------------------------

NASTY = st.text(alphabet="ab ,;\"'\t\n#\r", max_size=60)


@settings(max_examples=500, deadline=None)
@given(
    NASTY,
    st.sampled_from([",", ";", "\t", "spaces"]),
    st.sampled_from(["standard", "msq", "none"]),
    st.sampled_from(["embedded", "none"]),
    st.sampled_from([None, "#"]),
    st.integers(0, 2),
)
def test_bytes_in_small_blocks_agree_with_python_reader(
    text: str, delim: str, quoting: str, labels: str, comment: str | None, header: int
) -> None:
    fmt = TextFormat(
        delimiter=delim, quoting=quoting, labels=labels, comment=comment, header_lines=header
    )
    expected = read_delimited(text, fmt)
    assert as_lists(read_table(text.encode(), fmt)) == expected
    assert as_lists(read_table(text.encode(), fmt, block_size=16)) == expected


# --- a file as a memory map ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("A,B\n" + "".join(f"{i},v{i % 13}\n" for i in range(3000)), TextFormat()),
        ("A,B\r\n" + "".join(f"{i}, x{i}\r\n" for i in range(3000)), TextFormat()),
        ("A,B,C\n" + "".join(f"{i},{i}\n" if i % 7 else f"{i}\n" for i in range(3000)),
         TextFormat()),  # ragged: the lines path
        ('Id,T\n' + "".join(f'{i},"a\nb{i}"\n' for i in range(2000)), TextFormat(quoting="msq")),
        ("\ufeffA;B\n" + "".join(f"{i};é{i}\n" for i in range(3000)),
         TextFormat(delimiter=";")),
    ],
)
def test_a_mapped_file_reads_as_its_bytes(text: str, fmt: TextFormat, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages released while reading (small windows and batches) are read again from the
    file when touched: the cells are those of the bytes."""
    import associa.script.sources.arrow_csv as arrow_csv
    from associa.script.sources import map_file

    monkeypatch.setattr(arrow_csv, "WINDOW", 4096)
    path = tmp_path / "f.txt"
    path.write_bytes(text.encode())
    mapped = read_table(map_file(path), fmt, block_size=1024)
    assert as_lists(mapped) == as_lists(read_table(text.encode(), fmt))
    assert as_lists(mapped)[1][0][:3] == read_delimited(text.removeprefix("\ufeff"), fmt)[1][0][:3]


def test_an_empty_file_maps_to_no_bytes(tmp_path: Path) -> None:
    from associa.script.sources import map_file

    (tmp_path / "e.txt").write_bytes(b"")
    assert map_file(tmp_path / "e.txt") == b""
    assert read_table(map_file(tmp_path / "e.txt")).num_columns == 0
