"""Drill-down and cyclic dimension groups: which of a group's fields a chart shows.

A dimension's ``qDef.qGrouping`` says what its ``qFieldDefs`` list (NxInlineDimensionDef,
https://help.qlik.com/en-US/sense-developer/May2024/Subsystems/EngineJSONAPI/Content/models-nxinlinedimensiondef.htm):

- ``"N"``: one field (the first); no group.
- ``"H"``: a drill-down group (GRP_NX_HIEARCHY): the levels, top first. The chart shows
  the first level with more than one possible value; when a selection leaves one value
  at a level, the chart drills down to the next (and the last level is shown when every
  level has one value left). DrillUp clears the selections of the levels above the one
  shown (GenericObject.DrillUp: "move between different levels of information (from a
  detailed level to a less detailed level) ... If you try to drill up more steps than
  there are available levels, the first level of the hierarchy is displayed", the
  OpenRPC 12.2528 description; https://help.qlik.com/en-US/sense-developer/May2024/Subsystems/EngineJSONAPI/Content/service-genericobject-drillup.htm).
- ``"C"``: a cyclic group (GRP_NX_COLLECTION): ``qActiveField`` (default 0) picks the
  field; GenericObject.StepCycle and SetActiveField move it, "avoiding field collisions
  with its other dimensions" (a field another dimension shows is stepped over; if every
  other field collides nothing changes).

The dimension info of a group (NxDimensionInfo: ``qGroupFallbackTitles`` "the labels of
all dimensions in a hierarchy group", ``qGroupPos`` "index of the dimension that is
currently in use", ``qGrouping``, ``qGroupFieldDefs``, ``qIsCyclic``) is ``group_info``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from associa.model import DataModel

GROUPINGS = {"H": "drill-down", "C": "cyclic"}


def grouping(d: Mapping[str, Any]) -> str:
    """A dimension's grouping (``N``, ``H`` or ``C``)."""
    qdef = d.get("qDef") if isinstance(d.get("qDef"), Mapping) else {}
    g = qdef.get("qGrouping") if isinstance(qdef, Mapping) else None
    return g if g in GROUPINGS else "N"


def field_defs(d: Mapping[str, Any]) -> list[str]:
    qdef = d.get("qDef") or {}
    defs = qdef.get("qFieldDefs") if isinstance(qdef, Mapping) else None
    return [x for x in defs if isinstance(x, str)] if isinstance(defs, list) else []


def field_labels(d: Mapping[str, Any]) -> list[str]:
    """Each level's title: its label when given, else its field definition."""
    qdef = d.get("qDef") or {}
    labels = qdef.get("qFieldLabels") if isinstance(qdef, Mapping) else None
    labels = labels if isinstance(labels, list) else []
    out = []
    for i, text in enumerate(field_defs(d)):
        label = labels[i] if i < len(labels) and isinstance(labels[i], str) else ""
        out.append(label or text)
    return out


def _name(text: str) -> str:
    text = text.strip()
    return text[1:-1] if text[:1] == "[" and text[-1:] == "]" else text


def possible_count(model: DataModel, inference: Any, text: str) -> int:
    """How many values of a level's field are possible (0 for an unknown field or a
    calculated level, which a drill-down group cannot narrow)."""
    name = _name(text)
    if inference is None or name not in model.fields:
        return 0
    return int(inference.possible(name).sum())


def active_position(model: DataModel, d: Mapping[str, Any], inference: Any) -> int:
    """The index in ``qFieldDefs`` of the field the chart shows."""
    defs = field_defs(d)
    if not defs:
        return 0
    kind = grouping(d)
    if kind == "C":
        qdef = d.get("qDef") or {}
        at = qdef.get("qActiveField", 0) if isinstance(qdef, Mapping) else 0
        at = at if isinstance(at, int) and not isinstance(at, bool) else 0
        return at if 0 <= at < len(defs) else 0
    if kind == "H":
        for i, text in enumerate(defs):
            if possible_count(model, inference, text) > 1:
                return i
        # every level narrowed to one value (or none): the deepest level that exists
        known = [i for i, t in enumerate(defs) if _name(t) in model.fields]
        return known[-1] if known else 0
    return 0


def active(model: DataModel, d: Mapping[str, Any], inference: Any) -> tuple[str, str]:
    """(field definition, label) of the field a group's chart shows."""
    pos = active_position(model, d, inference)
    defs = field_defs(d)
    labels = field_labels(d)
    if not defs:
        return "", ""
    return defs[pos], labels[pos]


def group_info(model: DataModel, d: Mapping[str, Any], inference: Any) -> dict[str, Any]:
    """The members of NxDimensionInfo that describe a group (empty for ``N``)."""
    kind = grouping(d)
    if kind == "N":
        return {}
    out: dict[str, Any] = {
        "qGroupFallbackTitles": field_labels(d),
        "qGroupPos": active_position(model, d, inference),
        "qGrouping": kind,
        "qGroupFieldDefs": field_defs(d),
    }
    if kind == "C":
        out["qIsCyclic"] = True
    return out


def drill_up_fields(model: DataModel, d: Mapping[str, Any], inference: Any,
                    steps: int) -> list[str]:
    """The fields whose selections DrillUp clears to go ``steps`` levels up (to the
    first level when there are fewer): the levels from the target down to the one above
    the level shown."""
    if grouping(d) != "H" or steps <= 0:
        return []
    pos = active_position(model, d, inference)
    target = max(pos - steps, 0)
    return [_name(t) for t in field_defs(d)[target:pos] if _name(t) in model.fields]


def cycled(d: Mapping[str, Any], steps: int, taken: Sequence[str]) -> int | None:
    """The new ``qActiveField`` after ``steps`` steps (negative: backwards) of a cyclic
    group, skipping fields another dimension shows (``taken``); None when nothing
    changes (no steps, not cyclic, or every other field collides)."""
    defs = field_defs(d)
    if grouping(d) != "C" or not defs or steps == 0:
        return None
    qdef = d.get("qDef") or {}
    at = qdef.get("qActiveField", 0) if isinstance(qdef, Mapping) else 0
    at = at if isinstance(at, int) and 0 <= at < len(defs) else 0
    blocked = {_name(t) for t in taken}
    free = [i for i, t in enumerate(defs) if i == at or _name(t) not in blocked]
    if len(free) <= 1:
        return None
    k = free.index(at)
    return free[(k + steps) % len(free)]


def settable(d: Mapping[str, Any], index: int, taken: Sequence[str]) -> bool:
    """Whether SetActiveField may make ``index`` the active field: in bounds, and no
    other dimension shows that field."""
    defs = field_defs(d)
    if grouping(d) != "C" or not 0 <= index < len(defs):
        return False
    return _name(defs[index]) not in {_name(t) for t in taken}
