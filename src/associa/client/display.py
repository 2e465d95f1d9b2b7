"""Rich display in Jupyter: a hypercube as an HTML table, the data model as an SVG.

A generic object's ``_repr_html_`` is ``table_html``: the titles of its dimensions and
measures, then its first rows as the engine formats them (texts escaped). A doc's
``_repr_svg_`` is ``data_model_svg``: a box per table with its fields, a line between
two tables for each field they share (the key that associates them).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

BOX_WIDTH = 180
LINE = 18
GAP = 40


def table_html(layout: dict[str, Any], call: Callable[..., dict[str, Any]],
               max_rows: int = 50) -> str:
    from associa.client.frames import RemoteTable

    table = RemoteTable(call, layout)
    data = table.layout()
    dims = data.get("qDimensionInfo")
    dims = dims if isinstance(dims, list) else [dims] if isinstance(dims, dict) else []
    titles = [str(i.get("qFallbackTitle", "")) for i in dims]
    titles += [str(i.get("qFallbackTitle", "")) for i in data.get("qMeasureInfo") or []]
    size = table.size
    rows = table.page({"qTop": 0, "qLeft": 0, "qWidth": size["qcx"],
                       "qHeight": min(max_rows, size["qcy"])})["qMatrix"]
    head = "".join(f"<th>{escape(t)}</th>" for t in titles)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c.get('qText', '')))}</td>" for c in row) + "</tr>"
        for row in rows)
    more = (f"<p>{size['qcy'] - len(rows)} more rows</p>"
            if size["qcy"] > len(rows) else "")
    return (f'<table class="associa-hypercube"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{more}")


def data_model_svg(tables: list[dict[str, Any]]) -> str:
    """An SVG of ``GetTablesAndKeys``' tables (``qtr``)."""
    boxes: dict[str, tuple[int, int, int]] = {}  # table: x, y, height
    parts: list[str] = []
    for i, table in enumerate(tables):
        fields = [str(f.get("qName", "")) for f in table.get("qFields", [])]
        x, y, height = GAP + i * (BOX_WIDTH + GAP), GAP, LINE * (len(fields) + 1) + 6
        name = str(table.get("qName", ""))
        boxes[name] = (x, y, height)
        parts.append(f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{height}" '
                     'fill="#f4f6f8" stroke="#445"/>')
        parts.append(f'<text x="{x + 6}" y="{y + LINE - 4}" font-weight="bold">'
                     f"{escape(name)}</text>")
        for j, field in enumerate(fields):
            parts.append(f'<text x="{x + 12}" y="{y + LINE * (j + 2) - 4}">'
                         f"{escape(field)}</text>")
    # a line from each table to the next one that shares a field with it
    for i, table in enumerate(tables):
        mine = {f.get("qName") for f in table.get("qFields", [])}
        for other in tables[i + 1:]:
            shared = mine & {f.get("qName") for f in other.get("qFields", [])}
            if shared:
                x1, y1, h1 = boxes[str(table.get("qName", ""))]
                x2, y2, h2 = boxes[str(other.get("qName", ""))]
                label = escape(", ".join(sorted(str(s) for s in shared)))
                parts.append(f'<line x1="{x1 + BOX_WIDTH}" y1="{y1 + h1 // 2}" x2="{x2}" '
                             f'y2="{y2 + h2 // 2}" stroke="#c33" class="key"><title>{label}'
                             "</title></line>")
    width = GAP + len(tables) * (BOX_WIDTH + GAP)
    height = GAP * 2 + max((h for _, _, h in boxes.values()), default=0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="12">{"".join(parts)}</svg>')
