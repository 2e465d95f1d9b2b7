"""The Backend API of Qlik's extensions (``this.backendApi``), on a generic object.

Qlik documents it as helpers around Engine API calls that know their object: the
object's data is its hypercube (``/qHyperCubeDef``) or list object
(``/qListObjectDef``), and the helpers call the engine at once, so that the object
repaints through ``change`` (``on_change``):

* ``select_values(dim, values, toggle)``: values by ``qElemNumber`` in dimension
  ``dim`` (SelectHyperCubeValues; a list object's SelectListObjectValues);
* ``select_range(ranges, toggle)``: ranges of measure values, each
  ``{"qMeasureIx": i, "qRange": {"qMin", "qMax", "qMinInclEq", "qMaxInclEq"}}``
  (RangeSelectHyperCubeValues; ``toggle`` is its qOrMode);
* ``clear_selections()``, ``has_selections()`` (the object is in modal selection mode
  with selections not yet confirmed: its layout's ``qSelectionInfo.qInSelections``);
* ``search(term)``, ``accept_search(toggle)``, ``abort_search()`` on a list object;
* ``get_data(pages)`` (GetHyperCubeData or GetListObjectData) and
  ``each_data_row(callback)``: ``callback(row_number, row)`` for every row fetched so
  far: the layout's first page and the pages ``get_data`` brought, in row order;
  ``callback`` returning False stops;
* ``get_properties()``, ``set_properties(props)``: the QIX methods as they are.

Two helpers share their name with a QIX method of GenericObject and take the Backend
API's parameters instead: ``select_values`` is not Field.SelectValues and
``clear_selections()`` takes no path; ``obj.call("ClearSelections", path, columns)``
is the QIX method as the engine names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = list[dict[str, Any]]


class BackendApi:
    helpers: tuple[str, ...] = (
        "select_values", "select_range", "clear_selections", "has_selections", "search",
        "accept_search", "abort_search", "get_data", "each_data_row")

    _fetched_rows: dict[int, Row]  # rows fetched so far, by row number

    # given by the proxy class: the object's QIX calls
    call: Callable[..., dict[str, Any]]
    get_layout: Callable[[], dict[str, Any]]

    def _data_path(self, layout: dict[str, Any] | None = None) -> str:
        layout = self.get_layout() if layout is None else layout
        if "qHyperCube" in layout:
            return "/qHyperCubeDef"
        if "qListObject" in layout:
            return "/qListObjectDef"
        from associa.client.errors import EngineError

        raise EngineError(4, "The object has no hypercube or list object", "/qHyperCubeDef")

    def select_values(self, dim: int, values: list[int], toggle: bool = False) -> bool:
        path = self._data_path()
        if path == "/qListObjectDef":
            result = self.call("SelectListObjectValues", path, values, toggle)
        else:
            result = self.call("SelectHyperCubeValues", path, dim, values, toggle)
        return bool(result.get("qSuccess"))

    def select_range(self, ranges: list[dict[str, Any]], toggle: bool = False) -> bool:
        result = self.call("RangeSelectHyperCubeValues", self._data_path(), ranges, [],
                           toggle)
        return bool(result.get("qSuccess"))

    def clear_selections(self) -> None:
        self.call("ClearSelections", self._data_path(), [])

    def has_selections(self) -> bool:
        info = self.get_layout().get("qSelectionInfo") or {}
        return bool(info.get("qInSelections"))

    def search(self, term: str) -> bool:
        return bool(self.call("SearchListObjectFor", "/qListObjectDef", term).get("qSuccess"))

    def accept_search(self, toggle: bool = False) -> None:
        self.call("AcceptListObjectSearch", "/qListObjectDef", toggle)

    def abort_search(self) -> None:
        self.call("AbortListObjectSearch", "/qListObjectDef")

    # -- data -----------------------------------------------------------------------

    def changed(self) -> None:
        """The object's data changed: rows fetched before are stale."""
        self._fetched_rows = {}
        super().changed()  # type: ignore[misc]

    def _rows(self) -> dict[int, Row]:
        rows: dict[int, Row] | None = getattr(self, "_fetched_rows", None)
        if rows is None:
            rows = {}
            self._fetched_rows = rows
        return rows

    def _keep(self, pages: list[dict[str, Any]], width: int | None = None) -> None:
        rows = self._rows()
        for page in pages:
            top = int(page.get("qArea", {}).get("qTop", 0))
            left = int(page.get("qArea", {}).get("qLeft", 0))
            for i, cells in enumerate(page.get("qMatrix", [])):
                row = rows.setdefault(top + i, [])
                if len(row) < left + len(cells):
                    row.extend([{}] * (left + len(cells) - len(row)))
                row[left:left + len(cells)] = cells

    def get_data(self, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The pages asked for (``[{"qTop", "qLeft", "qWidth", "qHeight"}]``), kept for
        ``each_data_row``."""
        path = self._data_path()
        method = "GetListObjectData" if path == "/qListObjectDef" else "GetHyperCubeData"
        got: list[dict[str, Any]] = self.call(method, path, pages)["qDataPages"]
        self._keep(got)
        return got

    def each_data_row(self, callback: Callable[[int, Row], Any]) -> None:
        layout = self.get_layout()
        data = layout.get("qHyperCube") or layout.get("qListObject") or {}
        self._keep(data.get("qDataPages", []))
        for number, row in sorted(self._rows().items()):
            if callback(number, row) is False:
                return
