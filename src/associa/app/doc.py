"""A session's view of an app: its selection state, session objects and cached results.

Selection state belongs to the session (every socket of a session shares it); the data
model and persisted objects belong to the app. What can be done to selections (select,
clear, lock, search, modal selections, back and forward) is the ``Selections`` half of
``DocState`` (``app/selections.py``). Computed list objects and hypercubes are
cached by (object, path, properties version, model version, state version), so nothing
is recomputed until something it depends on changes. Objects may have children
(``app/children.py``): a session object's children live in the session, a persisted
object's with the app; the methods here route to the right place.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from associa.app.app import App
from associa.app.children import ObjectTree, TreeNode, apply_tree, plan_tree
from associa.app.context import AppContext
from associa.app.library import variables_key, variables_of
from associa.app.library_refs import resolve_cube, resolve_list
from associa.app.properties import (
    apply_patch,
    extended_properties,
    extends_chain,
    list_index,
    new_object_properties,
    object_info,
    replaced_properties,
)
from associa.app.selections import ChangeCallback, Selections
from associa.app.statedata import SessionSets, saved_alternate_states
from associa.app.states import DEFAULT_STATE
from associa.calc import HyperCube, ListObject
from associa.calc.expressions import evaluate_scalar, prepare
from associa.calc.sets import SetEvaluator
from associa.errors import (
    AlreadyExists,
    AssociaError,
    ExpressionError,
    ExtendsInvalidId,
    InvalidPath,
    NotFound,
)
from associa.identity import ANONYMOUS, Identity
from associa.model import DataModel
from associa.select import shared_for

# $(=…) inside $(=…): how deep evaluations for expansions may nest (per thread)
MAX_NESTED_EVALUATIONS = 100
_EXPANDING = threading.local()

# LOCERR_LAYOUT_LINKED_OBJECT_NOT_FOUND: in the layout of an object whose qExtendsId
# names an object that is gone (``DocState.link_error``); a layout error, never raised
LINKED_OBJECT_NOT_FOUND = 8001

# what in an object's properties reads selections (its layout changes with them); the
# lists of other objects are counted in, as their qData may point into those layouts
SELECTION_READERS = frozenset({
    "qHyperCubeDef", "qListObjectDef", "qSelectionObjectDef", "qStringExpression",
    "qValueExpression", "qChildListDef", "qAppObjectListDef",
})


class DocState(Selections):
    def __init__(self, app: App, on_change: ChangeCallback | None = None,
                 view: Callable[[], DataModel] | None = None) -> None:
        self.app = app
        self.view = view  # the model the session's user sees (None: the app's)
        self.on_change = on_change or (lambda what, obj_id: None)
        self.lock = threading.RLock()
        Selections.__init__(self)
        self._states.update(saved_alternate_states(app, self._state_model))
        self.session_objects: dict[str, dict[str, Any]] = {}
        self.session_versions: dict[str, int] = {}
        self.session_tree = ObjectTree()  # children of session objects
        # this session's variables (CreateSessionVariable): id -> properties (app/library.py)
        self.session_variables: dict[str, dict[str, Any]] = {}
        # who the session acts as (qix sets it): OSUser() and QVUser() read it
        self.identity: Identity = ANONYMOUS
        # (definition key, object id) -> (version, whether the properties hold it)
        self._holds_cache: dict[tuple[str, str], tuple[int, bool]] = {}
        self._cache: dict[tuple[str, str], tuple[tuple, Any]] = {}
        # soft patches (ApplyPatches with qSoftPatch): this session's own changes to
        # objects' properties, never saved: object id -> (generation, patches in order)
        self.soft_patches: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self._soft_generation = 0
        # object id -> ((props id, version, generation), properties with soft patches)
        self._effective: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}
        # object id -> (key, properties of a linked object: qExtendsId)
        self._extended_cache: dict[str, tuple[tuple, dict[str, Any]]] = {}
        # object id -> (key, definition, the definition prepared, what failed to prepare)
        self._prepared_lists: dict[str, tuple[tuple, dict[str, Any], dict[str, Any],
                                              dict[int, str]]] = {}
        app.listen(self)

    def close(self) -> None:
        self.app.unlisten(self)

    # -- app events -----------------------------------------------------------------

    def app_changed(self, app: App, what: str, object_id: str | None = None) -> None:
        if what == "bookmark":
            # a bookmark was made, changed or destroyed: the layouts listing bookmarks
            # (qBookmarkListDef, app/bookmarks.py) change with it
            for holder in self._holders("qBookmarkListDef"):
                self.on_change("object", holder)
            self.on_change("bookmark", object_id)  # its own handles, in every session
            return
        if what == "reload":
            # the new model's inference plan (code counts, the presence of no selection,
            # compiled kernels) is made with the reload, not by the first click
            shared_for(self.model)
        if what == "states":
            self.states_removed()
            what = "selection"  # every object may be in a state that changed
        if what == "library":
            # a master item or variable changed: its own handles, then any layout
            # (qLibraryId, the library lists, expressions reading variables)
            self.on_change("library", object_id)
            what, object_id = "selection", None
        if what == "variables":
            what = "selection"  # any layout may read a variable
        self.on_change(what, object_id)
        if what == "destroy" and object_id is not None:
            self._forget(object_id)
        if what in ("create", "destroy", "object") and object_id is not None:
            # the layouts that list app objects (qAppObjectListDef) change with them, and
            # a parent listing its children's properties (qChildListDef) with its children
            parent = app.parent_of(object_id) if what != "destroy" else None
            if parent is None:
                for holder in self._holders("qAppObjectListDef"):
                    if holder != object_id:
                        self.on_change("object", holder)
            elif what == "object" and self._holds(parent, "qChildListDef"):
                self.on_change("object", parent)

    def _holders(self, key: str) -> list[str]:
        ids = list(self.session_objects) + list(self.app.objects)
        return [obj_id for obj_id in ids if self._holds(obj_id, key)]

    def _holds(self, obj_id: str, key: str) -> bool:
        """Whether the object's properties hold ``key`` anywhere (cached per version)."""
        found = self.properties(obj_id)
        if found is None:
            return False
        version = self.version(obj_id)
        hit = self._holds_cache.get((key, obj_id))
        if hit is None or hit[0] != version:
            hit = self._holds_cache[(key, obj_id)] = (version, _has_key(found[0], key))
        return hit[1]

    def _forget(self, obj_id: str) -> None:
        self.soft_patches.pop(obj_id, None)
        self._effective.pop(obj_id, None)
        for key in ("qAppObjectListDef", "qChildListDef", "qBookmarkListDef"):
            self._holds_cache.pop((key, obj_id), None)

    # -- objects --------------------------------------------------------------------

    def properties(self, obj_id: str, soft: bool = True) -> tuple[dict[str, Any], bool] | None:
        """(properties, is_session_object) of an object, or None. With ``soft`` (what
        layouts and data pages read: GetEffectiveProperties) this session's soft patches
        are applied; without, the properties as set (GetProperties)."""
        props = self.session_objects.get(obj_id)
        is_session = props is not None
        if props is None:
            props = self.app.get_object(obj_id)
            if props is None:
                return None
        if soft and obj_id in self.soft_patches:
            props = self._patched(obj_id, props)
        if soft and props.get("qExtendsId"):
            props = self._extended(obj_id, props)
        return props, is_session

    def _own(self, oid: str) -> tuple[dict[str, Any], bool] | None:
        """(properties with soft patches, is_session_object) before any link is read."""
        found = self.session_objects.get(oid)
        if found is not None:
            return found, True
        kept = self.app.get_object(oid)
        if kept is None:
            return None
        return (self._patched(oid, kept) if oid in self.soft_patches else kept), False

    def _extended(self, obj_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """A linked object's properties: those of the objects it extends (qExtendsId)
        with its own on top (``app/properties.extended_properties``), made once per
        version of each; its own when the link is broken (a missing object, a session
        object, a cycle: its layout carries error 8001, ``link_error``)."""
        try:
            chain = extends_chain(obj_id, props, self._own)
        except ExtendsInvalidId:
            return props
        key = (id(props), self.version(obj_id),
               tuple((oid, id(p), self.version(oid)) for oid, p in chain))
        hit = self._extended_cache.get(obj_id)
        if hit is not None and hit[0] == key:
            return hit[1]
        out = extended_properties(props, chain)
        with self.lock:
            self._extended_cache[obj_id] = (key, out)
        return out

    def link_error(self, obj_id: str) -> int | None:
        """LOCERR_LAYOUT_LINKED_OBJECT_NOT_FOUND (8001) when the object is linked
        (``qExtendsId``) to an object that is gone, directly or through a chain; its
        layout carries it as ``qError`` (NxLayoutErrors, GenericObjectLayout's "gives
        information on the error",
        https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/EngineJSONAPI/Content/models-nxlayouterrors.htm)
        and shows its own properties. The name comes right after
        LOCERR_LAYOUT_EXTENDS_INVALID_ID (8000) in the engine's NxLocalizedErrorCode
        enum (Engine API v12.612 typings, github.com/miralemd/qae-types); the number
        is the project reference's error table (qix-api.md: "a linked master
        visualization is gone", a layout error)."""
        found = self._own(obj_id)
        if found is None or not found[0].get("qExtendsId"):
            return None
        try:
            extends_chain(obj_id, found[0], self._own)
        except ExtendsInvalidId:
            return LINKED_OBJECT_NOT_FOUND
        return None

    def linking(self, obj_id: str) -> set[str]:
        """The objects linked to ``obj_id`` (``qExtendsId``), directly or through a
        chain: their layouts change with it (and break when it is destroyed)."""
        with self.lock:
            ids = list(self.session_objects)
        with self.app.lock:
            ids += list(self.app.objects)
        below: dict[str, list[str]] = {}
        for oid in ids:
            found = self._own(oid)
            target = found[0].get("qExtendsId") if found is not None else None
            if isinstance(target, str) and target:
                below.setdefault(target, []).append(oid)
        out: set[str] = set()
        todo = [obj_id]
        while todo:
            for oid in below.get(todo.pop(), ()):
                if oid not in out and oid != obj_id:
                    out.add(oid)
                    todo.append(oid)
        return out

    def _patched(self, obj_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """The properties with the session's soft patches applied, made once per
        version of both (so that computations cached by definition stay cached). A soft
        patch that properties set since no longer take is skipped."""
        found = self.soft_patches.get(obj_id)
        if found is None:
            return props
        generation, patches = found
        key = (id(props), self.version(obj_id), generation)
        hit = self._effective.get(obj_id)
        if hit is not None and hit[0] == key:
            return hit[1]
        out = copy.deepcopy(props)
        for patch in patches:
            trial = copy.deepcopy(out)
            try:
                apply_patch(trial, patch)
            except AssociaError:
                continue
            out = trial
        out["qInfo"] = props["qInfo"]  # a patch never renames or retypes an object
        with self.lock:
            self._effective[obj_id] = (key, out)
        return out

    # -- soft patches ---------------------------------------------------------------

    def apply_soft_patches(self, obj_id: str, patches: list[dict[str, Any]]) -> None:
        """ApplyPatches with qSoftPatch: patches seen by this session only, on top of the
        properties; all or none (an error leaves the object as it was)."""
        found = self.properties(obj_id)
        if found is None:
            raise NotFound(obj_id, "Object not found")
        trial = copy.deepcopy(found[0])
        for patch in patches:
            apply_patch(trial, patch)
        with self.lock:
            self._soft_generation += 1
            _, old = self.soft_patches.get(obj_id, (0, []))
            self.soft_patches[obj_id] = (self._soft_generation,
                                         old + [copy.deepcopy(x) for x in patches])
        self.on_change("object", obj_id)

    def clear_soft_patches(self, obj_id: str | None = None) -> None:
        """ClearSoftPatches of one object, or of every object (ClearAllSoftPatches)."""
        with self.lock:
            ids = list(self.soft_patches) if obj_id is None else [obj_id]
            gone = [i for i in ids if self.soft_patches.pop(i, None) is not None]
        for i in gone:
            self.on_change("object", i)

    def soft_patch_list(self, ids: list[str] | None = None) -> list[dict[str, Any]]:
        """NxPatches (qInfo, qPatches, qChildren) of the objects with soft patches (of
        ``ids`` only, when given), as a bookmark keeps them."""
        with self.lock:
            held = {i: list(p) for i, (_, p) in self.soft_patches.items()}
        out = []
        for obj_id, patches in held.items():
            found = self.properties(obj_id, soft=False)
            if found is None or (ids and obj_id not in ids):
                continue
            out.append({"qInfo": object_info(found[0]), "qPatches": copy.deepcopy(patches),
                        "qChildren": []})
        return out

    def set_soft_patch_list(self, entries: Any) -> None:
        """Applying a bookmark: the soft patches it kept replace those of its objects
        (objects gone and patches that no longer apply are left out)."""
        for entry in entries if isinstance(entries, list) else []:
            info = entry.get("qInfo") if isinstance(entry, dict) else None
            obj_id = info.get("qId") if isinstance(info, dict) else None
            patches = entry.get("qPatches")
            if not isinstance(obj_id, str) or not isinstance(patches, list):
                continue
            found = self.properties(obj_id, soft=False)
            if found is None:
                continue
            trial, kept = copy.deepcopy(found[0]), []
            for patch in patches:
                attempt = copy.deepcopy(trial)
                try:
                    apply_patch(attempt, patch if isinstance(patch, dict) else {})
                except AssociaError:
                    continue
                trial = attempt
                kept.append(copy.deepcopy(patch))
            with self.lock:
                self._soft_generation += 1
                self.soft_patches[obj_id] = (self._soft_generation, kept)
            self.on_change("object", obj_id)

    def version(self, obj_id: str) -> int:
        return self.session_versions.get(obj_id) or self.app.object_versions.get(obj_id, 0)

    def create_session_object(self, props: dict[str, Any]) -> dict[str, Any]:
        props = new_object_properties(props)
        info = props["qInfo"]
        with self.lock:
            if info["qId"] in self.session_objects:
                raise AlreadyExists(info["qId"])
            self.session_objects[info["qId"]] = props
            self.session_versions[info["qId"]] = 1
        return props

    def set_session_object(self, obj_id: str, props: dict[str, Any]) -> None:
        with self.lock:
            old = self.session_objects.get(obj_id)
            if old is None:
                raise NotFound(obj_id, "Object not found")
            self.session_objects[obj_id] = replaced_properties(obj_id, old, props)
            self.session_versions[obj_id] += 1
        self.on_change("object", obj_id)

    def destroy_session_object(self, obj_id: str) -> bool:
        """Destroy a session object and its children (their handles close)."""
        with self.lock:
            if obj_id not in self.session_objects:
                return False
            parent = self.session_tree.parent(obj_id)
            gone = self.session_tree.remove(obj_id)
            for gid in gone:
                self.session_objects.pop(gid, None)
                self.session_versions.pop(gid, None)
                self._forget(gid)
        for gid in gone:
            self.on_change("destroy", gid)
        if parent is not None:
            self.on_change("children", parent)
        return True

    # -- children -------------------------------------------------------------------

    def parent_of(self, obj_id: str) -> str | None:
        if obj_id in self.session_objects:
            with self.lock:
                return self.session_tree.parent(obj_id)
        return self.app.parent_of(obj_id)

    def children_of(self, obj_id: str) -> list[str]:
        if obj_id in self.session_objects:
            with self.lock:
                return self.session_tree.children(obj_id)
        return self.app.children_of(obj_id)

    def create_child(self, parent_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """A new child of ``parent_id``: a session object under a session object, a
        persisted one under a persisted object."""
        info = props.get("qInfo") if isinstance(props, dict) else None
        wanted = info.get("qId") if isinstance(info, dict) else None
        if wanted and (wanted in self.session_objects or wanted in self.app.objects):
            raise AlreadyExists(wanted)
        if parent_id not in self.session_objects:
            return self.app.create_child(parent_id, props)
        with self.lock:
            if parent_id not in self.session_objects:
                raise NotFound(parent_id, "Object not found")
            props = self.create_session_object(props)
            self.session_tree.add(parent_id, props["qInfo"]["qId"])
        self.on_change("children", parent_id)
        return props

    def destroy_child(self, parent_id: str, child_id: str) -> bool:
        """Destroy ``child_id`` if it is a child of ``parent_id``."""
        if child_id not in self.children_of(parent_id):
            return False
        if child_id in self.session_objects:
            return self.destroy_session_object(child_id)
        return self.app.destroy_object(child_id)

    def reorder_children(self, parent_id: str, ids: list[str]) -> None:
        """SetChildArrayOrder, wherever the object lives."""
        if parent_id not in self.session_objects:
            self.app.reorder_children(parent_id, ids)
            return
        with self.lock:
            self.session_tree.reorder(parent_id, ids)
        self.on_change("children", parent_id)

    def set_object(self, obj_id: str, props: dict[str, Any]) -> None:
        """SetProperties, wherever the object lives."""
        if obj_id in self.session_objects:
            self.set_session_object(obj_id, props)
        else:
            self.app.set_object(obj_id, props)

    def set_tree(self, obj_id: str, entry: Any) -> list[TreeNode]:
        """SetFullPropertyTree, wherever the object lives."""
        if obj_id not in self.session_objects:
            return self.app.set_tree(obj_id, entry)
        with self.lock:
            if obj_id not in self.session_objects:
                raise NotFound(obj_id, "Object not found")
            nodes = plan_tree(entry, obj_id, self.session_objects, self.session_tree,
                              self.app.objects)
            existed = set(self.session_objects)
            gone = apply_tree(nodes, self.session_objects, self.session_versions,
                              self.session_tree)
        for gid in gone:
            self._forget(gid)
            self.on_change("destroy", gid)
        for node in nodes:
            if node.obj_id in existed:
                self.on_change("object", node.obj_id)
        return nodes

    # -- selection states of objects ----------------------------------------------

    def object_state(self, obj_id: str, definition: dict[str, Any] | None = None) -> str:
        """The state an object's definition is computed and selected in: the
        definition's own non-empty ``qStateName``, else the object's, else its parent's
        (children inherit), else the default state ``$`` (reference §6.1.4: Sense
        visualizations on a sheet in a state inherit it unless given their own)."""
        if definition is not None:
            own = definition.get("qStateName")
            if isinstance(own, str) and own:
                return own
        seen: set[str] = set()
        current: str | None = obj_id
        while current is not None and current not in seen:
            seen.add(current)
            found = self.properties(current)
            if found is None:
                break
            named = found[0].get("qStateName")
            if isinstance(named, str) and named:
                return named
            current = self.parent_of(current)
        return "$"

    def states_of(self, obj_id: str) -> set[str]:
        """The selection states an object's layout depends on: its own (or inherited)
        state, where its expressions are evaluated too, and any state a definition in it
        names; none when nothing in it reads selections (no cube, list, current
        selections, expression or list of other objects' data: ``SELECTION_READERS``)."""
        found = self.properties(obj_id)
        if found is None:
            return {self.object_state(obj_id)}
        out: set[str] = set()
        dependent = False
        sets = False  # a set expression may name any state (or the history)
        stack: list[Any] = [found[0]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                named = node.get("qStateName")
                if isinstance(named, str) and named:
                    out.add(named)
                dependent = dependent or not SELECTION_READERS.isdisjoint(node)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, str) and "{" in node:
                sets = True
        if not dependent:
            return set()  # nothing in it reads selections: no selection changes it
        if sets:
            return {DEFAULT_STATE, *self.state_names()}
        return out | {self.object_state(obj_id)}

    def set_sources(self, model: DataModel) -> SessionSets:
        """What set identifiers name in this session (``calc.sets``)."""
        return SessionSets(self, model)

    def _sets_version(self, definition: dict[str, Any]) -> tuple:
        """What a cube's set expressions may read besides its own state: every state's
        selections, the history and the bookmarks (empty when it has none)."""
        texts = [m.get("qDef", {}).get("qDef") for m in definition.get("qMeasures") or []
                 if isinstance(m, dict) and isinstance(m.get("qDef"), dict)]
        if not any(isinstance(t, str) and "{" in t for t in texts):
            return ()
        with self.lock:
            versions = tuple(sorted((n, st.version) for n, st in self._states.items()))
            steps = (len(self.back), len(self.forward))
        with self.app.lock:
            marks = tuple(sorted(self.app.bookmarks))
        return (versions, steps, marks)

    def inherited_state(self, obj_id: str) -> str | None:
        """The object's state when it or an ancestor names one (for the top-level
        ``qStateName`` of its layout), else None."""
        state = self.object_state(obj_id)
        if state != "$":
            return state
        current: str | None = obj_id
        seen: set[str] = set()
        while current is not None and current not in seen:
            seen.add(current)
            found = self.properties(current)
            if found is None:
                return None
            if found[0].get("qStateName"):
                return state
            current = self.parent_of(current)
        return None

    # -- computations ---------------------------------------------------------------

    def _cached(self, obj_id: str, path: str, build: Callable[[], Any], key: tuple) -> Any:
        hit = self._cache.get((obj_id, path))
        if hit is not None and hit[0] == key:
            return hit[1]
        value = build()
        with self.lock:
            self._cache[(obj_id, path)] = (key, value)
        return value

    def computations(self, obj_id: str) -> list[Any]:
        """What was computed for an object's layout (its hypercubes and list objects)."""
        with self.lock:
            return [value for (oid, _), (_, value) in self._cache.items() if oid == obj_id]

    def hypercube(self, obj_id: str, path: str, definition: dict[str, Any]) -> HyperCube:
        definition = resolve_cube(self, definition)  # qLibraryId: the master items'
        model, state, inf = self.snapshot(self.object_state(obj_id, definition))
        name = self.object_state(obj_id, definition)
        variables = variables_key(self)
        key = ("hc", self.version(obj_id), model.version, state.version, id(definition),
               self._sets_version(definition), variables)

        def build() -> HyperCube:
            sets = SetEvaluator(model, state, self.set_sources(model), self.app.locale)
            ctx = self.context(name, definition)

            def prepared(text: str, bare: bool = True) -> str:
                return self.prepare(text, name, ctx, bare)

            return HyperCube(model, inf, definition, self.app.locale, sets, prepared, ctx)

        return self._cached(obj_id, path, build, key)

    def list_definition(self, obj_id: str, definition: dict[str, Any]) -> dict[str, Any]:
        """A list object's definition with its calculated field and ``qExpressions``
        prepared (``prepared_list``)."""
        return self.prepared_list(obj_id, definition)[0]

    def prepared_list(self, obj_id: str, definition: dict[str, Any],
                      ) -> tuple[dict[str, Any], dict[int, str]]:
        """A list object's definition with the dollar-sign expansions of its field and
        ``qExpressions`` made and, in a calculated field (``=…``) and the expressions,
        bare variable names replaced by their values (``calc/expressions.prepare``, as
        in measures); and what failed to prepare: ``-1`` the field, ``i`` expression
        ``i``, each with its message (the text is left as written). The same object
        when nothing is to be prepared; else a copy made once per definition, variables,
        model and (with ``$(…)``, which may evaluate) selections.

        Qlik's rules, as found: ``qFieldDefs`` is an "Array of field names" (help
        "NxInlineDimensionDef",
        https://help.qlik.com/en-US/sense-developer/May2026/Subsystems/EngineJSONAPI/Content/models-nxinlinedimensiondef.htm):
        without ``=`` an entry names a field, so ``["vDim"]`` is the field vDim (not
        found when there is none) and ``["$(vDim)"]`` the field the expansion names.
        With ``=`` it is an expression, where a bare name may be a measure, a variable
        or a field (help "Examples of using a variable in an expression", its table of
        how names are interpreted; a field wins inside an aggregation, a variable
        outside one:
        https://help.qlik.com/zh-CN/sense/May2023/Subsystems/Hub/Content/Sense_Hub/Variables/use-variables-expression.htm),
        so ``["=vDim"]`` and a measure ``=vMeasure`` are direct references, and
        ``["=$(vDim)"]`` an expansion. What a direct reference gives is the engine's one
        rule for chart expressions (``expr/expansion.substitute_variables``: the
        variable's value in its place, parenthesised); list objects follow it. The help
        says otherwise for a variable holding an expression text (its value, the text,
        is used: see the open question in ``expr/expansion.py``)."""
        definition = resolve_list(self, definition)  # qLibraryId: the master items'
        found = definition.get("qDef")
        qdef: dict[str, Any] = found if isinstance(found, dict) else {}
        listed = qdef.get("qFieldDefs")
        defs: list[Any] = listed if isinstance(listed, list) else []
        exprs = definition.get("qExpressions")
        field = defs[0] if defs and isinstance(defs[0], str) else None
        # the texts whose bare names may be variables: a calculated field, the expressions
        bare = [field] if field is not None and field.lstrip().startswith("=") else []
        for item in exprs if isinstance(exprs, list) else []:
            text = item.get("qExpr") if isinstance(item, dict) else item
            if isinstance(text, str):
                bare.append(text)
        texts = bare + ([field] if field is not None else [])
        variables = variables_of(self)
        expands = any("$(" in t for t in texts)
        substitutes = bool(variables) and any(name in t for t in bare for name in variables)
        if not (expands or substitutes):
            return definition, {}
        state = self.object_state(obj_id, definition)
        model, current, _ = self.snapshot(state)
        key = (id(definition), hash(frozenset(variables.items())), model.version,
               current.version if expands else None)
        hit = self._prepared_lists.get(obj_id)
        if hit is not None and hit[0] == key and hit[1] is definition:
            return hit[2], hit[3]
        out = copy.deepcopy(definition)
        errors: dict[int, str] = {}
        new_defs = out["qDef"]["qFieldDefs"]
        calculated = field is not None and field.lstrip().startswith("=")
        if field is not None and (calculated or "$(" in field):
            text = new_defs[0].lstrip()
            try:
                body = self.prepare(text[1:] if calculated else text, state,
                                    bare=calculated)
                new_defs[0] = ("=" + body) if calculated else body
            except ExpressionError as exc:
                errors[-1] = exc.message
        for i, item in enumerate(out.get("qExpressions") or []):
            if isinstance(item, dict) and isinstance(item.get("qExpr"), str):
                try:
                    item["qExpr"] = self.prepare(item["qExpr"], state)
                except ExpressionError as exc:
                    errors[i] = exc.message
        with self.lock:
            self._prepared_lists[obj_id] = (key, definition, out, errors)
        return out, errors

    def listobject(self, obj_id: str, path: str, definition: dict[str, Any]) -> ListObject:
        definition, errors = self.prepared_list(obj_id, definition)
        model, state, inf = self.snapshot(self.object_state(obj_id, definition))
        search = self.searches.get((obj_id, path))
        key = ("lo", self.version(obj_id), model.version, state.version, id(definition),
               None if search is None else search[0], variables_key(self))
        return self._cached(
            obj_id,
            path,
            lambda: ListObject(
                model,
                inf,
                definition,
                None if search is None else search[1],
                "" if search is None else search[0],
                self.app.locale,
                errors,
            ),
            key,
        )

    def context(self, state: str | None = "$", hypercube_def: Any = None) -> AppContext:
        """What field and system functions read, in ``state`` (for an object: its
        hypercube definition gives GetObjectField/Dimension/Measure their labels)."""
        return AppContext(self, state, hypercube_def)

    def prepare(self, text: str, state: str | None = "$",
                context: AppContext | None = None, bare: bool = True) -> str:
        """An expression with its dollar-sign expansions made and (with ``bare``) its bare
        variable names replaced (``calc/expressions.py``); ``$(=…)`` is evaluated in
        ``state``."""
        ctx = context or self.context(state)

        def evaluate(inner: str) -> str:
            depth = getattr(_EXPANDING, "depth", 0)
            if depth >= MAX_NESTED_EVALUATIONS:
                raise ExpressionError("Too many nested dollar-sign expansions: "
                                      "a variable may expand to itself")
            _EXPANDING.depth = depth + 1
            try:
                value, _ = self.evaluate(inner, state, ctx)
            finally:
                _EXPANDING.depth = depth
            return "" if value is None else value

        return prepare(text, variables_of(self), evaluate,
                       self.model.fields if bare else None)

    def evaluate(self, text: str, state: str | None = "$",
                 context: AppContext | None = None) -> tuple[str | None, float]:
        """An expression over the possible records of ``state``, as one value (text or
        None, number); dollar-sign expansions and variables first."""
        model, current, inf = self.snapshot(state)
        ctx = context or self.context(state)
        prepared = self.prepare(text, state, ctx)
        sets = SetEvaluator(model, current, self.set_sources(model), self.app.locale)
        return evaluate_scalar(model, inf, prepared, self.app.locale, sets, ctx)

    def evaluate_text(self, text: str, state: str | None = "$",
                      context: AppContext | None = None) -> str:
        """For string expressions in layouts: the text, or an error text."""
        try:
            value, _ = self.evaluate(text, state, context)
        except ExpressionError as exc:
            return f"Error: {exc.detail}"
        return "-" if value is None else value


def _has_key(node: Any, key: str) -> bool:
    if isinstance(node, dict):
        return key in node or any(_has_key(v, key) for v in node.values())
    if isinstance(node, list):
        return any(_has_key(v, key) for v in node)
    return False


def resolve_path(props: dict[str, Any], path: str) -> dict[str, Any]:
    """The definition at a JSON-pointer-like qPath ("/qHyperCubeDef")."""
    node: Any = props
    for part in [p for p in path.split("/") if p]:
        index = list_index(part)
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and index is not None and index < len(node):
            node = node[index]
        else:
            raise InvalidPath(path)
    if not isinstance(node, dict):
        raise InvalidPath(path)
    return node
