"""DataFrames over QIX: a hypercube or list object as an Arrow table or DataFrame (all
pages fetched), a field's values with their states, an expression's value, and tables
loaded from DataFrames.

The rows are read with the QIX data calls (GetHyperCubeData, GetListObjectData) page
by page, in pages of at most ``PAGE_CELLS`` cells (the engine refuses larger pages),
and made into columns as the engine's own export does (``calc.export.arrow_table``):
a dimension column holds its values' texts, a measure column float64 numbers, NULL as
null. So the in-process and socket flavours give the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from associa.calc.export import Grid, arrow_table
from associa.client.errors import EngineError
from associa.errors import AssociaError, ScriptError

PAGE_CELLS = 10_000


class RemoteTable:
    """A hypercube or list object of a proxy, as ``calc.export.Pageable``."""

    def __init__(self, call: Callable[..., dict[str, Any]], layout: dict[str, Any]) -> None:
        self.call = call
        if "qHyperCube" in layout:
            self.path, self.method, self.data = ("/qHyperCubeDef", "GetHyperCubeData",
                                                 layout["qHyperCube"])
        elif "qListObject" in layout:
            self.path, self.method, self.data = ("/qListObjectDef", "GetListObjectData",
                                                 layout["qListObject"])
        else:
            raise EngineError(4, "The object has no hypercube or list object",
                              "/qHyperCubeDef")
        mode = self.data.get("qMode", "S")
        if mode != "S":
            raise EngineError(20, f"Hypercubes in mode {mode} have no row table yet",
                              self.path)

    @property
    def size(self) -> dict[str, int]:
        return dict(self.data.get("qSize") or {"qcx": 0, "qcy": 0})

    def layout(self) -> dict[str, Any]:
        return dict(self.data)

    def page(self, page: dict[str, Any]) -> dict[str, Any]:
        width = max(int(page["qWidth"]), 1)
        step = max(PAGE_CELLS // width, 1)
        top, end = int(page["qTop"]), int(page["qTop"]) + int(page["qHeight"])
        matrix: list[Any] = []
        while top < end:
            height = min(step, end - top)
            asked = {**page, "qTop": top, "qHeight": height}
            got = self.call(self.method, self.path, [asked])["qDataPages"]
            matrix.extend(got[0]["qMatrix"] if got else [])
            top += height
        return {"qMatrix": matrix}


class ObjectFrames:
    """On a generic object: its data as a table."""

    helpers: tuple[str, ...] = ("to_arrow", "to_pandas", "to_polars", "html")

    call: Callable[..., dict[str, Any]]
    get_layout: Callable[[], dict[str, Any]]

    def to_arrow(self, totals: bool = False) -> pa.Table:
        """Every row of the object's hypercube or list object. A straight cube is its
        rows; a pivot, stacked or tree cube (qMode P, K, T) its cells in long form
        (``client/cubes.py``), totals only with ``totals``."""
        layout = self.get_layout()
        mode = (layout.get("qHyperCube") or {}).get("qMode", "S")
        if mode in ("P", "K", "T"):
            from associa.client.cubes import long_table

            return long_table(self.call, layout["qHyperCube"], PAGE_CELLS, totals)
        return arrow_table(Grid.of(RemoteTable(self.call, layout)))

    def to_pandas(self, totals: bool = False) -> Any:
        return self.to_arrow(totals).to_pandas()

    def to_polars(self, totals: bool = False) -> Any:
        import polars as pl

        return pl.from_arrow(self.to_arrow(totals))

    def html(self, max_rows: int = 50) -> str:
        """An HTML table of the first ``max_rows`` rows (Jupyter's rich display)."""
        from associa.client.display import table_html

        return table_html(self.get_layout(), self.call, max_rows)

    def _repr_html_(self) -> str:
        return self.html()


class DocFrames:
    """On a doc: hypercubes and fields as tables, values, tables from frames."""

    helpers: tuple[str, ...] = ("hypercube", "field_values", "value", "load_frames",
                                "data_model_svg")

    call: Callable[..., dict[str, Any]]
    connection: Any

    def hypercube(self, dimensions: list[str] | None = None,
                  measures: list[str] | None = None,
                  definition: dict[str, Any] | None = None) -> pa.Table:
        """Every row of a straight hypercube in the current selections, as an Arrow
        table: ``dimensions`` are field names, ``measures`` expressions (or give a whole
        ``HyperCubeDef`` as ``definition``). ``.to_pandas()`` makes a DataFrame."""
        cube = dict(definition) if definition is not None else {
            "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dimensions or []],
            "qMeasures": [{"qDef": {"qDef": m}} for m in measures or []]}
        cube["qInitialDataFetch"] = []
        return self._with_object({"qInfo": {"qType": "associa-frame"},
                                  "qHyperCubeDef": cube})

    def field_values(self, field: str, state: str = "$") -> pa.Table:
        """Every value of ``field`` with its state as the field's list shows it
        (``S`` selected, ``O`` optional, ``A`` alternative, ``X`` excluded, ...):
        columns ``value`` (text), ``number`` (float64, null for a text) and ``state``."""
        made = self.call("CreateSessionObject", {
            "qInfo": {"qType": "associa-field"},
            "qListObjectDef": {"qStateName": state, "qDef": {"qFieldDefs": [field]},
                               "qShowAlternatives": True, "qInitialDataFetch": []}})
        handle = made["qReturn"]
        try:
            layout = self._object_call(handle, "GetLayout")["qLayout"]
            table = RemoteTable(lambda m, *a: self._object_call(handle, m, *a), layout)
            rows = [row[0] for row in _all_rows(table)]
        finally:
            self.call("DestroySessionObject", handle["qGenericId"])
        numbers = [c.get("qNum") for c in rows]
        return pa.table({
            "value": pa.array([None if c.get("qIsNull") else c.get("qText") for c in rows],
                              pa.string()),
            "number": pa.array([float(n) if isinstance(n, int | float) and not
                                isinstance(n, bool) else None for n in numbers],
                               pa.float64()),
            "state": pa.array([c.get("qState") for c in rows], pa.string())})

    def value(self, expression: str) -> float | str | None:
        """An expression's value in the current selections: its number when it has
        one, else its text (EvaluateEx); ``evaluate`` gives the text, as QIX does."""
        got = self.call("EvaluateEx", expression)["qValue"]
        if got.get("qIsNumeric"):
            return float(got["qNumber"])
        return got.get("qText")

    def load_frames(self, frames: Mapping[str, Any]) -> None:
        """Replace the app's data with a table per DataFrame (``{"Sales": df}``); the
        app's script stays as it was. In process the frames are read where they are
        (``app.frames.load_frames``); over a socket each crosses as a Parquet data file
        (``client/datafiles.py``) that a script of ``LOAD * FROM [lib://DataFiles/..]
        (parquet)`` loads (SetScript, DoReload, then the script set back)."""
        transport = self.connection.transport
        session = getattr(transport, "session", None)
        doc = getattr(session, "doc", None)
        from associa.app.frames import frames_script, load_frames, parquet_frames

        if doc is None and not hasattr(transport, "url"):
            raise EngineError(20, "Loading DataFrames needs an app: open or create one "
                              "first", "load_frames")
        try:
            if doc is not None:
                load_frames(doc.app, frames)
                return
            made = parquet_frames(frames)
        except AssociaError as err:  # raised as the socket flavour raises errors
            raise EngineError(err.code, err.message, err.parameter, "load_frames") from err
        from associa.client.datafiles import uploaded

        with uploaded(transport.url, transport.headers, made) as paths:
            script = self.call("GetScript")["qScript"]
            self.call("SetScript", frames_script(
                [(name, path) for (name, _), path in zip(made, paths, strict=True)]))
            try:
                loaded = self.call("DoReload", 0, False, False)["qReturn"]
            finally:
                self.call("SetScript", script)
        if not loaded:
            raise EngineError(ScriptError.code, "The frames could not be loaded",
                              "load_frames")

    def data_model_svg(self) -> str:
        """The data model as a picture: tables and their fields, keys linking them."""
        from associa.client.display import data_model_svg

        return data_model_svg(self.call("GetTablesAndKeys", {"qcx": 0, "qcy": 0},
                                        {"qcx": 0, "qcy": 0}, 0, True, False)["qtr"])

    def _repr_svg_(self) -> str:
        return self.data_model_svg()

    def _with_object(self, props: dict[str, Any]) -> pa.Table:
        handle = self.call("CreateSessionObject", props)["qReturn"]
        try:
            layout = self._object_call(handle, "GetLayout")["qLayout"]
            return arrow_table(Grid.of(RemoteTable(
                lambda m, *a: self._object_call(handle, m, *a), layout)))
        finally:
            self.call("DestroySessionObject", handle["qGenericId"])

    def _object_call(self, handle: dict[str, Any], method: str, *params: Any) -> Any:
        return self.connection.call(int(handle["qHandle"]), method, list(params))


def _all_rows(table: RemoteTable) -> list[list[dict[str, Any]]]:
    size = table.size
    return table.page({"qTop": 0, "qLeft": 0, "qWidth": size["qcx"],
                       "qHeight": size["qcy"]})["qMatrix"]
