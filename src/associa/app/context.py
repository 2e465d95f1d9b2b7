"""The context field and system functions read in a session (``expr/system.py``).

``AppContext`` answers for one session's ``DocState`` in one selection state: a field's
state codes and value texts (the inference's, as list objects show them), the order fields
got their selections (as the current-selections object lists them), the app's id, title
and last reload, the user, and the labels of the object the expression belongs to.
"""

from __future__ import annotations

import getpass
import platform
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from associa import __version__
from associa.errors import AssociaError, ExpressionError
from associa.expr.system import FieldStatus
from associa.identity import ANONYMOUS
from associa.model import DataModel
from associa.select import Inference, SelectionState

if TYPE_CHECKING:
    from associa.app.doc import DocState

ENGINE_VERSION = "12.2027.0"  # the QIX version the engine answers (qix/api/global_.py)
_UNIX_DAY = 25569  # serial of 1970-01-01


class _Texts(Sequence[str]):
    """The texts of a field's symbols, made when read."""

    def __init__(self, symbols: Any) -> None:
        self.symbols = symbols

    def __len__(self) -> int:
        return len(self.symbols)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self.symbols.text(j) for j in range(*i.indices(len(self)))]
        return self.symbols.text(int(i))

    def __iter__(self) -> Iterator[str]:
        return (self.symbols.text(j) for j in range(len(self)))


def object_labels(definition: Any) -> tuple[list[str], list[str], list[str]]:
    """(dimension fields, dimension labels, measure labels) of a qHyperCubeDef, for
    GetObjectField / GetObjectDimension / GetObjectMeasure."""
    fields: list[str] = []
    labels: list[str] = []
    measures: list[str] = []
    if not isinstance(definition, dict):
        return fields, labels, measures
    for dim in definition.get("qDimensions") or []:
        qdef = dim.get("qDef") if isinstance(dim, dict) else None
        if not isinstance(qdef, dict):
            continue
        defs = qdef.get("qFieldDefs") or [""]
        names = qdef.get("qFieldLabels") or []
        field = str(defs[0]).lstrip("=") if defs else ""
        fields.append(field)
        label = names[0] if names and names[0] else qdef.get("qLabel") or field
        labels.append(str(label))
    for meas in definition.get("qMeasures") or []:
        qdef = meas.get("qDef") if isinstance(meas, dict) else None
        if not isinstance(qdef, dict):
            continue
        measures.append(str(qdef.get("qLabel") or qdef.get("qDef") or ""))
    return fields, labels, measures


def reload_serial(iso: str) -> float | None:
    """An ISO UTC time stamp (App.last_reload_time) as a local serial, or None."""
    if not iso:
        return None
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return None
    offset = when.utcoffset()
    seconds = when.timestamp() + (offset.total_seconds() if offset else 0.0)
    return _UNIX_DAY + seconds / 86400.0


class AppContext:
    """``expr.system.Context`` for a session's DocState in ``state`` (the object's)."""

    def __init__(self, doc: DocState, state: str | None = "$",
                 hypercube_def: Any = None) -> None:
        self.doc = doc
        self.state_name = state or "$"
        app = doc.app
        self.app_id = app.id
        self.app_title = app.title
        self.app_path = app.id
        self.reload_time = reload_serial(app.last_reload_time)
        self.computer_name = platform.node()
        identity = getattr(doc, "identity", ANONYMOUS)
        if identity.anonymous:
            # development mode: the account the engine runs as, as Qlik Sense Desktop
            self.user = f"UserDirectory={self.computer_name}; UserId={_os_user()}"
            self.qv_user: str | None = None
        else:
            self.user = identity.qualified
            # Section Access's USERID form: DIRECTORY\userid
            self.qv_user = (f"{identity.user_directory}\\{identity.user_id}"
                            if identity.user_directory else identity.user_id)
        self.engine_version = ENGINE_VERSION
        self.product_version = f"associa {__version__}"
        fields, labels, measures = object_labels(hypercube_def)
        self.dimension_fields: Sequence[str] = fields
        self.dimension_labels: Sequence[str] = labels
        self.measure_labels: Sequence[str] = measures
        self._snapshots: dict[str, tuple[DataModel, SelectionState, Inference]] = {}

    def _snapshot(self, state: str | None) -> tuple[DataModel, SelectionState, Inference]:
        name = state or self.state_name
        hit = self._snapshots.get(name)
        if hit is None:
            try:
                hit = self.doc.snapshot(name)
            except AssociaError as exc:
                raise ExpressionError(f"State not found: {name}") from exc
            self._snapshots[name] = hit
        return hit

    def field_status(self, field: str, state: str | None = None) -> FieldStatus | None:
        model, current, inf = self._snapshot(state)
        if field not in model.fields:
            return None
        symbols = model.fields[field].symbols
        n = len(symbols)
        selected = current.selected.get(field)
        refused = current.excluded.get(field)
        return FieldStatus(
            texts=_Texts(symbols),
            codes=np.asarray(inf.states(field)),
            selected=np.zeros(n, dtype=bool) if selected is None else np.asarray(selected),
            deselected=np.zeros(n, dtype=bool) if refused is None else np.asarray(refused),
            alternative=np.asarray(inf.alternative(field)),
        )

    def selection_order(self, state: str | None = None) -> Sequence[str]:
        model, current, _ = self._snapshot(state)
        return [f for f in current.order if f in model.fields and (
            current.has_selection(f) or f in current.excluded)]


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
