"""Data-model records: GetTablesAndKeys and GetFieldDescription."""

from __future__ import annotations

from typing import Any

from associa.model import DataModel


def _field_in_table(model: DataModel, table_name: str, name: str) -> dict[str, Any]:
    table = model.tables[table_name]
    fld = model.fields[name]
    col = table.columns[name]
    nonnull = int((col != fld.null_code).sum())
    distinct = int(model.full_presence[(table_name, name)].sum())
    total = len(fld.symbols)
    rec: dict[str, Any] = {
        "qName": name,
        "qOriginalFields": [],
        "qPresent": True,
    }
    if nonnull < table.nrows:
        rec["qHasNull"] = True
    if distinct < nonnull:
        rec["qHasDuplicates"] = True
    rec.update(
        {
            "qInformationDensity": (nonnull / table.nrows) if table.nrows else 0,
            "qnNonNulls": nonnull,
            "qnRows": table.nrows,
            "qSubsetRatio": (distinct / total) if total else 0,
            "qnTotalDistinctValues": distinct,
            "qnPresentDistinctValues": distinct,
            "qKeyType": "ANY_KEY" if fld.is_key else "NOT_KEY",
            "qTags": fld.tags(),
        }
    )
    return rec


def tables_and_keys(model: DataModel) -> dict[str, Any]:
    qtr = []
    for i, table in enumerate(model.tables.values()):
        keys = [f for f in table.fields if model.fields[f].is_key]
        others = [f for f in table.fields if not model.fields[f].is_key]
        qtr.append(
            {
                "qName": table.name,
                "qNoOfRows": table.nrows,
                "qFields": [_field_in_table(model, table.name, f) for f in keys + others],
                "qPos": {"qx": 0, "qy": i},
            }
        )
    qk = [
        {"qKeyFields": [name], "qTables": list(fld.tables)}
        for name, fld in model.fields.items()
        if fld.is_key
    ]
    return {"qtr": qtr, "qk": qk}


def field_description(model: DataModel, name: str) -> dict[str, Any]:
    fld = model.fields[name]
    total = sum(int((model.tables[t].columns[name] != fld.null_code).sum()) for t in fld.tables)
    return {
        "qInternalNumber": list(model.fields).index(name),
        "qName": name,
        "qSrcTables": list(fld.tables),
        "qCardinal": len(fld.symbols),
        "qTotalCount": total,
        "qIsNumeric": fld.symbols.all_numeric(),
        "qTags": fld.tags(),
        "qByteSize": int(fld.symbols.text_bytes().sum()) + 8 * len(fld.symbols),
    }
