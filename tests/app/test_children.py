"""Children of generic objects: the tree, persisted children (App), session children
(DocState), whole property trees, and children on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from associa.app.app import App
from associa.app.children import ObjectTree, apply_tree, plan_tree
from associa.app.doc import DocState
from associa.errors import AlreadyExists, InvalidParameters, NotFound
from associa.store import AppStore
from tests.app.conftest import Listener


def obj(qid: str, qtype: str = "x", **extra: Any) -> dict[str, Any]:
    return {"qInfo": {"qId": qid, "qType": qtype}, **extra}


def entry(qid: str, *children: dict[str, Any], qtype: str = "x", **extra: Any) -> dict:
    return {"qProperty": obj(qid, qtype, **extra), "qChildren": list(children)}


# -- the tree -------------------------------------------------------------------------


def test_tree_links_in_order() -> None:
    tree = ObjectTree()
    tree.add("p", "a")
    tree.add("p", "b")
    tree.add("a", "a1")
    assert tree.children("p") == ["a", "b"] and tree.parent("a1") == "a"
    assert tree.descendants("p") == ["a", "a1", "b"]
    assert tree.parent("p") is None and tree.parent(None) is None
    assert tree.remove("a") == ["a", "a1"]
    assert tree.children("p") == ["b"] and tree.parent("a1") is None
    assert tree.to_json() == {"p": ["b"]}


def test_tree_refuses_cycles_and_second_parents() -> None:
    tree = ObjectTree()
    tree.add("p", "a")
    tree.add("a", "b")
    for parent, child in (("b", "p"), ("a", "a"), ("q", "a"), ("b", "a")):
        with pytest.raises(InvalidParameters):
            tree.add(parent, child)
    assert tree.to_json() == {"p": ["a"], "a": ["b"]}


def test_tree_from_json_drops_what_does_not_fit() -> None:
    known = {"p", "a", "b"}
    tree = ObjectTree.from_json({"p": ["a", "gone", 5, "a"], "a": ["p", "b"], "gone": ["b"],
                                 "b": "not a list"}, known)
    assert tree.to_json() == {"p": ["a"], "a": ["b"]}
    assert ObjectTree.from_json(None, known).to_json() == {}


def test_plan_keeps_the_root_id_and_type() -> None:
    objects = {"root": obj("root", "sheet")}
    nodes = plan_tree(entry("other", entry("k"), qtype="chart"), "root", objects, ObjectTree())
    assert [(n.obj_id, n.parent) for n in nodes] == [("root", None), ("k", "root")]
    assert nodes[0].props["qInfo"] == {"qId": "root", "qType": "sheet"}


def test_plan_gives_ids_to_children_without_one() -> None:
    tree_entry = {"qProperty": {"qInfo": {"qType": "sheet"}},
                  "qChildren": [{"qProperty": {"a": 1}}, {"qProperty": {"qInfo": {"qId": ""}}}]}
    nodes = plan_tree(tree_entry, "root", {"root": obj("root")}, ObjectTree())
    kids = [n.props["qInfo"] for n in nodes[1:]]
    assert all(len(k["qId"]) == 36 and k["qType"] == "" for k in kids)
    assert kids[0]["qId"] != kids[1]["qId"]


@pytest.mark.parametrize("bad,error", [
    ("not an object", InvalidParameters),
    ({"qProperty": 5}, InvalidParameters),
    ({"qProperty": {}, "qChildren": {"no": "list"}}, InvalidParameters),
    ({"qProperty": {}, "qChildren": [7]}, InvalidParameters),
    (entry("r", entry("root")), InvalidParameters),  # the root inside its own tree
    (entry("r", entry("k"), entry("k")), InvalidParameters),  # a child twice
    (entry("r", entry("k", entry("k"))), InvalidParameters),  # a cycle
    (entry("r", entry("elsewhere")), AlreadyExists),  # another object's id
])
def test_plan_refuses_bad_trees(bad: Any, error: type[Exception]) -> None:
    objects = {"root": obj("root"), "elsewhere": obj("elsewhere")}
    with pytest.raises(error):
        plan_tree(bad, "root", objects, ObjectTree())


def test_apply_replaces_the_subtree() -> None:
    objects = {"root": obj("root"), "a": obj("a", "chart"), "b": obj("b"), "b1": obj("b1")}
    versions = dict.fromkeys(objects, 1)
    tree = ObjectTree()
    tree.add("root", "a")
    tree.add("root", "b")
    tree.add("b", "b1")
    # b1 moves under the new child c; a keeps its type; b goes away
    nodes = plan_tree(entry("root", entry("c", entry("b1")), entry("a", qtype="bar", t=2)),
                      "root", objects, tree)
    gone = apply_tree(nodes, objects, versions, tree)
    assert gone == ["b"]
    assert tree.descendants("root") == ["c", "b1", "a"]
    # stored as every object is: normalised (qMetaDef added), client keys kept
    assert objects["a"] == {**obj("a", "chart"), "qMetaDef": {}, "t": 2} and "b" not in objects
    assert versions == {"root": 2, "a": 2, "b1": 2, "c": 1}


# -- persisted children (App) ---------------------------------------------------------


def test_create_child(app: App) -> None:
    listener = Listener()
    app.create_object(obj("p", "sheet"))
    app.listen(listener)
    made = app.create_child("p", {"qInfo": {"qType": "chart"}, "t": 1})
    kid = made["qInfo"]["qId"]
    assert app.children_of("p") == [kid] and app.parent_of(kid) == "p"
    assert app.get_object(kid)["t"] == 1 and app.object_versions[kid] == 1
    assert listener.events == [("create", kid), ("children", "p")]
    with pytest.raises(AlreadyExists):
        app.create_child("p", obj(kid))
    with pytest.raises(NotFound):
        app.create_child("nobody", obj("k2"))
    assert app.children_of("p") == [kid] and "k2" not in app.objects


def test_destroying_a_parent_destroys_its_children(app: App) -> None:
    app.create_object(obj("p"))
    app.create_child("p", obj("a"))
    app.create_child("a", obj("a1"))
    app.create_child("p", obj("b"))
    app.create_object(obj("other"))
    listener = Listener()
    app.listen(listener)
    assert app.destroy_object("a") is True
    assert listener.events == [("destroy", "a"), ("destroy", "a1"), ("children", "p")]
    assert app.children_of("p") == ["b"] and "a1" not in app.objects
    assert app.destroy_object("p") is True
    assert set(app.objects) == {"other"} and app.object_versions == {"other": 1}
    assert app.tree.to_json() == {}


def test_set_tree(app: App) -> None:
    app.create_object(obj("p", "sheet", old=True))
    app.create_child("p", obj("gone"))
    app.create_child("p", obj("kept", "chart"))
    listener = Listener()
    app.listen(listener)
    app.set_tree("p", entry("p", entry("kept", qtype="other", v=2), entry("new"), qtype="sheet",
                            fresh=True))
    assert app.get_object("p") == {**obj("p", "sheet"), "qMetaDef": {}, "fresh": True}
    assert app.get_object("kept") == {**obj("kept", "chart"), "qMetaDef": {}, "v": 2}
    assert app.children_of("p") == ["kept", "new"] and "gone" not in app.objects
    assert listener.events == [("destroy", "gone"), ("object", "p"), ("object", "kept"),
                               ("create", "new")]


def test_a_rejected_tree_changes_nothing(app: App) -> None:
    app.create_object(obj("p"))
    app.create_child("p", obj("k"))
    app.create_object(obj("elsewhere"))
    before = (dict(app.objects), app.tree.to_json(), dict(app.object_versions))
    for bad in (entry("p", entry("elsewhere")), entry("p", entry("n", entry("p"))),
                entry("p", entry("n"), {"qProperty": []})):
        with pytest.raises((AlreadyExists, InvalidParameters)):
            app.set_tree("p", bad)
    assert (dict(app.objects), app.tree.to_json(), dict(app.object_versions)) == before
    with pytest.raises(NotFound):
        app.set_tree("nobody", entry("nobody"))


def test_children_persist_with_the_app(app: App, tmp_path: Path) -> None:
    app.create_object(obj("p", "sheet"))
    app.set_tree("p", entry("p", entry("a", entry("a1")), entry("b"), qtype="sheet"))
    store = AppStore(tmp_path / "data")
    store.save(app.to_record())
    back = App.from_record(store.load("a"), tmp_path)
    assert back.children_of("p") == ["a", "b"] and back.children_of("a") == ["a1"]
    assert back.parent_of("a1") == "a" and back.objects == app.objects
    back.destroy_object("p")
    assert back.objects == {}


def test_records_without_children_still_load(app: App, tmp_path: Path) -> None:
    app.create_object(obj("p"))
    record = app.to_record()
    del record.meta["children"]
    back = App.from_record(record, tmp_path)
    assert back.children_of("p") == [] and back.parent_of("p") is None


# -- session children (DocState) ------------------------------------------------------


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def __call__(self, what: str, obj_id: str | None) -> None:
        self.seen.append((what, obj_id))


def test_session_children(app: App) -> None:
    events = Events()
    doc = DocState(app, events)
    doc.create_session_object(obj("s"))
    kid = doc.create_child("s", {"qInfo": {"qType": "chart"}})["qInfo"]["qId"]
    assert doc.children_of("s") == [kid] and doc.parent_of(kid) == "s"
    assert kid in doc.session_objects and kid not in app.objects
    assert events.seen == [("children", "s")]
    doc.create_child(kid, obj("grandchild"))
    events.seen.clear()
    assert doc.destroy_child("s", "grandchild") is False  # not a direct child
    assert doc.destroy_session_object("s") is True
    assert events.seen == [("destroy", "s"), ("destroy", kid), ("destroy", "grandchild")]
    assert doc.session_objects == {} and doc.session_versions == {}


def test_children_live_where_their_parent_lives(app: App) -> None:
    doc = DocState(app)
    app.create_object(obj("persisted"))
    doc.create_session_object(obj("session"))
    doc.create_child("persisted", obj("pk"))
    doc.create_child("session", obj("sk"))
    assert "pk" in app.objects and "sk" in doc.session_objects
    assert doc.parent_of("pk") == "persisted" and doc.parent_of("sk") == "session"
    with pytest.raises(NotFound):
        doc.create_child("nobody", obj("x"))
    assert doc.destroy_child("persisted", "pk") and "pk" not in app.objects
    assert doc.destroy_child("session", "sk") and "sk" not in doc.session_objects


def test_session_tree(app: App) -> None:
    events = Events()
    doc = DocState(app, events)
    doc.create_session_object(obj("s"))
    doc.create_child("s", obj("old"))
    app.create_object(obj("taken"))
    with pytest.raises(AlreadyExists):
        doc.set_tree("s", entry("s", entry("taken")))
    events.seen.clear()
    doc.set_tree("s", entry("s", entry("n1", entry("n2")), a=1))
    assert doc.children_of("s") == ["n1"] and doc.children_of("n1") == ["n2"]
    assert doc.session_objects["s"]["a"] == 1 and "old" not in doc.session_objects
    assert events.seen == [("destroy", "old"), ("object", "s")]


def test_list_holders_change_with_app_objects(app: App) -> None:
    events = Events()
    doc = DocState(app, events)
    doc.create_session_object(obj("sheets", qAppObjectListDef={"qType": "sheet"}))
    doc.create_session_object(obj("plain"))
    app.create_object(obj("p", "sheet", qChildListDef={"qData": {"t": "/t"}}))
    app.create_object(obj("q"))
    app.create_child("q", obj("qk"))  # q has no qChildListDef
    events.seen.clear()
    app.create_object(obj("s2", "sheet"))
    assert ("object", "sheets") in events.seen and ("object", "plain") not in events.seen
    events.seen.clear()
    app.create_child("p", obj("k"))  # a child is not an app object
    assert events.seen == [("create", "k"), ("children", "p")]
    events.seen.clear()
    app.set_object("k", obj("k", t=1))
    # the parent lists the child's properties; app-object lists don't list children
    assert events.seen == [("object", "k"), ("object", "p")]
    events.seen.clear()
    app.set_object("qk", obj("qk", t=1))
    assert ("object", "q") not in events.seen


def test_a_child_id_is_unique_across_session_and_app(app: App) -> None:
    doc = DocState(app)
    app.create_object(obj("persisted"))
    doc.create_session_object(obj("session"))
    for parent, taken in (("session", "persisted"), ("persisted", "session")):
        with pytest.raises(AlreadyExists):
            doc.create_child(parent, obj(taken))
    assert doc.children_of("session") == [] and doc.children_of("persisted") == []
