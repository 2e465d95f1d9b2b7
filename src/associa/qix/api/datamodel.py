"""Data-model records: GetTablesAndKeys and GetFieldDescription.

``qSyntheticMode`` (GetTablesAndKeys): true shows the internal model, with the ``$Syn``
tables (``qIsSynthetic``) and the ``$Syn`` keys in the data tables; false (what corectl
sends) shows the source model: no ``$Syn`` tables, each data table with the fields it was
loaded with, and a composite key as one SourceKeyRecord naming all its fields
(``{"qKeyFields": ["A", "B"], "qTables": [...]}``). Loosely coupled tables carry
``qLoose``; TAG TABLE's tags are ``qTableTags``. The two modes are the data model
viewer's two views: HIC's "Synthetic Keys" (Qlik Design Blog) shows a "Source table view"
where the tables link through their shared fields and an "Internal table view" with the
``$Syn`` table; the API docs call qSyntheticMode's true "the internal data/table model".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from associa.errors import InvalidParameters, NotFound
from associa.model import DataModel
from associa.model.model import presence
from associa.model.synthetic import source_columns
from associa.model.system import SYSTEM_FIELDS, system_tags, system_values


def _field_in_table(model: DataModel, table_name: str, name: str,
                    column: np.ndarray | None = None, is_key: bool | None = None) -> dict[str, Any]:
    table = model.tables[table_name]
    fld = model.fields[name]
    col = table.columns[name] if column is None else column
    nonnull = int((col != fld.null_code).sum())
    total = len(fld.symbols)
    if column is None:
        distinct = int(model.full_presence[(table_name, name)].sum())
    else:
        distinct = int(presence(col, None, total).sum())
    key = fld.is_key if is_key is None else is_key
    rec: dict[str, Any] = {
        "qName": name,
        "qOriginalFields": [],
        "qPresent": True,
    }
    if nonnull < table.nrows:
        rec["qHasNull"] = True
    if distinct < nonnull:
        rec["qHasDuplicates"] = True
    if fld.syn:
        rec["qIsSynthetic"] = True
    rec.update(
        {
            "qInformationDensity": (nonnull / table.nrows) if table.nrows else 0,
            "qnNonNulls": nonnull,
            "qnRows": table.nrows,
            "qSubsetRatio": (distinct / total) if total else 0,
            "qnTotalDistinctValues": distinct,
            "qnPresentDistinctValues": distinct,
            "qKeyType": "ANY_KEY" if key else "NOT_KEY",
            "qTags": fld.tags(),
        }
    )
    return rec


def _table_record(model: DataModel, name: str, pos: int, fields: list[dict[str, Any]],
                  synthetic: bool) -> dict[str, Any]:
    rec: dict[str, Any] = {"qName": name}
    if name in model.loose_tables:
        rec["qLoose"] = True
    rec.update({"qNoOfRows": model.tables[name].nrows, "qFields": fields,
                "qPos": {"qx": 0, "qy": pos}})
    if synthetic:
        rec["qIsSynthetic"] = True
    if model.table_tags.get(name):
        rec["qTableTags"] = list(model.table_tags[name])
    return rec


def tables_and_keys(model: DataModel, synthetic_mode: bool = False) -> dict[str, Any]:
    if synthetic_mode or not model.synthetic_tables:
        qtr = []
        for i, table in enumerate(model.tables[t] for t in model.data_tables):
            keys = [f for f in table.fields if model.fields[f].is_key]
            others = [f for f in table.fields if not model.fields[f].is_key]
            recs = [_field_in_table(model, table.name, f) for f in keys + others]
            qtr.append(_table_record(model, table.name, i, recs,
                                     table.name in model.synthetic_tables))
        qk = [
            {"qKeyFields": [name], "qTables": list(fld.tables)}
            for name, fld in model.fields.items()
            if fld.is_key and not fld.system
        ]
        return {"qtr": qtr, "qk": qk}
    return _source_tables_and_keys(model)


def _source_tables_and_keys(model: DataModel) -> dict[str, Any]:
    """The model as loaded: $Syn keys shown as the fields they combine."""
    data = [t for t in model.data_tables if t not in model.synthetic_tables]
    columns = {t: source_columns(model, t) for t in data}
    holders: dict[str, list[str]] = {}
    for t in data:
        for f in columns[t]:
            holders.setdefault(f, []).append(t)
    qtr = []
    for i, t in enumerate(data):
        names = list(columns[t])
        keys = [f for f in names if len(holders[f]) > 1]
        others = [f for f in names if len(holders[f]) <= 1]
        recs = [_field_in_table(model, t, f, columns[t][f], len(holders[f]) > 1)
                for f in keys + others]
        qtr.append(_table_record(model, t, i, recs, False))
    qk: list[dict[str, Any]] = []
    seen: dict[tuple[str, ...], dict[str, Any]] = {}
    for f, ts in holders.items():
        if len(ts) < 2:
            continue
        # fields held by exactly the same tables form one (composite) key
        group = tuple(ts)
        if group in seen:
            seen[group]["qKeyFields"].append(f)
            continue
        seen[group] = {"qKeyFields": [f], "qTables": list(ts)}
        qk.append(seen[group])
    return {"qtr": qtr, "qk": qk}


def field_description(model: DataModel, name: str) -> dict[str, Any]:
    """FieldDescription (true flags only, as the engine leaves out false members); a
    system field ($Table, …) is described from the model's tables."""
    if name in SYSTEM_FIELDS:
        values = system_values(model)[name]
        return {
            "qInternalNumber": len(model.data_fields) + SYSTEM_FIELDS.index(name),
            "qName": name,
            "qSrcTables": [],
            "qIsSystem": True,
            "qIsHidden": True,
            "qCardinal": len(values),
            "qTotalCount": len(values),
            "qIsNumeric": bool(values) and all(isinstance(v, int) for v in values),
            "qTags": system_tags(name, values),
            "qByteSize": sum(len(str(v).encode()) + 8 for v in values),
        }
    fld = model.fields[name]
    total = sum(int((model.tables[t].columns[name] != fld.null_code).sum()) for t in fld.tables)
    out: dict[str, Any] = {
        "qInternalNumber": model.data_fields.index(name),
        "qName": name,
        "qSrcTables": list(fld.tables),
    }
    if fld.hidden:
        out["qIsHidden"] = True
    out.update({
        "qCardinal": len(fld.symbols),
        "qTotalCount": total,
        "qIsNumeric": fld.symbols.all_numeric(),
        "qTags": fld.tags(),
        "qByteSize": int(fld.symbols.text_bytes().sum()) + 8 * len(fld.symbols),
    })
    return out


def _load_order_rows(model: DataModel, table_name: str, offset: int, count: int) -> np.ndarray:
    """The stored rows of load-order rows ``offset`` .. ``offset + count`` of a table
    (a clustered table keeps ``origin``, the load-order row of each stored row)."""
    table = model.tables[table_name]
    end = min(table.nrows, offset + count)
    if offset >= end:
        return np.zeros(0, dtype=np.int64)
    if table.origin is None:
        return np.arange(offset, end, dtype=np.int64)
    stored = np.empty(table.nrows, dtype=np.int64)
    stored[np.asarray(table.origin)] = np.arange(table.nrows, dtype=np.int64)
    return stored[offset:end]


def table_data(model: DataModel, table_name: str, offset: int, count: int,
               synthetic_mode: bool = False) -> list[dict[str, Any]]:
    """GetTableData: the rows ``offset`` .. ``offset + count`` of a table in load order,
    each a TableRow ``{"qValue": [FieldValue, ...]}`` over the table's fields in the
    order of GetTablesAndKeys (the same mode: the source model shows a ``$Syn`` key as
    the fields it combines). A NULL is ``{"qText": "-", "qIsNumeric": false,
    "qNumber": 0, "qIsNull": true}`` (the text the data model viewer shows)."""
    if offset < 0 or count < 0:
        raise InvalidParameters("GetTableData: qOffset and qRows must not be negative")
    shown = tables_and_keys(model, synthetic_mode)["qtr"]
    record = next((t for t in shown if t["qName"] == table_name), None)
    if record is None:
        raise NotFound(table_name)
    names = [f["qName"] for f in record["qFields"]]
    rows = _load_order_rows(model, table_name, offset, count)
    table = model.tables[table_name]
    plain = synthetic_mode or not model.synthetic_tables
    columns = None if plain else source_columns(model, table_name)

    def codes(name: str) -> np.ndarray:
        if columns is not None:
            return np.asarray(columns[name])[rows]
        # a column whose code is its row number is not stored: the rows are its codes
        return rows if table.is_identity(name) else table.columns[name][rows]

    cells: list[list[dict[str, Any]]] = [[] for _ in range(len(rows))]
    for name in names:
        symbols = model.fields[name].symbols
        null = model.fields[name].null_code
        for i, code in enumerate(codes(name).tolist()):
            if code == null:
                cells[i].append({"qText": "-", "qIsNumeric": False, "qNumber": 0,
                                 "qIsNull": True})
                continue
            num = symbols.num(code)
            numeric = not math.isnan(num)
            cells[i].append({"qText": symbols.text(code), "qIsNumeric": numeric,
                             "qNumber": num if numeric else 0})
    return [{"qValue": row} for row in cells]


def loosely_coupled_vector(model: DataModel) -> list[int]:
    """GetLooselyCoupledVector: one state per table of the internal model (the order of
    GetTablesAndKeys with qSyntheticMode), then three values "for internal use" (0 here).
    The API docs' states: 0 not loosely coupled, 1 loosely coupled, 2 loosely coupled and
    not to be changed through the API; the Engine API tutorial shows 2 both for a table
    the engine loosened to break a loop and for one named by LOOSEN TABLE."""
    return [(1 if name in model.api_loose else 2) if name in model.loose_tables else 0
            for name in model.data_tables] + [0, 0, 0]


def loosely_coupled_after(model: DataModel, states: list[int]) -> set[str] | None:
    """SetLooselyCoupledVector: the tables to be loose through the API after setting
    ``states`` (one per table, in GetLooselyCoupledVector's order, then the three values
    for internal use, which are ignored), or None when nothing changes. The API docs: "0
    The table is not loosely coupled. 1 The table is loosely coupled. 2 The table is
    loosely coupled and cannot be changed to another state using the Qlik Engine API"; "A
    state will not be changed if already set to 2" (SetLooselyCoupledVector, .NET SDK).
    So a table the script loosened (a loop broken, LOOSEN TABLE) stays loose; any other
    one follows its new state (1 or 2 loosen it, 0 couples it again)."""
    names = model.data_tables
    if len(states) < len(names):
        raise InvalidParameters(
            f"SetLooselyCoupledVector: {len(states)} states for {len(names)} tables")
    want = set(model.api_loose)
    for name, value in zip(names, states, strict=False):
        if value not in (0, 1, 2):
            raise InvalidParameters(f"SetLooselyCoupledVector: state {value!r} is not 0, 1 or 2")
        if name in model.loose_tables and name not in model.api_loose:
            continue  # state 2: the script's
        if value:
            want.add(name)
        else:
            want.discard(name)
    return None if want == set(model.api_loose) else want
