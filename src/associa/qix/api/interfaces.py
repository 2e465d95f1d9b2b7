"""The interface objects that methods return for handles (``qReturn``)."""

from __future__ import annotations

from typing import Any

from associa.qix.handles import Entry


def doc_interface(entry: Entry) -> dict[str, Any]:
    return {"qType": "Doc", "qHandle": entry.handle, "qGenericId": entry.key[1]}


def object_interface(entry: Entry, qtype: str, qid: str) -> dict[str, Any]:
    return {
        "qType": "GenericObject",
        "qHandle": entry.handle,
        "qGenericType": qtype,
        "qGenericId": qid,
    }


def field_interface(entry: Entry) -> dict[str, Any]:
    return {"qType": "Field", "qHandle": entry.handle}


NOT_FOUND: dict[str, Any] = {"qType": None, "qHandle": None}
