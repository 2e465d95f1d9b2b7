"""QVD files: our writer read by pyqvd (PyPI), pyqvd's files read by us, and the format's
corner cases (NULLs, one-symbol fields, records wider than 8 bytes, mixed symbol types)."""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyqvd import QvdTable

from associa import kernels
from associa.app.folders import FolderFiles
from associa.errors import ScriptError
from associa.script import run_script
from associa.script.sources import qvd


def _run(script: str, root: Path):
    folder = FolderFiles(lambda name: root)
    return run_script(script, folder.open, write_file=folder.write, list_files=folder.list,
                      stat_file=folder.stat)


def _rows(model, table: str) -> list[tuple]:
    t = model.tables[table]
    out = []
    for r in range(t.nrows):
        row = []
        for f in t.fields:
            sym = model.fields[f].symbols
            code = int(t.columns[f][r])
            if code == sym.null_code:
                row.append(None)
            else:
                num = sym.num(code)
                row.append((sym.text(code), None if math.isnan(num) else num))
        out.append(tuple(row))
    return out


def _py(value):
    """A pyqvd value as (text, number)."""
    if value is None:
        return None
    calc = getattr(value, "calculation_value", None)
    disp = getattr(value, "display_value", None)
    return disp, calc


# -- our files read by pyqvd --------------------------------------------------------


def test_pyqvd_reads_what_associa_stores(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 5000
    ids = np.arange(1, n + 1)
    cats = rng.choice(["alpha", "beta", "gamma", "Ünïcode ✓", ""], n)
    amounts = np.round(rng.uniform(-1000, 1000, n), 2)
    lines = ["Id,Cat,Amount,Code,Const,Day"]
    for i in range(n):
        code = "" if i % 7 == 0 else f"{i % 300:03d}"  # '007': a dual whose text is kept
        lines.append(f"{ids[i]},{cats[i]},{amounts[i]},{code},same,2024-01-{1 + i % 28:02d}")
    (tmp_path / "src.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = _run(
        "T: LOAD Id, Cat, Amount, If(Len(Code) > 0, Code) as Code, Const, Day\n"
        "FROM [lib://x/src.csv] (txt);\nSTORE T INTO [lib://x/t.qvd] (qvd);", tmp_path).model
    ours = _rows(model, "T")
    table = QvdTable.from_qvd(str(tmp_path / "t.qvd"))
    assert table.columns == ["Id", "Cat", "Amount", "Code", "Const", "Day"]
    assert table.shape == (n, 6)
    for r in (0, 1, 6, 7, 299, 300, n - 1):
        theirs = table.data[r]
        for col, (mine, value) in enumerate(zip(ours[r], theirs, strict=True)):
            if mine is None:
                assert value is None, (r, col)
                continue
            text, num = mine
            if num is None:
                assert str(value.display_value) == text, (r, col)
            else:
                assert value.calculation_value == pytest.approx(num), (r, col)
                if isinstance(value.display_value, str):
                    assert value.display_value == text, (r, col)


def test_pyqvd_reads_duals_with_their_text(tmp_path: Path) -> None:
    _run("T: LOAD * INLINE [A, B\n007, 2024-03-01\n1.50, 2024-03-02];\n"
         "STORE T INTO [lib://x/d.qvd];", tmp_path)
    table = QvdTable.from_qvd(str(tmp_path / "d.qvd"))
    a0, b0 = table.data[0]
    assert (a0.display_value, a0.calculation_value) == ("007", 7)
    assert b0.display_value == "2024-03-01" and b0.calculation_value == 45352
    assert table.data[1][0].display_value == "1.50"


# -- pyqvd's files read by us --------------------------------------------------------


def test_associa_reads_what_pyqvd_writes(tmp_path: Path) -> None:
    rows = [[i, f"name {i % 13}", None if i % 5 == 0 else i * 0.25,
             dt.date(2024, 1, 1) + dt.timedelta(days=i % 40), "const"]
            for i in range(2000)]
    QvdTable.from_dict({"columns": ["I", "S", "F", "D", "C"], "data": rows}).to_qvd(
        str(tmp_path / "p.qvd"))
    model = _run("P: LOAD * FROM [lib://x/p.qvd] (qvd);", tmp_path).model
    got = _rows(model, "P")
    assert len(got) == 2000
    for i in (0, 1, 5, 13, 1999):
        i_, s, f, d, c = got[i]
        assert i_ == (str(i), float(i))
        assert s == (f"name {i % 13}", None)
        assert f is None if i % 5 == 0 else f[1] == i * 0.25
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i % 40)
        assert d[0] == day.isoformat()
        assert d[1] == (day - dt.date(1899, 12, 30)).days
        assert c == ("const", None)


def test_round_trip_through_pyqvd_and_back(tmp_path: Path) -> None:
    _run("T: LOAD * INLINE [K, V\n1, a\n2, b\n3, ];\nSTORE T INTO [lib://x/a.qvd];", tmp_path)
    QvdTable.from_qvd(str(tmp_path / "a.qvd")).to_qvd(str(tmp_path / "b.qvd"))
    model = _run("B: LOAD * FROM [lib://x/b.qvd] (qvd);", tmp_path).model
    assert _rows(model, "B") == [(("1", 1.0), ("a", None)), (("2", 2.0), ("b", None)),
                                 (("3", 3.0), ("", None))]


# -- the format itself ------------------------------------------------------------------


def _write(names, nums, texts, codes, n) -> bytes:
    out = io.BytesIO()
    qvd.write_qvd(out, "T", names, nums, texts, codes, n)
    return out.getvalue()


def test_nulls_use_bias_minus_two_and_one_symbol_takes_no_bits() -> None:
    data = _write(["A", "B", "Z"],
                  [np.array([1.0, 2.0]), np.array([5.0]), np.zeros(0)],
                  [None, None, None],
                  [np.array([0, -1, 1], np.int32), np.zeros(3, np.int32),
                   np.full(3, -1, np.int32)], 3)
    h = qvd.read_header(data)
    a, b, z = h.fields
    assert (a.bias, a.bit_width) == (-2, 2)  # indices 0 (NULL), 2, 3
    assert (b.bias, b.bit_width, b.symbols) == (0, 0, 1)
    assert (z.bias, z.bit_width, z.symbols) == (-2, 0, 0)
    back = qvd.read_qvd(data)
    assert back.codes["A"].tolist() == [0, -1, 1]
    assert back.codes["B"].tolist() == [0, 0, 0]
    assert back.codes["Z"].tolist() == [-1, -1, -1]


@pytest.mark.parametrize("backend", kernels.available())
def test_records_wider_than_a_word(backend: str) -> None:
    """Nine fields of 0 to 20 bits, NULLs among them, over records of several words: each
    field's codes read back, by the compiled packing and unpacking and by numpy's."""
    rng = np.random.default_rng(1)
    n, fields = 3000, 9
    names = [f"F{i}" for i in range(fields)]
    nums, codes = [], []
    for i in range(fields):
        k = [3, 70000, 2, 1 << 17, 5000, 1, 300, 1 << 20, 100000][i]
        nums.append(np.arange(k, dtype=np.float64) * 1.5)
        c = rng.integers(0, k, n).astype(np.int32)
        c[rng.random(n) < 0.1] = -1
        codes.append(c)
    with kernels.using(backend):
        data = _write(names, nums, [None] * fields, codes, n)
    h = qvd.read_header(data)
    assert h.record_size > 8
    with kernels.using(backend):
        back = qvd.read_qvd(data)
    for other in kernels.available():  # the same bytes either way
        with kernels.using(other):
            assert _write(names, nums, [None] * fields, codes, n)[-n * h.record_size:] == \
                data[-n * h.record_size:]
    for i, name in enumerate(names):
        assert np.array_equal(back.codes[name], codes[i]), name
        assert np.array_equal(back.nums[name], nums[i])


@pytest.mark.parametrize("backend", kernels.available())
def test_mixed_symbol_types(backend: str) -> None:
    nums = np.array([1.0, 2.5, math.nan, 7.0, 2.25, -3.0, 1e300])
    texts = pa.array([None, None, "text", "007", "2.25 kg", None, None])
    encoded = qvd.encode_symbols(nums, texts)
    with kernels.using(backend):
        got_nums, got_texts = qvd.decode_symbols(np.frombuffer(encoded, np.uint8), len(nums))
    assert np.array_equal(got_nums, nums, equal_nan=True)
    assert got_texts.to_pylist() == texts.to_pylist()
    # types: int, double, text, dual int, dual double, int, double
    assert encoded[0] == 1 and encoded[5] == 2


def test_single_type_fast_paths() -> None:
    ints = np.arange(-5, 5, dtype=np.float64)
    got, texts = qvd.decode_symbols(np.frombuffer(qvd.encode_symbols(ints, None), np.uint8), 10)
    assert np.array_equal(got, ints) and texts is None
    doubles = np.array([0.5, -2.25, 1e300])
    encoded = qvd.encode_symbols(doubles, None)
    assert len(encoded) == 27 and encoded[0] == encoded[9] == 2
    got, texts = qvd.decode_symbols(np.frombuffer(encoded, np.uint8), 3)
    assert np.array_equal(got, doubles) and texts is None
    words = pa.array(["a", "bb", "", "ü"])
    got, texts = qvd.decode_symbols(
        np.frombuffer(qvd.encode_symbols(np.full(4, math.nan), words), np.uint8), 4)
    assert np.isnan(got).all() and texts.to_pylist() == ["a", "bb", "", "ü"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a qvd at all", "no QvdTableHeader"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><QvdTableHeader>&a;</QvdTableHeader>\r\n\0',
         "a document type in the header"),
        (b"<QvdTableHeader><NoOfRecords>x</NoOfRecords></QvdTableHeader>\r\n\0",
         "NoOfRecords is 'x'"),
        (b"<QvdTableHeader><Fields></Fields><RecordByteSize>1</RecordByteSize>"
         b"<NoOfRecords>10</NoOfRecords></QvdTableHeader>\r\n\0ab", "ends early"),
    ],
)
def test_broken_files_are_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(ScriptError) as info:
        qvd.read_qvd(data)
    assert message in info.value.detail


def test_truncated_symbol_table_is_an_error() -> None:
    good = _write(["S"], [np.full(2, math.nan)], [pa.array(["abc", "def"])],
                  [np.array([0, 1], np.int32)], 2)
    h = qvd.read_header(good)
    cut = good[: h.data_start + 5]
    with pytest.raises(ScriptError):
        qvd.read_qvd(cut + b"\x09" * 3)


def test_a_broken_qvd_fails_the_load_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "bad.qvd").write_bytes(b"garbage")
    with pytest.raises(ScriptError) as info:
        _run("SET a = 1;\nT: LOAD * FROM [lib://x/bad.qvd] (qvd);", tmp_path)
    assert info.value.line == 2 and "Not a QVD file" in info.value.detail


# -- bad input: any bytes give a clear error, never a crash ----------------------------

_GOOD = _write(["A", "S"], [np.array([1.0, 2.5, 7.0]), np.full(2, math.nan)],
               [pa.array([None, None, "007"]), pa.array(["x", "yé"])],
               [np.array([0, 1, 2, -1], np.int32), np.array([0, 1, -1, 1], np.int32)], 4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_GOOD) - 1), st.integers(0, 255)),
                min_size=1, max_size=8),
       st.integers(0, len(_GOOD)))
def test_mutated_files_never_crash(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_GOOD)
    for at, value in edits:
        data[at] = value
    data = data[: max(cut, 1)]
    try:
        got = qvd.read_qvd(bytes(data))
    except ScriptError:
        return
    for name, codes in got.codes.items():
        assert len(codes) == got.header.records
        assert codes.max(initial=-1) < len(got.nums[name])


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        qvd.read_qvd(b"<QvdTableHeader>" + data)
    except ScriptError:
        pass
