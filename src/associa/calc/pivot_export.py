"""A pivot table's grid as a sheet for ExportData (``calc/export.py`` writes it): read
through the pivot's own pages, with the expansion the object shows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from associa.calc.export import Column, excel_format, field_date_format

PIVOT_PAGE_CELLS = 10_000  # GetHyperCubePivotData's limit per call (pages.MAX_CELLS)


class PivotPageable(Protocol):
    """What a computed pivot hypercube offers: its size, layout and pivot pages."""

    @property
    def size(self) -> dict[str, int]: ...

    def layout(self) -> dict[str, Any]: ...

    def pivot_pages(self, pages: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


@dataclass(slots=True)
class PivotGrid:
    """A pivot table as a sheet, read through its own pivot pages (``NxPivotPage``, as
    ``GetHyperCubePivotData`` answers them), with the expansion the object shows.

    The Engine API reference fixes no layout for a pivot's file (ExportData: "For pivot
    tables: 1048566 column dimensions"; its worked example "Export the data of a generic
    object", https://help.qlik.com/en-US/sense-developer/Subsystems/EngineAPI/Content/Sense_EngineAPI/WorkingWithAppsAndVisualizations/ExportData/export-data-GO.htm,
    exports a pivot made ``qAlwaysFullyExpanded`` for its file to hold every row: the
    file follows the expansion state). associa writes the grid the pivot shows:

    * a column per left entry (dimension, or the measures' pseudo dimension, whose cells
      hold the measures' labels), then a column per leaf column of the top tree;
    * a header row per top entry holding each column's node text on that level (a node
      spanning several columns repeated in each); the last header row's left part holds
      the left dimensions' titles, the rows above hold their top dimension's title in
      the last left column; without a top dimension, one header row (the measure's title
      over its column);
    * a row per leaf row of the left tree as expanded: every left level's node text
      (repeated on each row the node spans, so that each row reads alone), "Total" (the
      dimension's total label) for a total node, an empty cell for a collapsed level;
      then the data cells: in CSV their texts, in xlsx their numbers (NULL empty).

    ``qExportState`` P changes nothing here: a pivot's nodes carry no selection state
    (its trees hold the values of the cube's rows, which are all possible)."""

    table: PivotPageable
    left: list[Column]
    top_titles: list[str]
    measures: list[Column]
    paths: list[list[dict[str, Any]]]  # per data column: its top nodes, outermost first
    columns: list[Column]
    column_measure: list[int | None]  # per data column: its measure (pseudo node), if any
    measure_formats: list[str | None]
    left_formats: list[str | None]

    @classmethod
    def of(cls, table: PivotPageable) -> PivotGrid:
        layout = table.layout()
        locale = getattr(table, "locale", None)
        dims = [Column(str(i.get("qFallbackTitle", "")), False, i.get("qNumFormat") or {},
                       field_date_format(i.get("qTags"), locale))
                for i in layout.get("qDimensionInfo") or [] if isinstance(i, dict)]
        measures = [Column(str(i.get("qFallbackTitle", "")), True, i.get("qNumFormat") or {})
                    for i in layout.get("qMeasureInfo") or [] if isinstance(i, dict)]
        order = list(layout.get("qEffectiveInterColumnSortOrder") or [])
        nleft = int(layout.get("qNoOfLeftDims") or 0)

        def entry(e: int) -> Column:
            return dims[e] if 0 <= e < len(dims) else Column("", False)

        left = [entry(e) for e in order[:nleft]]
        top_titles = [entry(e).title for e in order[nleft:]]
        paths = _top_paths(table)
        column_measure: list[int | None] = []
        data_columns = []
        for path in paths:
            pseudo = next((n.get("qElemNo") for n in path if n.get("qType") == "P"), None)
            m = pseudo if isinstance(pseudo, int) else 0 if len(measures) == 1 else None
            column_measure.append(m)
            texts = [str(n["qText"]) for n in path if n.get("qText")]
            title = " / ".join(texts) if texts else (
                measures[0].title if len(measures) == 1 else "")
            data_columns.append(Column(title, True,
                                       measures[m].num_format if m is not None else {}))
        return cls(table, left, top_titles, measures, paths, left + data_columns,
                   column_measure,
                   [excel_format(c.num_format, c.date_format) for c in measures],
                   [excel_format(c.num_format, c.date_format) for c in left])

    @property
    def nrows(self) -> int:
        return int(self.table.size["qcy"])

    def _data_width(self, width: int | None) -> int:
        ndata = len(self.paths)
        return ndata if width is None else min(ndata, max(width - len(self.left), 0))

    def headers(self, width: int) -> list[list[dict[str, Any]]]:
        nleft, ntop = len(self.left), len(self.top_titles)
        ndata = self._data_width(width)
        if not ntop:
            return [[{"qText": c.title} for c in self.columns[:nleft + ndata]][:width]]
        out = []
        for i in range(ntop):
            corner = [""] * nleft
            if i == ntop - 1:
                corner = [c.title for c in self.left]
            elif nleft:
                corner[-1] = self.top_titles[i]
            tops = [str(path[i].get("qText", "")) if i < len(path) else ""
                    for path in self.paths[:ndata]]
            out.append([{"qText": t} for t in corner + tops][:width])
        return out

    def rows(self, width: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every row: its left cells, then its data cells, read page by page."""
        nleft = len(self.left)
        ndata = self._data_width(width)
        read = max(ndata, 1)  # a page of one column at least, for the left tree
        chunk_w = min(read, PIVOT_PAGE_CELLS)
        chunk_h = max(1, PIVOT_PAGE_CELLS // chunk_w)
        total = self.nrows
        for top in range(0, total, chunk_h):
            height = min(chunk_h, total - top)
            pages = [self.table.pivot_pages([{"qLeft": c, "qTop": top,
                                              "qWidth": min(chunk_w, read - c),
                                              "qHeight": height}])[0]
                     for c in range(0, read, chunk_w)]
            lefts = _leaf_paths(pages[0]["qLeft"])
            for i in range(height):
                path = lefts[i] if i < len(lefts) else []
                cells = [_node_cell(path[j]) if j < len(path) else dict(_EMPTY)
                         for j in range(nleft)]
                for page in pages:
                    matrix = page["qData"]
                    cells += [_data_cell(c) for c in (matrix[i] if i < len(matrix) else [])]
                yield cells[:nleft + ndata]

    def formats(self, row: list[dict[str, Any]]) -> list[str | None]:
        nleft = len(self.left)
        pseudo = next((c.get("qElemNo") for c in row[:nleft] if c.get("qType") == "P"), None)
        out = list(self.left_formats[:nleft])
        for m in self.column_measure[:len(row) - nleft]:
            m = m if m is not None else pseudo
            out.append(self.measure_formats[m] if isinstance(m, int)
                       and 0 <= m < len(self.measure_formats) else None)
        return out


_EMPTY = {"qText": "", "qIsNull": True}


def _top_paths(table: PivotPageable) -> list[list[dict[str, Any]]]:
    """Each leaf column's top nodes, read a page of one row at a time."""
    ncols = int(table.size["qcx"])
    paths: list[list[dict[str, Any]]] = []
    for left in range(0, ncols, PIVOT_PAGE_CELLS):
        width = min(PIVOT_PAGE_CELLS, ncols - left)
        page = table.pivot_pages([{"qLeft": left, "qTop": 0, "qWidth": width,
                                   "qHeight": 1}])[0]
        got = _leaf_paths(page["qTop"])
        paths += (got + [[] for _ in range(width)])[:width]
    return paths


def _leaf_paths(nodes: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The leaves of a page's tree (``NxPivotDimensionCell``s with their ``qSubNodes``),
    in order, each as its nodes from the outermost down."""
    out: list[list[dict[str, Any]]] = []
    stack: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
        (n, []) for n in reversed(nodes)]
    while stack:
        node, above = stack.pop()
        path = above + [node]
        subs = node.get("qSubNodes") or []
        if subs:
            stack.extend((n, path) for n in reversed(subs))
        else:
            out.append(path)
    return out


def _node_cell(node: dict[str, Any]) -> dict[str, Any]:
    """A left node as a cell: its text and number (a collapsed level's placeholder,
    which has no text, as an empty cell)."""
    if "qText" not in node:
        return {**_EMPTY, "qType": node.get("qType"), "qElemNo": node.get("qElemNo")}
    value = node.get("qValue")
    cell = {"qText": node["qText"], "qType": node.get("qType"),
            "qElemNo": node.get("qElemNo")}
    if isinstance(value, int | float) and not isinstance(value, bool) \
            and node.get("qType") == "N":
        cell["qNum"] = value
    return cell


def _data_cell(cell: dict[str, Any]) -> dict[str, Any]:
    if cell.get("qType") == "U":
        return {"qText": cell.get("qText", "-"), "qIsNull": True}
    return {"qText": cell.get("qText", ""), "qNum": cell.get("qNum")}


# -- writers ---------------------------------------------------------------------------


