"""Data model snapshots: a DataModel as numpy arrays plus a small JSON header (an npz).

No pickles. Two formats are read; the current one (``MODEL_FORMAT``) is written:

* format 2 (the header says ``"format": 2``): per field ``f{i}_num`` (float64, one per
  symbol; left out when the header's ``range`` gives them as start, step and count) and, when some symbol stores a text (see ``associa.model.symbols``), the stored
  texts as ``f{i}_blob`` (UTF-8 bytes), ``f{i}_off`` (int64 offsets, one more than the
  symbols) and ``f{i}_valid`` (bool: False where the text is the default rendering of the
  number); per table column ``t{i}_c{j}`` in its narrow unsigned dtype with the field's
  null code for NULL, except identity columns, which the header lists and which are not
  stored. Rows are in load order (a model storing a table's rows grouped by a key,
  ``associa.model.clustering``, writes them back in load order and groups them again
  when it reads them).
* format 1 (no ``format`` in the header; written before the compact model): every
  symbol's text in ``f{i}_blob``/``f{i}_off``, and int32 columns with ``-1`` for NULL. It
  is converted on load.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pyarrow as pa

from associa.model import DataModel, SymbolTable, Table
from associa.model.encoding import compact_text_nulls
from associa.model.table import Columns, Identity, code_dtype

MODEL_FORMAT = 2
READABLE_FORMATS = (1, 2)


class SnapshotFormatError(ValueError):
    """A snapshot in a format this version cannot read."""


def _pack_texts(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(UTF-8 blob, int64 offsets, validity) of a string array."""
    texts = compact_text_nulls(texts.cast(pa.large_string()))
    n = len(texts)
    bufs = texts.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[texts.offset : texts.offset + n + 1]
    blob = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0] : offsets[-1]] if bufs[2] else (
        np.zeros(0, dtype=np.uint8)
    )
    valid = texts.is_valid().to_numpy(zero_copy_only=False)
    return blob, offsets - offsets[0], valid


def _unpack_texts(blob: np.ndarray, offsets: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    n = len(offsets) - 1
    if len(offsets) and (offsets[0] != 0 or offsets[-1] != len(blob) or
                         (np.diff(offsets) < 0).any()):
        raise ValueError("text offsets out of range")
    nulls = None
    if valid is not None:
        if len(valid) != n:
            raise ValueError("text validity of the wrong length")
        nulls = pa.py_buffer(np.packbits(valid.astype(bool), bitorder="little").tobytes())
    arr = pa.Array.from_buffers(
        pa.large_string(), n,
        [nulls, pa.py_buffer(offsets.astype(np.int64).tobytes()), pa.py_buffer(blob.tobytes())],
    )
    arr.validate(full=True)  # offsets in range, valid UTF-8
    return arr.cast(pa.string()) if len(blob) < (1 << 31) - 1 else arr


def dump_model(model: DataModel) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    header: dict[str, Any] = {"format": MODEL_FORMAT, "fields": [], "tables": [],
                              "loose": model.loose_tables,
                              "loose_api": sorted(model.api_loose),
                              "synthetic": model.synthetic_tables,
                              "table_tags": model.table_tags}
    # the data tables and fields (a model adds its system tables when built)
    for i, (name, fld) in enumerate((f, model.fields[f]) for f in model.data_fields):
        sym = fld.symbols
        meta: dict[str, Any] = {"name": name, "hidden": fld.hidden}
        if fld.date_kind:
            meta["date_kind"] = fld.date_kind
            meta["date_format"] = fld.date_format
        if fld.added_tags:
            meta["tags"] = list(fld.added_tags)
        if fld.removed_tags:
            meta["untags"] = sorted(fld.removed_tags)
        if sym.arithmetic is not None:
            meta["range"] = [*sym.arithmetic, len(sym)]
        else:
            arrays[f"f{i}_num"] = sym.nums[:-1]
        texts = sym.stored_texts()
        if texts is not None:
            arrays[f"f{i}_blob"], arrays[f"f{i}_off"], arrays[f"f{i}_valid"] = _pack_texts(texts)
        header["fields"].append(meta)
    for t_i, table in enumerate(model.tables[t] for t in model.data_tables):
        identity = []  # in load order: a model's rows may be stored grouped by a key
        for f_i, fname in enumerate(table.fields):
            col = table.loaded(fname)
            if isinstance(col, Identity):
                identity.append(fname)
            else:
                arrays[f"t{t_i}_c{f_i}"] = col
        header["tables"].append(
            {"name": table.name, "fields": table.fields, "nrows": table.nrows, "identity": identity}
        )
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def load_model(data: bytes) -> DataModel:
    """A DataModel from a snapshot of either format. Raises SnapshotFormatError for a
    format this version does not read, ValueError/KeyError for a damaged snapshot."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        header = json.loads(npz["header"].tobytes().decode("utf-8"))
        fmt = header.get("format", 1)
        if fmt not in READABLE_FORMATS:
            raise SnapshotFormatError(
                f"the data model is in format {fmt}; this version of associa reads formats "
                f"{READABLE_FORMATS[0]} to {READABLE_FORMATS[-1]}"
            )
        symbols: dict[str, SymbolTable] = {}
        for i, meta in enumerate(header["fields"]):
            if fmt >= 2 and "range" in meta:
                start, step, count = meta["range"]
                nums = float(start) + float(step) * np.arange(int(count), dtype=np.float64)
            else:
                nums = np.asarray(npz[f"f{i}_num"], dtype=np.float64)
            texts = None
            if f"f{i}_blob" in npz.files:
                valid = npz[f"f{i}_valid"] if fmt >= 2 else None
                texts = _unpack_texts(npz[f"f{i}_blob"], npz[f"f{i}_off"], valid)
                if len(texts) != len(nums):
                    raise ValueError(f"field {meta['name']!r}: texts and numbers differ")
            symbols[meta["name"]] = SymbolTable.from_arrays(nums, texts)
        tables = []
        for t_i, meta in enumerate(header["tables"]):
            nrows = int(meta["nrows"])
            identity = set(meta.get("identity", []))
            cols = Columns()
            for f_i, f in enumerate(meta["fields"]):
                nsym = len(symbols[f])
                if f in identity:
                    if nsym != nrows:
                        raise ValueError(f"identity column {f!r} does not match its symbols")
                    cols[f] = Identity(nrows, code_dtype(nsym))
                    continue
                col = npz[f"t{t_i}_c{f_i}"]
                if len(col) != nrows or col.dtype.kind not in ("u" if fmt >= 2 else "i"):
                    raise ValueError(f"column {f!r} of table {meta['name']!r} is damaged")
                top = nsym if fmt >= 2 else nsym - 1  # format 2 codes NULL as nsym
                if len(col) and (int(col.max()) > top or (fmt < 2 and int(col.min()) < -1)):
                    raise ValueError(f"column {f!r} of table {meta['name']!r} is out of range")
                cols[f] = col
            tables.append(Table(meta["name"], list(meta["fields"]), cols, nrows))
    model = DataModel(tables, symbols, loose=header.get("loose", ()),
                      synthetic=header.get("synthetic", ()))
    model.api_loose = frozenset(str(t) for t in header.get("loose_api", ())
                                if t in model.loose_tables)
    model.table_tags = {str(k): [str(t) for t in v]
                        for k, v in dict(header.get("table_tags", {})).items()}
    for meta in header["fields"]:
        fld = model.fields.get(meta["name"])
        if fld is None:
            continue
        if meta.get("hidden"):
            fld.hidden = True
        fld.date_kind = str(meta.get("date_kind", ""))
        fld.date_format = str(meta.get("date_format", ""))
        fld.added_tags = tuple(str(t) for t in meta.get("tags", ()))
        fld.removed_tags = frozenset(str(t) for t in meta.get("untags", ()))
    return model
