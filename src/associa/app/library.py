"""Master items and variables: an app's library of dimensions, measures and variables.

``Library`` keeps the master dimensions and measures (GenericDimension, GenericMeasure)
and the variables made through the API (GenericVariable) by id; it is saved with the
app (``App.to_record``). A session's own variables (CreateSessionVariable) live in its
``DocState.session_variables``. Script variables stay in ``App.variables`` (name →
text); the API's variables join them there, so ``$(v)``, bare names and the next
reload's script (which starts with them: "Some special system variables will be set
at the start of the script execution regardless of their previous values", and a
variable removed from the script "stays in the app",
https://core.qlik.com/services/qix-engine/script_reference/variables/) read them alike.

Shapes, as the real engine writes them (corectl goldens, engine 12.x, in the
reference traces): a master dimension's properties are ``{qInfo, qDim: {qGrouping:
"N", qFieldDefs, qFieldLabels: []}, qMetaDef: {}}``, a measure's ``{qInfo, qMeasure:
{qDef, qGrouping: "N", qExpressions: [], qActiveExpression: 0, qNumFormat: {qType:
"U", qnDec: 10, qUseThou: 0}, title}, qMetaDef: {}}`` (defaults filled, empty strings
left out, client keys after), a variable's ``{qInfo, qMetaDef, qName, qComment,
qNumberPresentation, qDefinition, tags}``. Layouts: ``{qInfo, qMeta: {privileges},
qDim, qDimInfos: [{qApprMaxGlyphCount, qCardinal, qTags}]}``, ``{qInfo, qMeta,
qMeasure}`` and, for a variable, ``{qInfo, qMeta, qText, qNum, tags}`` (definition "1"
→ qText "1", qNum 1) with ``qIsScriptCreated`` when true (GenericVariableLayout,
https://help.qlik.com/en-US/sense-developer/May2025/Subsystems/EngineJSONAPI/Content/models-genericvariablelayout.htm).
A definition starting with ``=`` is evaluated for the layout.

How definitions refer to these items (``qLibraryId``): ``app/library_refs.py``.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from associa.app.properties import normalise, normalise_struct, object_info
from associa.errors import (
    AlreadyExists,
    InvalidParameters,
    NotFound,
    VariableDuplicateName,
    VariableNoName,
)
from associa.values import parse_number

if TYPE_CHECKING:
    from associa.app.app import App
    from associa.app.doc import DocState

DIMENSION = "dimension"
MEASURE = "measure"
VARIABLE = "variable"
# master-item kind -> (its member in the properties, the engine structure it holds)
MASTER: dict[str, tuple[str, str]] = {
    DIMENSION: ("qDim", "NxLibraryDimensionDef"),
    MEASURE: ("qMeasure", "NxLibraryMeasureDef"),
}
# what the inline definitions take from a master item (NxInlineDimensionDef and
# NxInlineMeasureDef members that NxLibraryDimensionDef/NxLibraryMeasureDef have)
DIMENSION_MEMBERS = ("qGrouping", "qFieldDefs", "qFieldLabels", "qLabelExpression", "qAlias")
MEASURE_MEMBERS = ("qLabel", "qDef", "qGrouping", "qExpressions", "qActiveExpression",
                   "qLabelExpression", "qNumFormat")
# a variable's members in the engine's order (GenericVariableProperties)
VARIABLE_MEMBERS = ("qInfo", "qMetaDef", "qName", "qComment", "qNumberPresentation",
                    "qIncludeInBookmark", "qDefinition")


class Library:
    """An app's master dimensions, measures and API variables, by id (each its
    properties as GetProperties answers them), with what Publish/Approve set, and a
    version that every change counts up (cached computations read it)."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict[str, Any]]] = {
            DIMENSION: {}, MEASURE: {}, VARIABLE: {}}
        self.status: dict[str, dict[str, bool]] = {}  # id -> {"published", "approved"}
        self.duals: dict[str, float] = {}  # variable id -> the number SetDualValue gave
        self.version = 0

    def table(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.items[kind]

    def kind_of(self, item_id: str) -> str | None:
        for kind, table in self.items.items():
            if item_id in table:
                return kind
        return None

    def variable_named(self, name: str) -> dict[str, Any] | None:
        for props in self.items[VARIABLE].values():
            if props.get("qName") == name:
                return props
        return None

    def variable_values(self) -> dict[str, str]:
        """name → definition of the API variables (what the script starts with)."""
        return {p["qName"]: p.get("qDefinition", "") for p in self.items[VARIABLE].values()}

    def reloaded(self, values: dict[str, str]) -> None:
        """The app's variables took ``values`` (a reload, which started with the API
        variables, or a bookmark applied with its variables): an API variable whose
        value changed takes it as its definition."""
        for props in self.items[VARIABLE].values():
            value = values.get(props["qName"])
            if value is not None and value != props.get("qDefinition", ""):
                if value:
                    props["qDefinition"] = value
                else:
                    props.pop("qDefinition", None)
                self.duals.pop(props["qInfo"]["qId"], None)
        self.version += 1

    def to_record(self) -> dict[str, Any]:
        return {"dimensions": copy.deepcopy(self.items[DIMENSION]),
                "measures": copy.deepcopy(self.items[MEASURE]),
                "variables": copy.deepcopy(self.items[VARIABLE]),
                "status": copy.deepcopy(self.status), "duals": dict(self.duals)}

    @classmethod
    def from_record(cls, data: Any) -> Library:
        """A library read back from an app file (entries that are not properties with
        an id are left out)."""
        lib = cls()
        data = data if isinstance(data, dict) else {}
        for kind, key in ((DIMENSION, "dimensions"), (MEASURE, "measures"),
                          (VARIABLE, "variables")):
            entries = data.get(key)
            for item_id, props in (entries.items() if isinstance(entries, dict) else []):
                if isinstance(props, dict) and isinstance(props.get("qInfo"), dict):
                    if kind != VARIABLE or isinstance(props.get("qName"), str):
                        lib.items[kind][item_id] = props
        status = data.get("status")
        if isinstance(status, dict):
            lib.status = {k: v for k, v in status.items() if isinstance(v, dict)}
        duals = data.get("duals")
        if isinstance(duals, dict):
            lib.duals = {k: float(v) for k, v in duals.items()
                         if isinstance(v, int | float) and not isinstance(v, bool)}
        return lib


# -- properties -------------------------------------------------------------------------


def master_properties(kind: str, props: Any, item_id: str | None = None,
                      qtype: str | None = None) -> dict[str, Any]:
    """A master dimension's or measure's properties in the engine's stored form:
    ``qInfo`` (a new id when none is given, ``qType`` the kind's name by default), the
    definition normalised with its defaults, ``qMetaDef``, then the client's keys."""
    member, struct = MASTER[kind]
    if not isinstance(props, dict):
        raise InvalidParameters("qProp", "qProp must be an object")
    body = props.get(member)
    if body is not None and not isinstance(body, dict):
        raise InvalidParameters(member, f"{member} must be an object")
    rest = normalise({k: v for k, v in props.items() if k != member})
    info = rest["qInfo"]
    info["qId"] = item_id or info["qId"] or str(uuid.uuid4())
    info["qType"] = info["qType"] or qtype or kind
    out: dict[str, Any] = {"qInfo": info, member: normalise_struct(struct, body or {})}
    out["qMetaDef"] = rest.get("qMetaDef", {})
    out.update((k, v) for k, v in rest.items() if k not in out)
    return out


def variable_properties(props: Any, item_id: str | None = None) -> dict[str, Any]:
    """A variable's properties in the engine's stored form (GenericVariableProperties'
    members in order, empty strings and false left out, client keys after).
    VariableNoName (18000) without a name."""
    if not isinstance(props, dict):
        raise InvalidParameters("qProp", "qProp must be an object")
    base = normalise({k: v for k, v in props.items() if k in ("qInfo", "qMetaDef")})
    info = base["qInfo"]
    info["qId"] = item_id or info["qId"] or str(uuid.uuid4())
    info["qType"] = info["qType"] or VARIABLE
    out: dict[str, Any] = {"qInfo": info, "qMetaDef": base.get("qMetaDef", {})}
    name = props.get("qName")
    if name is not None and not isinstance(name, str):
        raise InvalidParameters("qName", "qName must be a string")
    if not name or not name.strip():
        raise VariableNoName("qName")
    out["qName"] = name
    for key in ("qComment", "qDefinition"):
        value = props.get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidParameters(key, f"{key} must be a string")
        if value:
            out[key] = value
    presentation = props.get("qNumberPresentation")
    if presentation is not None:
        out["qNumberPresentation"] = normalise_struct("FieldAttributes", presentation)
    flag = props.get("qIncludeInBookmark")
    if flag is not None and not isinstance(flag, bool):
        raise InvalidParameters("qIncludeInBookmark", "qIncludeInBookmark must be a boolean")
    if flag:
        out["qIncludeInBookmark"] = True
    ordered = {k: out[k] for k in VARIABLE_MEMBERS if k in out}
    ordered.update((k, copy.deepcopy(v)) for k, v in props.items()
                   if k not in VARIABLE_MEMBERS)
    return ordered


# -- master dimensions and measures -----------------------------------------------------


def _changed(app: App, item_id: str) -> None:
    """After a change under the app's lock: count the version up, tell the sessions."""
    from associa.app.app import now_iso

    with app.lock:
        app.library.version += 1
        app.modified = now_iso()
    app.notify("library", item_id)


def _taken(app: App, item_id: str) -> bool:
    return app.library.kind_of(item_id) is not None or item_id in app.objects


def create_master(app: App, kind: str, props: Any) -> dict[str, Any]:
    """CreateDimension / CreateMeasure. AlreadyExists when the id is taken."""
    made = master_properties(kind, props)
    item_id = made["qInfo"]["qId"]
    with app.lock:
        if _taken(app, item_id):
            raise AlreadyExists(item_id)
        app.library.table(kind)[item_id] = made
    _changed(app, item_id)
    return made


def get_master(app: App, kind: str, item_id: str) -> dict[str, Any] | None:
    return app.library.table(kind).get(item_id)


def set_master(app: App, kind: str, item_id: str, props: Any) -> None:
    """SetProperties: the id stays, the type too unless a new one is given."""
    with app.lock:
        old = app.library.table(kind).get(item_id)
        if old is None:
            raise NotFound(item_id, "Object not found")
        made = master_properties(kind, props, item_id, old["qInfo"].get("qType"))
        app.library.table(kind)[item_id] = made
    _changed(app, item_id)


def destroy_master(app: App, kind: str, item_id: str) -> bool:
    with app.lock:
        if app.library.table(kind).pop(item_id, None) is None:
            return False
        app.library.status.pop(item_id, None)
    _changed(app, item_id)
    return True


def set_status(app: App, item_id: str, key: str, value: bool) -> None:
    """Publish/UnPublish ("published") and Approve/UnApprove ("approved"): metadata
    the layout's ``qMeta`` shows; nothing else changes."""
    with app.lock:
        app.library.status.setdefault(item_id, {})[key] = value
    _changed(app, item_id)


def linked_objects(app: App, item_id: str) -> list[dict[str, Any]]:
    """NxLinkedObjectInfo of each persisted object whose properties refer to the item
    by ``qLibraryId``: ``qRootId`` the top ancestor (the object itself at app level:
    NxLinkedObjectInfo,
    https://help.qlik.com/en-US/sense-developer/May2026/Subsystems/NetSDKAPIref/Content/Qlik.Engine.NxLinkedObjectInfo.md)."""
    with app.lock:
        objects = list(app.objects.items())
    out = []
    for obj_id, props in objects:
        if not _refers(props, item_id):
            continue
        root, seen = obj_id, {obj_id}
        parent = app.parent_of(root)
        while parent is not None and parent not in seen:
            seen.add(parent)
            root, parent = parent, app.parent_of(parent)
        out.append({"qRootId": root, "qInfo": object_info(props)})
    return out


def _refers(node: Any, item_id: str) -> bool:
    if isinstance(node, dict):
        return node.get("qLibraryId") == item_id or any(_refers(v, item_id)
                                                         for v in node.values())
    if isinstance(node, list):
        return any(_refers(v, item_id) for v in node)
    return False


# -- variables --------------------------------------------------------------------------


def script_variable_id(app_id: str, name: str) -> str:
    """A script variable's ``qId``: the same for the same app and name, every reload."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"associa:{app_id}/variable/{name}"))


def variables_of(doc: DocState) -> dict[str, str]:
    """The variables a session's expressions read: the app's (script and API) and its
    own session variables (which win)."""
    with doc.app.lock:
        values = doc.app.variables
    own = doc.session_variables
    if not own:
        return values
    return {**values, **{p["qName"]: p.get("qDefinition", "") for p in own.values()}}


def variables_key(doc: DocState) -> tuple[int, int]:
    """What cached computations of the session depend on in the library and the
    variables (changes when either changes)."""
    return hash(frozenset(variables_of(doc).items())), doc.app.library.version


def _name_taken(doc: DocState, name: str, but: str | None = None) -> bool:
    app = doc.app
    found = app.library.variable_named(name)
    if found is not None and found["qInfo"]["qId"] != but:
        return True
    if name in app.variables and (found is None or found["qInfo"]["qId"] != but):
        return True
    return any(p["qName"] == name and i != but for i, p in doc.session_variables.items())


def create_variable(doc: DocState, props: Any, session: bool = False) -> dict[str, Any]:
    """CreateVariableEx (the app's, saved) or CreateSessionVariable (this session's).
    VariableDuplicateName (18001) when a variable of that name exists."""
    made = variable_properties(props)
    app = doc.app
    item_id, name = made["qInfo"]["qId"], made["qName"]
    with app.lock:
        if _name_taken(doc, name):
            raise VariableDuplicateName(name)
        if _taken(app, item_id) or item_id in doc.session_variables:
            raise AlreadyExists(item_id)
        if session:
            doc.session_variables[item_id] = made
        else:
            app.library.table(VARIABLE)[item_id] = made
            _assign(app, {name: made.get("qDefinition", "")})
    if session:
        _session_changed(doc, item_id)
    else:
        _changed(app, item_id)
    return made


def _assign(app: App, values: dict[str, str], gone: tuple[str, ...] = ()) -> None:
    """Set (and remove) app variables, under the app's lock (a new dict: readers keep
    theirs); the locale follows its variables."""
    variables = {k: v for k, v in app.variables.items() if k not in gone}
    variables.update(values)
    app.variables = variables
    app.locale = app.locale.with_variables(values)


def _session_changed(doc: DocState, item_id: str) -> None:
    doc.on_change("library", item_id)
    doc.on_change("selection", None)  # any layout of the session may read it


class VariableRef:
    """What a GenericVariable handle stands for: an API variable of the app, a
    session variable, or a script variable (found by its derived id)."""

    def __init__(self, doc: DocState, item_id: str) -> None:
        self.doc = doc
        self.item_id = item_id

    def where(self) -> tuple[str, dict[str, Any]]:
        """("app" | "session" | "script", properties); NotFound once it is gone."""
        found = find_variable(self.doc, self.item_id)
        if found is None:
            raise NotFound(self.item_id, "Variable not found")
        return found


def find_variable(doc: DocState, item_id: str) -> tuple[str, dict[str, Any]] | None:
    app = doc.app
    props = app.library.table(VARIABLE).get(item_id)
    if props is not None:
        return "app", props
    props = doc.session_variables.get(item_id)
    if props is not None:
        return "session", props
    with app.lock:
        names = [n for n in app.variables if app.library.variable_named(n) is None]
    for name in names:
        if script_variable_id(app.id, name) == item_id:
            return "script", script_variable_properties(app, name)
    return None


def variable_id_by_name(doc: DocState, name: str) -> str | None:
    """The id of the variable a name means here: a session variable, the app's API
    variable, else a script variable."""
    for item_id, props in doc.session_variables.items():
        if props["qName"] == name:
            return item_id
    found = doc.app.library.variable_named(name)
    if found is not None:
        return str(found["qInfo"]["qId"])
    if name in doc.app.variables:
        return script_variable_id(doc.app.id, name)
    return None


def exists(doc: DocState, item_id: str) -> bool:
    """Whether a master item or variable of that id is there for the session."""
    return doc.app.library.kind_of(item_id) is not None or find_variable(doc, item_id) is not None


def reads_selections(doc: DocState, item_id: str) -> bool:
    """Whether a variable's layout may change with selections (its definition is an
    expression, ``=…``)."""
    if doc.app.library.kind_of(item_id) in (DIMENSION, MEASURE):
        return False
    found = find_variable(doc, item_id)
    return found is not None and found[1].get("qDefinition", "").lstrip().startswith("=")


def script_variable_properties(app: App, name: str) -> dict[str, Any]:
    info = {"qId": script_variable_id(app.id, name), "qType": VARIABLE}
    out: dict[str, Any] = {"qInfo": info, "qMetaDef": {}, "qName": name}
    value = app.variables.get(name, "")
    if value:
        out["qDefinition"] = value
    return out


def set_variable(doc: DocState, item_id: str, props: Any) -> None:
    """SetProperties of a variable (a script variable: its value only, until the next
    reload sets it again). A new name must be free (18001)."""
    where, old = VariableRef(doc, item_id).where()
    made = variable_properties(props, item_id)
    made["qInfo"]["qType"] = made["qInfo"]["qType"] or old["qInfo"]["qType"]
    app = doc.app
    with app.lock:
        if made["qName"] != old["qName"] and (where == "script"
                                              or _name_taken(doc, made["qName"], item_id)):
            raise VariableDuplicateName(made["qName"])
        value = made.get("qDefinition", "")
        if where == "session":
            doc.session_variables[item_id] = made
        elif where == "app":
            app.library.table(VARIABLE)[item_id] = made
            gone = (old["qName"],) if old["qName"] != made["qName"] else ()
            _assign(app, {made["qName"]: value}, gone)
        else:
            _assign(app, {old["qName"]: value})
        app.library.duals.pop(item_id, None)
    if where == "session":
        _session_changed(doc, item_id)
    else:
        _changed(app, item_id)


def set_value(doc: DocState, item_id: str, text: str, num: float | None = None) -> None:
    """SetStringValue / SetNumValue / SetDualValue: the definition becomes the text
    (a number's text for SetNumValue); a dual keeps its number for the layout."""
    where, props = VariableRef(doc, item_id).where()
    new = copy.deepcopy(props)
    if text:
        new["qDefinition"] = text
    else:
        new.pop("qDefinition", None)
    set_variable(doc, item_id, new)
    if num is not None:
        with doc.app.lock:
            doc.app.library.duals[item_id] = num


def destroy_variable(doc: DocState, item_id: str, session: bool = False) -> bool:
    """DestroyVariableById / DestroySessionVariableById; a script variable goes from
    the app too (until a reload sets it again)."""
    found = find_variable(doc, item_id)
    if found is None or (found[0] == "session") != session:
        return False
    where, props = found
    app = doc.app
    with app.lock:
        if where == "session":
            doc.session_variables.pop(item_id, None)
        else:
            app.library.table(VARIABLE).pop(item_id, None)
            app.library.duals.pop(item_id, None)
            _assign(app, {}, (props["qName"],))
    if where == "session":
        _session_changed(doc, item_id)
    else:
        _changed(app, item_id)
    return True


def variable_value(doc: DocState, item_id: str, props: dict[str, Any]) -> tuple[str, Any]:
    """(qText, qNum) of a variable: a definition starting with ``=`` evaluated in the
    default state, else the text itself and its number (NaN when it is none)."""
    from associa.calc.cells import nan_json
    from associa.errors import ExpressionError

    definition = props.get("qDefinition", "")
    dual = doc.app.library.duals.get(item_id)
    if definition.lstrip().startswith("="):
        try:
            text, num = doc.evaluate(definition.lstrip()[1:], "$")
        except ExpressionError as exc:
            return f"Error: {exc.detail}", "NaN"
        return ("-" if text is None else text), nan_json(num)
    if dual is not None:
        return definition, nan_json(dual)
    number = parse_number(definition)
    return definition, nan_json(float("nan") if number is None else number)


# -- layouts ----------------------------------------------------------------------------


def item_meta(app: App, item_id: str, props: dict[str, Any]) -> dict[str, Any]:
    from associa.app.layout import PRIVILEGES

    meta: dict[str, Any] = {"privileges": list(PRIVILEGES)}
    meta_def = props.get("qMetaDef")
    if isinstance(meta_def, dict):
        meta.update((k, copy.deepcopy(v)) for k, v in meta_def.items() if k != "privileges")
    for key, value in app.library.status.get(item_id, {}).items():
        meta[key] = value
    return meta


def master_layout(doc: DocState, kind: str, props: dict[str, Any]) -> dict[str, Any]:
    """GenericDimensionLayout / GenericMeasureLayout: qInfo, qMeta, the definition and,
    for a dimension, qDimInfos (one per field: glyphs, cardinal, tags)."""
    member, _ = MASTER[kind]
    info = object_info(props)
    out: dict[str, Any] = {"qInfo": info, "qMeta": item_meta(doc.app, info["qId"], props),
                           member: copy.deepcopy(props.get(member, {}))}
    if kind == DIMENSION:
        model = doc.snapshot()[0]
        infos = []
        for text in out[member].get("qFieldDefs") or []:
            name = text[1:-1] if text[:1] == "[" and text[-1:] == "]" else text
            fld = model.fields.get(name) if isinstance(name, str) else None
            if fld is None:
                infos.append({"qApprMaxGlyphCount": 0, "qCardinal": 0, "qTags": []})
            else:
                infos.append({"qApprMaxGlyphCount": fld.symbols.max_glyphs(),
                              "qCardinal": fld.cardinal, "qTags": fld.tags()})
        out["qDimInfos"] = infos
    out.update((k, copy.deepcopy(v)) for k, v in props.items()
               if k not in out and k not in ("qMetaDef",))
    return out


def variable_layout(doc: DocState, where: str, props: dict[str, Any]) -> dict[str, Any]:
    """GenericVariableLayout: qInfo, qMeta, qText, qNum, qIsScriptCreated when true,
    then the client's keys."""
    info = object_info(props)
    text, num = variable_value(doc, info["qId"], props)
    out: dict[str, Any] = {"qInfo": info, "qMeta": item_meta(doc.app, info["qId"], props),
                           "qText": text, "qNum": num}
    if where == "script":
        out["qIsScriptCreated"] = True
    out.update((k, copy.deepcopy(v)) for k, v in props.items()
               if k not in VARIABLE_MEMBERS and k not in out)
    return out


def entries(doc: DocState, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The master items of a kind, in creation order."""
    with doc.app.lock:
        items = list(doc.app.library.table(kind).items())
    yield from items


# -- qLibraryId -------------------------------------------------------------------------
