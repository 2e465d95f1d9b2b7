"""Data model snapshots: a DataModel as numpy arrays plus a small JSON header.

No pickles: texts are stored as one UTF-8 blob with offsets.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from associa.model import DataModel, SymbolTable, Table


def _pack_texts(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        offsets[1:] = np.cumsum([len(b) for b in encoded])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return blob, offsets


def _unpack_texts(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    raw = blob.tobytes()
    return [raw[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)]


def dump_model(model: DataModel) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    header: dict[str, Any] = {"fields": [], "tables": []}
    for i, (name, fld) in enumerate(model.fields.items()):
        texts = [fld.symbols.text(j) for j in range(len(fld.symbols))]
        blob, offsets = _pack_texts(texts)
        arrays[f"f{i}_blob"] = blob
        arrays[f"f{i}_off"] = offsets
        arrays[f"f{i}_num"] = fld.symbols.nums[:-1]
        header["fields"].append({"name": name, "hidden": fld.hidden})
    for t_i, table in enumerate(model.tables.values()):
        header["tables"].append({"name": table.name, "fields": table.fields, "nrows": table.nrows})
        for f_i, fname in enumerate(table.fields):
            arrays[f"t{t_i}_c{f_i}"] = table.columns[fname]
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def load_model(data: bytes) -> DataModel:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        header = json.loads(npz["header"].tobytes().decode("utf-8"))
        symbols: dict[str, SymbolTable] = {}
        for i, meta in enumerate(header["fields"]):
            texts = _unpack_texts(npz[f"f{i}_blob"], npz[f"f{i}_off"])
            nums = npz[f"f{i}_num"]
            sym = SymbolTable()
            for text, num in zip(texts, nums.tolist(), strict=True):
                sym.intern(text, num)
            symbols[meta["name"]] = sym
        tables = []
        for t_i, meta in enumerate(header["tables"]):
            cols = {f: npz[f"t{t_i}_c{f_i}"] for f_i, f in enumerate(meta["fields"])}
            tables.append(Table(meta["name"], list(meta["fields"]), cols, int(meta["nrows"])))
    model = DataModel(tables, symbols)
    for meta in header["fields"]:
        if meta.get("hidden") and meta["name"] in model.fields:
            model.fields[meta["name"]].hidden = True
    return model
