"""The system fields of a data model: ``$Table``, ``$Field``, ``$Rows``, ``$Fields``,
``$FieldNo`` and ``$Info`` (Qlik help, "System fields"; QlikView's system table box shows
one row per table and field).

They are described, not stored: field lists show them with ``qShowSystem`` (hidden,
tagged ``$system``), GetFieldDescription answers for them; they are not fields of the
model (no selections or expressions on them yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from associa.model.model import DataModel

__all__ = ["SYSTEM_FIELDS", "system_tags", "system_values"]

SYSTEM_FIELDS = ("$Field", "$Table", "$Rows", "$Fields", "$FieldNo", "$Info")


def system_values(model: DataModel) -> dict[str, list[Any]]:
    """Each system field's distinct values, in load order."""
    tables = list(model.tables.values())
    widths = [len(t.fields) for t in tables]
    return {
        "$Field": list(model.fields),
        "$Table": [t.name for t in tables],
        "$Rows": list(dict.fromkeys(t.nrows for t in tables)),
        "$Fields": list(dict.fromkeys(widths)),
        "$FieldNo": list(range(1, max(widths, default=0) + 1)),
        "$Info": [],
    }


def system_tags(name: str, values: Iterable[Any]) -> list[str]:
    """``$key`` for the two that link the system tables, ``$hidden``, ``$system``, then the
    type tags of the values."""
    keys = ["$key"] if name in ("$Field", "$Table") else []
    return [*keys, "$hidden", "$system", *_type_tags(values)]


def _type_tags(values: Iterable[Any]) -> list[str]:
    values = list(values)
    if not values:
        return []
    if all(isinstance(v, int) for v in values):
        return ["$numeric", "$integer"]
    texts = [str(v) for v in values]
    return ["$ascii", "$text"] if all(t.isascii() for t in texts) else ["$text"]
