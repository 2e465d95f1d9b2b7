"""Model snapshots: format 2 round trips, format 1 files (written by the code before the
compact model) converted on load, unknown formats refused with their number."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from associa.errors import PersistenceError
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.script import run_script
from associa.store import AppStore
from associa.store.snapshot import MODEL_FORMAT, dump_model, load_model
from tests.store.v1_fixture import V1_ID, build_v1_model

GOLDEN_V1 = Path(__file__).resolve().parent.parent / "golden" / "store" / "format1.app"

SCRIPT = """
Orders: LOAD * INLINE [
OrderID, Code, Amount, Region
1, 007, 12.50, North
2, 7, 12.5, South
3, x, 1e3, Åre ✓
4, , 3, North
];
Regions: LOAD * INLINE [
Region, Manager
North, Ann
West, Bo
];
"""


def assert_same_model(a: DataModel, b: DataModel) -> None:
    assert list(a.tables) == list(b.tables) and list(a.fields) == list(b.fields)
    for name, table in a.tables.items():
        other = b.tables[name]
        assert other.fields == table.fields and other.nrows == table.nrows
        for f in table.fields:
            assert other.is_identity(f) == table.is_identity(f)
            assert other.columns[f].dtype == table.columns[f].dtype
            assert np.array_equal(other.columns[f], table.columns[f])
    for name, fld in a.fields.items():
        sym, osym = fld.symbols, b.fields[name].symbols
        assert [sym.text(i) for i in range(len(sym))] == [osym.text(i) for i in range(len(osym))]
        assert np.array_equal(sym.nums, osym.nums, equal_nan=True)
        assert fld.hidden == b.fields[name].hidden
        texts, otexts = sym.stored_texts(), osym.stored_texts()
        assert (texts is None) == (otexts is None)
        if texts is not None:
            assert texts.to_pylist() == otexts.to_pylist()


def npz_of(model: DataModel) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(dump_model(model)), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def test_round_trip_of_a_reloaded_model() -> None:
    model = run_script(SCRIPT).model
    model.fields["Manager"].hidden = True
    back = load_model(dump_model(model))
    assert_same_model(model, back)
    assert back.tables["Orders"].is_identity("OrderID")
    assert back.fields["Code"].symbols.text(0) == "007"
    assert back.fields["Amount"].symbols.text(0) == "12.50"


def test_what_format_2_stores() -> None:
    model = run_script(SCRIPT).model
    arrays = npz_of(model)
    header = json.loads(arrays.pop("header").tobytes())
    assert header["format"] == MODEL_FORMAT == 2
    fields = [f["name"] for f in header["fields"]]
    orders = header["tables"][0]
    assert orders["identity"] == ["OrderID"]
    # no column for the identity field, narrow columns for the others
    assert "t0_c0" not in arrays and arrays["t0_c1"].dtype == np.uint8
    # OrderID: numbers only, no text at all
    i = fields.index("OrderID")
    assert f"f{i}_blob" not in arrays and arrays[f"f{i}_num"].tolist() == [1, 2, 3, 4]
    # Amount: 12.50 and 1e3 stored, 3 rendered
    i = fields.index("Amount")
    assert arrays[f"f{i}_valid"].tolist() == [True, True, False]
    assert arrays[f"f{i}_blob"].tobytes() == b"12.501e3"
    assert all(a.dtype != object for a in arrays.values())


def test_round_trip_keeps_null_codes_at_dtype_boundaries() -> None:
    values: list[object] = [f"v{i}" for i in range(300)] + [None] * 3
    model = model_from_rows({"T": {"F": values, "G": list(range(303))}})
    back = load_model(dump_model(model))
    assert back.tables["T"].columns["F"].dtype == np.uint16
    assert back.tables["T"].columns["F"].tolist()[-3:] == [300] * 3
    assert back.tables["T"].is_identity("G")
    assert_same_model(model, back)


def test_damaged_format_2_snapshots_are_refused() -> None:
    model = run_script(SCRIPT).model
    arrays = npz_of(model)
    header = json.loads(arrays["header"].tobytes())
    bad = dict(arrays)
    bad["t0_c1"] = np.full(len(arrays["t0_c1"]), 200, dtype=np.uint8)  # beyond the null code
    buf = io.BytesIO()
    np.savez(buf, **bad)
    with pytest.raises(ValueError):
        load_model(buf.getvalue())
    header["tables"][0]["identity"] = ["OrderID", "Code"]  # not a sequence of its symbols
    bad = dict(arrays, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    buf = io.BytesIO()
    np.savez(buf, **bad)
    with pytest.raises(ValueError):
        load_model(buf.getvalue())


def test_unknown_snapshot_format_names_it() -> None:
    arrays = npz_of(run_script(SCRIPT).model)
    header = json.loads(arrays["header"].tobytes())
    header["format"] = 7
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with pytest.raises(ValueError, match="format 7.*reads formats 1 to 2"):
        load_model(buf.getvalue())


# -- format 1 ---------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> AppStore:
    return AppStore(tmp_path)


def install_v1(store: AppStore) -> Path:
    path = store.path(V1_ID)
    shutil.copy(GOLDEN_V1, path)
    return path


def test_format_1_app_opens_converted(store: AppStore, unclustered: None) -> None:
    install_v1(store)
    with zipfile.ZipFile(store.path(V1_ID)) as zf:  # what the old code wrote
        assert json.loads(zf.read("app.json"))["format"] == 1
        with np.load(io.BytesIO(zf.read("model.npz"))) as npz:
            assert npz["t0_c0"].dtype == np.int32 and -1 in npz["t0_c2"]
            assert "format" not in json.loads(npz["header"].tobytes())
    record = store.load(V1_ID)
    assert record.meta["title"] == "Format 1"
    model = record.model
    assert model is not None
    expected = build_v1_model()  # the same model, built by today's code
    assert_same_model(expected, model)
    sales = model.tables["Sales"]
    # Code's values are shuffled but distinct: in load order, its codes are its rows too
    assert sales.is_identity("OrderID") and sales.is_identity("Code")
    assert not sales.is_identity("Region") and not sales.is_identity("Value")
    assert sales.columns["Value"].dtype == np.uint8
    value = model.fields["Value"].symbols
    assert int(sales.columns["Value"][0]) == value.null_code  # row 0 was NULL (-1)
    assert value.stored_texts().to_pylist() == [
        "1.50", "007", "abc", "Åre ✓", None, None, "1e3", "", None]
    assert [value.text(i) for i in range(len(value))] == [
        "1.50", "007", "abc", "Åre ✓", "-3", "2.25", "1e3", "", "1"]
    assert model.fields["Manager"].hidden
    assert model.fields["OrderID"].symbols.stored_texts() is None


def test_format_1_app_is_saved_in_format_2(store: AppStore) -> None:
    install_v1(store)
    record = store.load(V1_ID)
    store.save(record)
    with zipfile.ZipFile(store.path(V1_ID)) as zf:
        assert json.loads(zf.read("app.json"))["format"] == 2
        with np.load(io.BytesIO(zf.read("model.npz"))) as npz:
            assert json.loads(npz["header"].tobytes())["format"] == 2
    assert_same_model(build_v1_model(), store.load(V1_ID).model)


def test_app_file_of_a_newer_format_is_refused_with_its_number(store: AppStore) -> None:
    path = install_v1(store)
    with zipfile.ZipFile(GOLDEN_V1) as src:
        meta = json.loads(src.read("app.json"))
        model = src.read("model.npz")
    meta["format"] = 3
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("app.json", json.dumps(meta))
        zf.writestr("model.npz", model)
    with pytest.raises(PersistenceError) as info:
        store.load(V1_ID)
    assert info.value.code == 9001
    assert "format 3" in info.value.message and "reads formats 1 to 2" in info.value.message
    assert path.read_bytes()  # the file is left as it was


def test_evenly_spaced_numbers_are_stored_as_a_rule() -> None:
    n = 5000
    model = model_from_rows({"T": {"ID": list(range(1, n + 1)), "V": [i % 3 for i in range(n)]}})
    assert model.fields["ID"].symbols.arithmetic == (1.0, 1.0)
    arrays = npz_of(model)
    header = json.loads(arrays["header"].tobytes())
    assert header["fields"][0]["range"] == [1.0, 1.0, n] and "f0_num" not in arrays
    assert "t0_c0" not in arrays  # an identity column too: nothing stored for ID
    back = load_model(dump_model(model))
    assert back.fields["ID"].symbols.arithmetic == (1.0, 1.0)
    assert_same_model(model, back)


def test_round_trip_keeps_the_tables_loosened_through_the_api() -> None:
    model = model_from_rows({"A": {"k": [1, 2], "a": [1, 2]}, "B": {"k": [1], "b": [3]},
                             "C": {"k": [2], "c": [4]}}, loose=["C"])
    model = model.with_loose({"B"})
    assert model.loose_tables == ["C", "B"] and model.api_loose == {"B"}
    back = load_model(dump_model(model))
    assert back.loose_tables == ["C", "B"] and back.api_loose == {"B"}
    assert back.with_loose(set()).loose_tables == ["C"]
