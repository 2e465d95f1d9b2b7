"""Hypercubes as Arrow tables (and pandas DataFrames) for the Python API.

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

from typing import Any

import pyarrow as pa

from associa.app.doc import DocState, resolve_path
from associa.calc.export import Grid, arrow_table
from associa.errors import InvalidPath, NotFound, NotImplementedInEngine


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
