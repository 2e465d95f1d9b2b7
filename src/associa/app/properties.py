"""Generic-object properties as the engine keeps and answers them.

Properties are normalised when they are stored (CreateObject, CreateSessionObject,
SetProperties, ApplyPatches): every definition the engine recognises (``qHyperCubeDef``,
``qListObjectDef``, the list definitions, ...) wherever it sits, and the object's own
members (``qInfo``, ``qMetaDef``, ...), get their members in the engine's order with the
engine's defaults filled in and enums in their short form; the client's own keys are kept
as sent, after the engine's members. A value of the wrong type for a member the engine
knows is refused (error 8, naming the path) and nothing is stored; ``null`` means "not
given". What is stored is what GetProperties answers, so layouts (computed from the stored
properties) and properties agree.

The stored form leaves out engine members that are ``false``, ``""`` or a zero sort flag,
as the real engine does by default (qix-api §6.1.2: corectl's raw GetProperties has no
``qSuppressZero:false``, ``qStateName:""`` or zero ``qSortBy*`` flags, while ``{}``, ``[]``,
``qActiveField:0`` and ``qNoOfLeftDims:-1`` are there). A request with
``return_empty:true`` gets them all (:func:`public_properties`). A boolean whose default is
``true`` keeps an explicit ``false``, so a GetProperties/SetProperties round trip cannot
flip it.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from associa.app.schema import DEFINITION_TYPES, ENUMS, KEEP_EMPTY, STRUCTS, MemberSpec
from associa.errors import ExtendsInvalidId, InvalidParameters, InvalidPath

_log = logging.getLogger(__name__)

ROOT = "GenericObjectProperties"
MAX_DEPTH = 100  # nesting of a property tree: far deeper than the trees clients write
INT_RANGES = {"int": (-(2**31), 2**31 - 1), "uint": (0, 2**31 - 1), "int8": (-128, 127)}


@dataclass(frozen=True, slots=True)
class Type:
    kind: str  # str, bool, int, uint, int8, json, enum, struct, list
    name: str = ""  # the enum or struct
    item: Type | None = None  # of a list


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    type: Type
    default: Any
    fill: bool


def _type(spec: str) -> Type:
    if spec.startswith("[") and spec.endswith("]"):
        return Type("list", item=_type(spec[1:-1]))
    if spec.startswith("<") and spec.endswith(">"):
        return Type("enum", spec[1:-1])
    if spec in ("str", "bool", "int", "uint", "int8", "json"):
        return Type(spec)
    if spec not in STRUCTS:
        raise KeyError(f"unknown structure {spec!r} in the property schema")
    return Type("struct", spec)


def _member(name: str, spec: MemberSpec) -> Member:
    text, default = (spec, None) if isinstance(spec, str) else spec
    fill = not text.endswith("?")
    typ = _type(text.rstrip("?"))
    if default is None:
        default = {
            "str": "", "bool": False, "int": 0, "uint": 0, "int8": 0, "list": [], "struct": {},
        }.get(typ.kind)
        if typ.kind == "enum":
            default = ENUMS[typ.name][0][0]
    elif typ.kind == "enum":
        default = _enum_short(typ.name, default)
    return Member(name, typ, default, fill)


def _enum_short(name: str, value: Any) -> str | None:
    for short, long, number in ENUMS[name]:
        if isinstance(value, str) and value in (short, long):
            return short
        if isinstance(value, int) and not isinstance(value, bool) and value == number:
            return short
    return None


MEMBERS: dict[str, dict[str, Member]] = {
    struct: {name: _member(name, spec) for name, spec in members.items()}
    for struct, members in STRUCTS.items()
}


class _Normaliser:
    def __init__(self, full: bool) -> None:
        self.full = full

    def struct(self, name: str, value: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        members = MEMBERS[name]
        out: dict[str, Any] = {}
        for key, member in members.items():
            raw = value.get(key)
            if raw is None:
                if not member.fill:
                    continue
                raw = member.default
            got = self.value(member.type, raw, f"{path}/{key}", depth + 1)
            if self.full or name in KEEP_EMPTY or not _omitted(member, got):
                out[key] = got
        for key, raw in value.items():
            if key not in members:
                out[key] = self.entry(key, raw, f"{path}/{key}", depth + 1)
        return out

    def value(self, typ: Type, raw: Any, path: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise InvalidParameters(path, f"properties nest deeper than {MAX_DEPTH} levels")
        kind = typ.kind
        if kind == "struct":
            if isinstance(raw, str) and typ.name in ("StringExpr", "ValueExpr"):
                raw = {"qv": raw}
            if not isinstance(raw, dict):
                raise InvalidParameters(path, f"{_leaf(path)} must be an object ({typ.name})")
            return self.struct(typ.name, raw, path, depth)
        if kind == "list":
            if not isinstance(raw, list):
                raise InvalidParameters(path, f"{_leaf(path)} must be a list")
            assert typ.item is not None
            return [self.value(typ.item, v, f"{path}/{i}", depth + 1) for i, v in enumerate(raw)]
        if kind == "str":
            if not isinstance(raw, str):
                raise InvalidParameters(path, f"{_leaf(path)} must be a string")
            return raw
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, int | float) and math.isfinite(raw):
                return bool(raw)
            raise InvalidParameters(path, f"{_leaf(path)} must be true or false")
        if kind in INT_RANGES:
            return _integer(raw, path, *INT_RANGES[kind])
        if kind == "enum":
            short = _enum_short(typ.name, raw)
            if short is None:
                names = ", ".join(e[0] for e in ENUMS[typ.name])
                raise InvalidParameters(path, f"{_leaf(path)} must be one of {names}")
            return short
        return self.dynamic(raw, path, depth, definitions=False)  # json: kept as sent

    def dynamic(self, raw: Any, path: str, depth: int, definitions: bool = True) -> Any:
        """A value the client owns: copied, with the definitions inside it normalised."""
        if depth > MAX_DEPTH:
            raise InvalidParameters(path, f"properties nest deeper than {MAX_DEPTH} levels")
        if isinstance(raw, list):
            return [self.dynamic(v, f"{path}/{i}", depth + 1, definitions)
                    for i, v in enumerate(raw)]
        if not isinstance(raw, dict):
            return raw
        if not definitions:
            return {k: self.dynamic(v, f"{path}/{k}", depth + 1, False) for k, v in raw.items()}
        return {k: self.entry(k, v, f"{path}/{k}", depth + 1) for k, v in raw.items()}

    def entry(self, key: str, value: Any, path: str, depth: int) -> Any:
        """The value of a client's key: a recognised definition, or anything."""
        struct = DEFINITION_TYPES.get(key)
        if struct is None or value is None:
            return self.dynamic(value, path, depth)
        if not isinstance(value, dict):
            raise InvalidParameters(path, f"{key} must be an object")
        return self.struct(struct, value, path, depth)


def _leaf(path: str) -> str:
    return path.rsplit("/", 1)[-1] or "qProp"


def _integer(raw: Any, path: str, low: int, high: int) -> int:
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        raw = int(raw)
    if not isinstance(raw, int):  # bool is an int: true/false count as 1/0
        raise InvalidParameters(path, f"{_leaf(path)} must be an integer")
    if not low <= raw <= high:
        raise InvalidParameters(path, f"{_leaf(path)} must be between {low} and {high}")
    return int(raw)


def _omitted(member: Member, value: Any) -> bool:
    kind = member.type.kind
    if kind == "bool":
        return value is False and member.default is False
    if kind in ("str", "enum"):
        return value == ""
    return kind == "int8" and value == 0


def normalise(props: Any) -> dict[str, Any]:
    """Generic-object properties in the engine's stored form (a new tree).
    Raises InvalidParameters (error 8) for a value the engine cannot take."""
    if not isinstance(props, dict):
        raise InvalidParameters("qProp", "qProp must be an object")
    return _Normaliser(full=False).struct(ROOT, props, "", 0)


def normalise_struct(name: str, value: Any, *, full: bool = False) -> dict[str, Any]:
    """One engine structure (e.g. ``"NxLibraryMeasureDef"``) normalised on its own."""
    if not isinstance(value, dict):
        raise InvalidParameters(name, f"{name} must be an object")
    return _Normaliser(full=full).struct(name, value, "", 0)


def custom_keys(definition_key: str, definition: dict[str, Any]) -> list[str]:
    """The client's own keys inside a recognised definition (kept in its layout)."""
    struct = DEFINITION_TYPES.get(definition_key)
    if struct is None:
        return []
    members = MEMBERS[struct]
    return [k for k in definition if k not in members]


def object_info(props: dict[str, Any]) -> dict[str, Any]:
    """An object's qInfo as the engine writes it: qId, then qType, then anything else."""
    info = props.get("qInfo")
    info = info if isinstance(info, dict) else {}
    out = {"qId": info.get("qId", ""), "qType": info.get("qType", "")}
    out.update((k, copy.deepcopy(v)) for k, v in info.items() if k not in out)
    return out


def public_properties(props: dict[str, Any], *, return_empty: bool = False) -> dict[str, Any]:
    """The properties a client reads back (a copy; the stored ones are never handed out).
    With ``return_empty`` the engine members that are false or empty are written too."""
    if return_empty:
        return _Normaliser(full=True).struct(ROOT, props, "", 0)
    return copy.deepcopy(props)


def new_object_properties(props: Any) -> dict[str, Any]:
    """Normalised properties for a new object, with a fresh qId when none is given.
    A qInfo that is not an object counts as not given: the engine assigns the identity."""
    if isinstance(props, dict) and not isinstance(props.get("qInfo"), dict | None):
        props = {k: v for k, v in props.items() if k != "qInfo"}
    props = normalise(props)
    if not props["qInfo"]["qId"]:  # missing or "" (the schema default): a new id
        props["qInfo"]["qId"] = str(uuid.uuid4())
    return props


def replaced_properties(obj_id: str, old: dict[str, Any], props: Any) -> dict[str, Any]:
    """Normalised new properties for an existing object: the qId stays, and so does the
    qType unless a new one is given."""
    if isinstance(props, dict) and not isinstance(props.get("qInfo"), dict | None):
        props = {k: v for k, v in props.items() if k != "qInfo"}
    props = normalise(props)
    info = props["qInfo"]
    old_info = old.get("qInfo")
    if not isinstance(old_info, dict):
        old_info = {}
    info["qId"] = obj_id
    if not info["qType"]:
        info["qType"] = old_info.get("qType", "")
    return props


def stored_properties(props: Any) -> Any:
    """Properties read from an app file, normalised when they can be (files written
    before normalisation existed keep what they hold)."""
    try:
        return normalise(props)
    except InvalidParameters as exc:
        _log.warning("object properties kept as stored: %s", exc)
        return props


def list_index(part: str) -> int | None:
    """A JSON-pointer step as a list index ("0", "12"), or None ("x", "-1", "³")."""
    return int(part) if part.isascii() and part.isdigit() else None


STATUS_METHODS = ("Publish", "UnPublish", "Approve", "UnApprove")


def with_status(props: dict[str, Any], method: str, now: str) -> dict[str, Any]:
    """Publish/UnPublish/Approve/UnApprove (``STATUS_METHODS``) of an object or bookmark:
    plain metadata in ``qMetaDef`` (the layout's ``qMeta``): ``published`` with its
    ``publishTime`` (``now``), ``approved``. A copy; nothing else changes."""
    out = copy.deepcopy(props)
    found = out.get("qMetaDef")
    meta = found if isinstance(found, dict) else {}
    if method == "Publish":
        meta.update(published=True, publishTime=now)
    elif method == "UnPublish":
        meta["published"] = False
        meta.pop("publishTime", None)
    else:
        meta["approved"] = method == "Approve"
    out["qMetaDef"] = meta
    return out


def apply_patch(props: dict[str, Any], patch: dict[str, Any]) -> None:
    """Apply one NxPatch (``qOp`` add, replace or remove; ``qPath`` a JSON pointer;
    ``qValue`` a JSON text) to ``props`` in place. InvalidPath or InvalidParameters when
    it cannot be applied (``props`` may be half changed then: apply to a copy)."""
    op = str(patch.get("qOp", "")).lower()
    path = patch.get("qPath", "")
    parts = [x for x in str(path).split("/") if x]
    if not parts:
        raise InvalidPath(str(path))
    value: Any = None
    if op in ("add", "replace"):
        try:
            value = json.loads(patch.get("qValue", "null"))
        except (TypeError, ValueError):
            raise InvalidParameters("qValue", "qValue must be a JSON text") from None
    parent: Any = props
    for part in parts[:-1]:
        index = list_index(part)
        if isinstance(parent, dict):
            parent = parent.setdefault(part, {})
        elif isinstance(parent, list) and index is not None and index < len(parent):
            parent = parent[index]
        else:
            raise InvalidPath(str(path))
    last = parts[-1]
    if isinstance(parent, dict):
        if op == "remove":
            parent.pop(last, None)
        elif op in ("add", "replace"):
            parent[last] = value
        else:
            raise InvalidParameters("qOp", f"unknown patch operation {op!r}")
    elif isinstance(parent, list):
        index = list_index(last)
        idx = len(parent) if last == "-" else (-1 if index is None else index)
        if idx < 0 or idx > len(parent):
            raise InvalidPath(str(path))
        if op == "remove" and idx < len(parent):
            parent.pop(idx)
        elif op == "add":
            parent.insert(idx, value)
        elif op == "replace" and idx < len(parent):
            parent[idx] = value
        else:
            raise InvalidPath(str(path))
    else:
        raise InvalidPath(str(path))


# -- linked objects (qExtendsId) ----------------------------------------------------------

# an object's (properties, is_session_object), or None: ``DocState.properties``
Lookup = Callable[[str], "tuple[dict[str, Any], bool] | None"]
OWN_MEMBERS = ("qInfo", "qExtendsId")


def extends_chain(obj_id: str, props: dict[str, Any], lookup: Lookup,
                  ) -> list[tuple[str, dict[str, Any]]]:
    """The objects ``props`` extends through ``qExtendsId``, nearest first.

    Qlik's reference (CreateObject and CreateSessionObject, OpenRPC text in
    qlik-oss/enigma-go ``schema/engine-rpc.json``; help "GenericObjectProperties":
    ``qExtendsId`` "should be set to create an object that is linked to another
    object"): "The linked object has the same properties as the linking object" and "the
    linking object cannot be a transient object". So the target must exist and not be
    a session object, and a chain must not come back to the object
    (LOCERR_LAYOUT_EXTENDS_INVALID_ID, 8000, otherwise)."""
    chain: list[tuple[str, dict[str, Any]]] = []
    seen = {obj_id}
    current = props
    while True:
        target = current.get("qExtendsId")
        if not isinstance(target, str) or not target:
            return chain
        if target in seen:
            raise ExtendsInvalidId(target, "qExtendsId leads back to the object")
        found = lookup(target)
        if found is None:
            raise ExtendsInvalidId(target)
        if found[1]:
            raise ExtendsInvalidId(target, "A session object cannot be extended")
        seen.add(target)
        chain.append((target, found[0]))
        current = found[0]


def extended_properties(props: dict[str, Any],
                        chain: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The properties of a linked object as layouts read them: the linking objects'
    (farthest first) with the object's own members on top; an object member present in
    both (``qMetaDef``, …) is merged member by member, so the ``{}`` an object is given
    by default hides nothing. ``qInfo`` and ``qExtendsId`` stay the object's own."""
    out: dict[str, Any] = {}
    for _, master in reversed(chain):
        _overlay(out, master)
    _overlay(out, props)
    ordered = {key: copy.deepcopy(props[key]) for key in OWN_MEMBERS if key in props}
    ordered.update((k, v) for k, v in out.items() if k not in ordered)
    return ordered


def _overlay(out: dict[str, Any], top: dict[str, Any]) -> None:
    for key, value in top.items():
        if key in OWN_MEMBERS:
            continue
        below = out.get(key)
        if isinstance(below, dict) and isinstance(value, dict):
            out[key] = {**below, **copy.deepcopy(value)}
        else:
            out[key] = copy.deepcopy(value)
