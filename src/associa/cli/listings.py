"""``associa fields|tables|keys|objects|measures|dimensions|variables|bookmarks APP``:
what an app holds, one row per item, as a table or (``--json``) a list of objects.

Each listing is a row of ``LISTINGS``: its help and how its rows come from QIX (the
data model's GetTablesAndKeys and list objects, the app's GetAllInfos)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from associa.cli import options
from associa.cli.folder import opened
from associa.cli.options import command
from associa.cli.output import show
from associa.cli.remote import Doc

Rows = list[list[Any]]


def _list(doc: Doc, definition: str, member: str, spec: dict[str, Any]) -> list[dict[str, Any]]:
    layout = doc.create_session_object({"qInfo": {"qType": "associa-cli"},
                                        definition: spec}).get_layout()
    return list(layout.get(member, {}).get("qItems", []))


def fields(doc: Doc) -> Rows:
    items = _list(doc, "qFieldListDef", "qFieldList", {"qShowSrcTables": True})
    return [[f["qName"], ", ".join(f.get("qSrcTables") or []), f.get("qCardinal", 0),
             ", ".join(f.get("qTags") or [])] for f in items]


def tables(doc: Doc) -> Rows:
    return [[t["qName"], t.get("qNoOfRows", 0), len(t.get("qFields", [])),
             ", ".join(f["qName"] for f in t.get("qFields", []))]
            for t in doc.get_tables_and_keys()["qtr"]]


def keys(doc: Doc) -> Rows:
    return [[", ".join(k["qKeyFields"]), ", ".join(k["qTables"])]
            for k in doc.get_tables_and_keys()["qk"]]


LIBRARY_TYPES = {"dimension", "measure", "variable", "bookmark"}


def objects(doc: Doc) -> Rows:
    return [[i["qId"], i["qType"]] for i in doc.get_all_infos()
            if i["qType"] not in LIBRARY_TYPES]


def measures(doc: Doc) -> Rows:
    spec = {"qType": "measure", "qData": {"title": "/qMetaDef/title", "label": "/qMeasure/qLabel",
                                          "expression": "/qMeasure/qDef"}}
    return [[m["qInfo"]["qId"], m["qData"].get("title") or m["qData"].get("label", ""),
             m["qData"].get("expression", "")]
            for m in _list(doc, "qMeasureListDef", "qMeasureList", spec)]


def dimensions(doc: Doc) -> Rows:
    spec = {"qType": "dimension", "qData": {"title": "/qMetaDef/title",
                                            "fields": "/qDim/qFieldDefs"}}
    return [[d["qInfo"]["qId"], d["qData"].get("title", ""),
             ", ".join(d["qData"].get("fields") or [])]
            for d in _list(doc, "qDimensionListDef", "qDimensionList", spec)]


def variables(doc: Doc) -> Rows:
    spec = {"qType": "variable", "qShowReserved": False, "qShowConfig": False}
    return [[v["qName"], v.get("qDefinition", ""),
             "script" if v.get("qIsScriptCreated") else "app"]
            for v in _list(doc, "qVariableListDef", "qVariableList", spec)]


def bookmarks(doc: Doc) -> Rows:
    spec = {"qType": "bookmark", "qData": {"title": "/qMetaDef/title"}}
    return [[b["qInfo"]["qId"], b["qData"].get("title") or b.get("qMeta", {}).get("title", "")]
            for b in _list(doc, "qBookmarkListDef", "qBookmarkList", spec)]


@dataclass(frozen=True, slots=True)
class Listing:
    name: str
    summary: str
    columns: tuple[str, ...]
    rows: Callable[[Doc], Rows]
    numeric: tuple[bool, ...] = ()


LISTINGS: tuple[Listing, ...] = (
    Listing("fields", "the data model's fields: tables, distinct values, tags",
            ("field", "tables", "distinct", "tags"), fields, (False, False, True, False)),
    Listing("tables", "the data model's tables: rows and fields",
            ("table", "rows", "fields", "field names"), tables, (False, True, True, False)),
    Listing("keys", "the key fields that link tables", ("key", "tables"), keys),
    Listing("objects", "the app's sheets, charts and other objects", ("id", "type"), objects),
    Listing("measures", "the master measures", ("id", "title", "expression"), measures),
    Listing("dimensions", "the master dimensions", ("id", "title", "fields"), dimensions),
    Listing("variables", "the variables (the script's and the app's)",
            ("name", "definition", "from"), variables),
    Listing("bookmarks", "the bookmarks", ("id", "title"), bookmarks),
)


def add(group: click.Group) -> None:
    for listing in LISTINGS:
        _add(group, listing)


def _add(group: click.Group, listing: Listing) -> None:
    @command(
        group, listing.name, f"list {listing.summary}",
        f"List {listing.summary} of a saved app: one row each, columns "
        f"{', '.join(listing.columns)}.",
        f"""
        associa {listing.name} demo
        associa {listing.name} demo --json
        """,
    )
    @options.app_argument
    @options.data_dir
    @options.engine
    @options.as_json
    def run(app: str, data_dir: str | None, engine_url: str | None, as_json: bool) -> None:
        with opened(app, data_dir, engine_url) as doc:
            show(listing.columns, listing.rows(doc), as_json, listing.numeric or None)
