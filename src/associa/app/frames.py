"""DataFrames in and out of an app, for the Python API.

``load_frames(app, {"Sales": frame})`` makes each pandas or polars DataFrame (or Arrow
table) a table of the app, without a script file: the frames are written as Parquet in
memory and a script of ``LOAD * FROM [lib://frames/<name>.parquet] (parquet)``
statements reads them, so that a frame's fields are typed, encoded, associated by
name and logged exactly as a file's (frames with the same fields concatenate, as LOADs
do). The app's own script is not changed; reloading it replaces the frames' tables.

Hypercubes as Arrow tables (and pandas DataFrames):

``hypercube_table(doc, definition)`` computes a straight hypercube in ``doc``'s selections
(as a session object would be: dollar-sign expansions, set analysis, its state) and gives
every row, not a page: one column per dimension (the values' texts, as the table shows
them) and per measure (float64 numbers), titled as the layout titles them, NULL as null.
``object_table`` does the same for a hypercube an object already holds. A pandas
DataFrame is ``.to_pandas()`` of the result (pandas installed)::

    doc = DocState(app)
    doc.select("Product", "Bike")
    frame = hypercube_table(doc, {"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
                                  "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]})
    frame.to_pandas()
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from associa.app.doc import DocState, resolve_path
from associa.calc.export import Grid, arrow_table
from associa.errors import InvalidParameters, InvalidPath, NotFound, NotImplementedInEngine

if TYPE_CHECKING:
    from associa.app.app import App
    from associa.script.interpreter import ReloadResult

FRAMES_LIB = "lib://frames/"


def arrow_of(frame: Any) -> pa.Table:
    """An Arrow table of a pandas or polars DataFrame, an Arrow table or record batch,
    or anything with the Arrow C stream interface; InvalidParameters else."""
    if isinstance(frame, pa.Table):
        return frame
    if isinstance(frame, pa.RecordBatch):
        return pa.Table.from_batches([frame])
    module = type(frame).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(frame, preserve_index=False)
    if module == "polars" and hasattr(frame, "to_arrow"):
        return frame.to_arrow()
    if hasattr(frame, "__arrow_c_stream__"):
        return pa.table(frame)
    raise InvalidParameters(type(frame).__name__,
                            "Expected a pandas or polars DataFrame or an Arrow table")


def parquet_frames(frames: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """Each frame as ``(table name, Parquet bytes)``, checked: no frames, a name with
    ``]`` or ``/``, a frame without columns or with a repeated column name, something
    not a frame raise InvalidParameters. The client's socket flavour uploads these."""
    import pyarrow.parquet as pq

    if not frames:
        raise InvalidParameters("frames", "Give at least one table: {name: DataFrame}")
    out: list[tuple[str, bytes]] = []
    for name, frame in frames.items():
        if not isinstance(name, str) or not name.strip() or "]" in name or "/" in name:
            raise InvalidParameters(str(name), "A table name must be a non-empty text "
                                    "without ']' or '/'")
        table = arrow_of(frame)
        if table.num_columns == 0:
            raise InvalidParameters(name, "The frame has no columns")
        if len(set(table.column_names)) != table.num_columns:
            raise InvalidParameters(name, "The frame has a repeated column name")
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        out.append((name, buffer.getvalue()))
    return out


def frames_script(paths: list[tuple[str, str]]) -> str:
    """The script that loads each ``(table name, lib:// path)`` Parquet file."""
    return "".join(f"[{name}]:\nLOAD * FROM [{path}] (parquet);\n" for name, path in paths)


def load_frames(app: App, frames: Mapping[str, Any]) -> ReloadResult:
    """Replace ``app``'s data with one table per frame (``{"Sales": frame}``). Bad input
    (see ``parquet_frames``) raises InvalidParameters and changes nothing."""
    made = parquet_frames(frames)
    paths = [(name, f"{FRAMES_LIB}{name}.parquet") for name, _ in made]
    files = {path: data for (_, path), (_, data) in zip(paths, made, strict=True)}

    def open_file(path: str) -> bytes:
        if path in files:
            return files[path]
        raise NotFound(path, "Only the frames given can be read")

    return app.reload(script=frames_script(paths), open_file=open_file)


def hypercube_table(doc: DocState, definition: dict[str, Any],
                    state: str | None = None) -> pa.Table:
    """Every row of the straight hypercube ``definition`` (a ``HyperCubeDef``) in
    ``doc``'s selections (``state``: an alternate state's); the definition is checked
    and completed as the engine's properties are (wrong types raise error 8)."""
    props: dict[str, Any] = {"qInfo": {"qType": "associa-frame"},
                             "qHyperCubeDef": dict(definition)}
    if state:
        props["qHyperCubeDef"]["qStateName"] = state
    made = doc.create_session_object(props)
    obj_id = made["qInfo"]["qId"]
    try:
        return object_table(doc, obj_id)
    finally:
        doc.destroy_session_object(obj_id)


def object_table(doc: DocState, obj_id: str, path: str = "/qHyperCubeDef") -> pa.Table:
    """Every row of the straight hypercube at ``path`` in the object ``obj_id``."""
    found = doc.properties(obj_id)
    if found is None:
        raise NotFound(obj_id, "Object not found")
    definition = resolve_path(found[0], path)
    if not path.rstrip("/").endswith("qHyperCubeDef"):
        raise InvalidPath(path)
    mode = definition.get("qMode") or "S"
    if mode != "S":
        raise NotImplementedInEngine(path, f"Hypercubes in mode {mode} have no row table yet")
    return arrow_table(Grid.of(doc.hypercube(obj_id, path, definition)))
