"""The Backend API of Qlik's extensions (``this.backendApi``), on a generic object.

The same semantics as the JavaScript module (clients/backend-api) and Qlik's Backend
API reference; tests/clients/data/backend-api-scenario.json is played by both. The
helpers keep the object's layout as last painted and the rows the client has:

* ``select_values(dim, values, toggle)``: values by ``qElemNumber`` in dimension
  ``dim`` (SelectHyperCubeValues; a list object's SelectListObjectValues, ``dim``
  ignored). The first select puts the object in modal mode (BeginSelections);
* ``select_range(ranges, or_mode)``: NxRangeSelectInfo items
  (``{"qMeasureIx", "qRange": {"qMin", "qMax", "qMinInclEq", "qMaxInclEq"}}``) are sent
  as RangeSelectHyperCubeValues, NxMultiRangeSelectInfo items (``qRanges``,
  ``qColumnsToSelect``) as MultiRangeSelectHyperCubeValues; with ``or_mode`` a row needs
  only one measure in range. Hypercubes only, in modal mode;
* ``end_selections(accept)``: leaves modal mode keeping the selections or going back
  (EndSelections); ``has_selections()``: selections made in modal mode and not yet
  confirmed (``qSelectionInfo`` with ``qInSelections`` and ``qMadeSelections``);
* ``clear_selections()``; ``search(term)``, ``accept_search(toggle)`` (in modal mode),
  ``abort_search()`` on a list object;
* ``each_data_row(callback)``: ``callback(row_number, row)`` for the rows of the current
  layout's pages and of the pages ``get_data`` fetched after it, in row order;
  ``callback`` returning False stops (the row is returned). A ``change`` of the object
  means a new layout: the rows fetched before are dropped. ``get_data_row(n)``,
  ``get_row_count()``;
* ``get_properties()``, ``set_properties(props)``: the QIX methods as they are.

Three helpers share their name with a QIX method of GenericObject and take the Backend
API's parameters instead: ``select_values`` is not Field.SelectValues,
``clear_selections()`` takes no path and ``end_selections`` does nothing outside modal
mode; ``obj.call("ClearSelections", path, columns)`` is the QIX method as the engine
names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from associa.client.errors import EngineError

Row = list[dict[str, Any]]
LIST, CUBE = "/qListObjectDef", "/qHyperCubeDef"
# where a layout keeps its data: the definition's path -> the layout member
DATA_MEMBER = {LIST: "qListObject", CUBE: "qHyperCube"}


class BackendApiError(EngineError):
    """A call the object cannot take (a search on a hypercube, a range on a list)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(4, message, path)  # the QIX code of invalid parameters


class BackendApi:
    helpers: tuple[str, ...] = (
        "select_values", "select_range", "clear_selections", "has_selections",
        "end_selections", "search", "accept_search", "abort_search", "get_data",
        "each_data_row", "get_data_row", "get_row_count")

    # set by the connection, before the reply that carried the object's ``change`` is
    # handed over: the painted layout is stale
    outdated: bool = True
    _painted: dict[str, Any] | None = None
    _path: str = ""
    _rows: dict[int, Row]

    # given by the proxy class: the object's QIX calls
    call: Callable[..., dict[str, Any]]
    get_layout: Callable[[], dict[str, Any]]

    # -- the painted layout ---------------------------------------------------------

    def _layout(self) -> dict[str, Any]:
        """The layout as painted, fetched again when the object changed since."""
        while self.outdated or self._painted is None:
            self.outdated = False
            layout = self.get_layout()
            if self.outdated:  # changed again meanwhile: that layout is overtaken
                continue
            if not self._path:
                self._path = next((p for p, m in DATA_MEMBER.items() if m in layout), "")
                if not self._path:
                    raise BackendApiError("The object has no hypercube or list object", CUBE)
            self._painted, self._rows = layout, {}
            self._keep(layout.get(DATA_MEMBER[self._path], {}).get("qDataPages", []))
        return self._painted

    def _data_path(self) -> str:
        self._layout()
        return self._path

    def _data(self) -> dict[str, Any]:
        data: dict[str, Any] = self._layout().get(DATA_MEMBER[self._data_path()], {})
        return data

    def _keep(self, pages: list[dict[str, Any]]) -> None:
        for page in pages:
            top = int(page.get("qArea", {}).get("qTop", 0))
            left = int(page.get("qArea", {}).get("qLeft", 0))
            for i, cells in enumerate(page.get("qMatrix", [])):
                row = self._rows.setdefault(top + i, [])
                if len(row) < left + len(cells):
                    row.extend([{}] * (left + len(cells) - len(row)))
                row[left:left + len(cells)] = cells

    # -- selections -----------------------------------------------------------------

    def _in_selections(self) -> bool:
        return bool((self._layout().get("qSelectionInfo") or {}).get("qInSelections"))

    def _selecting(self, method: str, *params: Any) -> bool:
        """A selecting call in modal mode (BeginSelections first unless in it)."""
        if not self._in_selections():
            self.call("BeginSelections", [self._path])
        result = self.call(method, *params)
        return bool(result.get("qSuccess"))

    def select_values(self, dim: int, values: list[int], toggle: bool = False) -> bool:
        path = self._data_path()
        if path == LIST:
            return self._selecting("SelectListObjectValues", path, values, toggle)
        return self._selecting("SelectHyperCubeValues", path, dim, values, toggle)

    def select_range(self, ranges: list[dict[str, Any]], or_mode: bool = False) -> bool:
        path = self._data_path()
        if path != CUBE:
            raise BackendApiError("select_range: only hypercubes have measures", path)
        if any(isinstance(r.get("qRanges"), list) for r in ranges):
            return self._selecting("MultiRangeSelectHyperCubeValues", path, ranges, or_mode)
        return self._selecting("RangeSelectHyperCubeValues", path, ranges, [], or_mode)

    def clear_selections(self) -> None:
        self.call("ClearSelections", self._data_path(), [])

    def has_selections(self) -> bool:
        info = self._layout().get("qSelectionInfo") or {}
        return bool(info.get("qInSelections") and info.get("qMadeSelections"))

    def end_selections(self, accept: bool = True) -> None:
        if self._in_selections():
            self.call("EndSelections", accept)

    # -- search (list objects) ------------------------------------------------------

    def _list_only(self, name: str) -> None:
        if self._data_path() != LIST:
            raise BackendApiError(f"{name}: only list objects are searched", self._path)

    def search(self, term: str) -> bool:
        self._list_only("search")
        return bool(self.call("SearchListObjectFor", LIST, term).get("qSuccess"))

    def accept_search(self, toggle: bool = False) -> None:
        self._list_only("accept_search")
        self._selecting("AcceptListObjectSearch", LIST, toggle)

    def abort_search(self) -> None:
        self._list_only("abort_search")
        self.call("AbortListObjectSearch", LIST)

    # -- data -----------------------------------------------------------------------

    def get_row_count(self) -> int:
        """The number of rows of the object (all, not only those the client has)."""
        return int(self._data().get("qSize", {}).get("qcy", 0))

    def get_data(self, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The pages asked for (``[{"qTop", "qLeft", "qWidth", "qHeight"}]``), added to
        the rows ``each_data_row`` sees unless a new layout came meanwhile."""
        path = self._data_path()
        painted = self._painted
        method = "GetListObjectData" if path == LIST else "GetHyperCubeData"
        got: list[dict[str, Any]] = self.call(method, path, pages)["qDataPages"]
        if not self.outdated and self._painted is painted:
            self._keep(got)
        return got

    def get_data_row(self, rownum: int) -> Row | None:
        """The row, or None when the client does not have it (``get_data`` brings it)."""
        self._layout()
        return self._rows.get(rownum)

    def each_data_row(self, callback: Callable[[int, Row], Any]) -> Row | None:
        self._layout()
        for number, row in sorted(self._rows.items()):
            if callback(number, row) is False:
                return row
        return None
