"""A data model in brief: its tables, their fields and rows. An app keeps the summary
of the model a reload replaced (``App.previous_summary``), so ``associa diff`` can say
what the last reload changed."""

from __future__ import annotations

from typing import Any

from associa.model import DataModel


def model_summary(model: DataModel) -> dict[str, Any]:
    """``{"tables": {name: {"rows": n, "fields": [...]}}}`` over the data tables."""
    return {"tables": {name: {"rows": int(model.tables[name].nrows),
                              "fields": list(model.tables[name].fields)}
                       for name in model.data_tables}}


def summary_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[list[Any]]:
    """What changed, one row each: [change, table, detail, rows before, rows after]."""
    old: dict[str, Any] = (before or {}).get("tables", {})
    new: dict[str, Any] = after.get("tables", {})
    out: list[list[Any]] = []
    for name, table in new.items():
        if name not in old:
            out.append(["table added", name, ", ".join(table["fields"]), None, table["rows"]])
            continue
        was = old[name]
        added = [f for f in table["fields"] if f not in was["fields"]]
        removed = [f for f in was["fields"] if f not in table["fields"]]
        if added:
            out.append(["fields added", name, ", ".join(added), None, None])
        if removed:
            out.append(["fields removed", name, ", ".join(removed), None, None])
        if was["rows"] != table["rows"]:
            out.append(["rows changed", name, f"{table['rows'] - was['rows']:+d}",
                        was["rows"], table["rows"]])
    for name, was in old.items():
        if name not in new:
            out.append(["table removed", name, ", ".join(was["fields"]), was["rows"], None])
    return out
