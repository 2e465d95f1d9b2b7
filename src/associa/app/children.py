"""Children of generic objects: which object is whose child, and whole property trees.

An object created with ``CreateChild`` (or inside ``SetFullPropertyTree``) belongs to its
parent: it lives where the parent lives (with the app when the parent is persisted, with
the session when it is a session object), it is destroyed with the parent, and it is
listed by the parent's ``GetChildInfos`` and ``qChildListDef``. Children keep the order in
which they were added (the order of ``qChildren`` for a property tree).

``ObjectTree`` holds the links; ``plan_tree`` checks a ``GenericObjectEntry``
(``{qProperty, qChildren:[…]}``) and flattens it, and ``apply_tree`` puts a checked tree
in place of an object's subtree, so that a rejected tree changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any

from associa.app.properties import new_object_properties
from associa.errors import AlreadyExists, InvalidParameters


class ObjectTree:
    """Parent/child links between object ids (not thread safe: callers hold a lock)."""

    def __init__(self) -> None:
        self._children: dict[str, list[str]] = {}
        self._parent: dict[str, str] = {}

    def parent(self, obj_id: str | None) -> str | None:
        return self._parent.get(obj_id) if obj_id is not None else None

    def children(self, obj_id: str) -> list[str]:
        return list(self._children.get(obj_id, ()))

    def descendants(self, obj_id: str) -> list[str]:
        """Every object below ``obj_id``, depth first in child order."""
        out: list[str] = []
        stack = list(reversed(self._children.get(obj_id, ())))
        while stack:
            child = stack.pop()
            out.append(child)
            stack.extend(reversed(self._children.get(child, ())))
        return out

    def add(self, parent: str, child: str) -> None:
        if child == parent or child in self._parent or parent in self.descendants(child):
            raise InvalidParameters(child, f"{child} cannot become a child of {parent}")
        self._children.setdefault(parent, []).append(child)
        self._parent[child] = parent

    def reorder(self, parent: str, ids: list[str]) -> None:
        """SetChildArrayOrder: ``ids`` must hold every child of ``parent`` once."""
        kids = self._children.get(parent, [])
        if sorted(ids) != sorted(kids):
            raise InvalidParameters("qIds", "qIds must list every child of the object once")
        kids[:] = ids

    def remove(self, obj_id: str) -> list[str]:
        """Forget ``obj_id`` and everything below it; their ids, ``obj_id`` first."""
        gone = [obj_id, *self.descendants(obj_id)]
        parent = self._parent.pop(obj_id, None)
        if parent is not None:
            siblings = self._children.get(parent, [])
            if obj_id in siblings:
                siblings.remove(obj_id)
            if not siblings:
                self._children.pop(parent, None)
        for gid in gone:
            self._parent.pop(gid, None)
            self._children.pop(gid, None)
        return gone

    # -- persistence ----------------------------------------------------------------

    def to_json(self) -> dict[str, list[str]]:
        return {parent: list(kids) for parent, kids in self._children.items() if kids}

    @classmethod
    def from_json(cls, data: Any, known: Container[str]) -> ObjectTree:
        """Links from ``to_json``; links to objects that are not ``known`` are dropped."""
        tree = cls()
        if not isinstance(data, Mapping):
            return tree
        for parent, kids in data.items():
            if parent not in known or not isinstance(kids, list):
                continue
            for kid in kids:
                if isinstance(kid, str) and kid in known:
                    try:
                        tree.add(parent, kid)
                    except InvalidParameters:
                        continue  # a damaged file: a second parent or a cycle is dropped
        return tree


@dataclass(slots=True)
class TreeNode:
    obj_id: str
    parent: str | None  # None for the root
    props: dict[str, Any]


def plan_tree(
    entry: Any,
    root_id: str,
    objects: Mapping[str, dict[str, Any]],
    tree: ObjectTree,
    taken: Container[str] = (),
) -> list[TreeNode]:
    """Check a GenericObjectEntry for ``root_id`` and flatten it, root first.

    The root keeps its id and type whatever ``qProperty.qInfo`` says; so does every child
    that already exists below the root (an object's type cannot be changed). A child id
    that belongs to any other object (in ``objects`` or ``taken``) raises ``AlreadyExists``; an id met twice in the tree
    (a cycle, or the root inside its own children) raises ``InvalidParameters``.
    """
    below = set(tree.descendants(root_id))
    nodes: list[TreeNode] = []
    seen: set[str] = set()

    def visit(node: Any, parent: str | None, where: str) -> None:
        if not isinstance(node, dict):
            raise InvalidParameters(where, f"{where} must be an object")
        props = node.get("qProperty")
        if not isinstance(props, dict):
            raise InvalidParameters(f"{where}.qProperty", f"{where}.qProperty must be an object")
        props = new_object_properties(props)
        info = props["qInfo"]
        if parent is None:
            info["qId"] = root_id
            info["qType"] = objects[root_id].get("qInfo", {}).get("qType", "")
        obj_id = info["qId"]
        if obj_id in seen:
            raise InvalidParameters(
                where, f"object {obj_id} occurs more than once in the property tree"
            )
        seen.add(obj_id)
        if parent is not None:
            if obj_id in below:
                info["qType"] = objects[obj_id].get("qInfo", {}).get("qType", "")
            elif obj_id in objects or obj_id in taken:
                raise AlreadyExists(obj_id, "An object with this id already exists")
        nodes.append(TreeNode(obj_id, parent, props))
        kids = node.get("qChildren")
        if kids is None:
            kids = []
        if not isinstance(kids, list):
            raise InvalidParameters(f"{where}.qChildren", "qChildren must be an array")
        for i, kid in enumerate(kids):
            visit(kid, obj_id, f"{where}.qChildren[{i}]")

    visit(entry, None, "qPropEntry")
    return nodes


def apply_tree(
    nodes: list[TreeNode],
    objects: dict[str, dict[str, Any]],
    versions: dict[str, int],
    tree: ObjectTree,
) -> list[str]:
    """Put checked ``nodes`` (from ``plan_tree``) in place; the ids no longer there."""
    root = nodes[0].obj_id
    before = tree.descendants(root)
    keep = {n.obj_id for n in nodes}
    for child in tree.children(root):
        tree.remove(child)
    gone = [obj_id for obj_id in before if obj_id not in keep]
    for obj_id in gone:
        objects.pop(obj_id, None)
        versions.pop(obj_id, None)
    for node in nodes:
        objects[node.obj_id] = node.props
        versions[node.obj_id] = versions.get(node.obj_id, 0) + 1
        if node.parent is not None:
            tree.add(node.parent, node.obj_id)
    return gone


def subtree_entry(
    obj_id: str,
    props_of: Callable[[str], dict[str, Any]],
    children_of: Callable[[str], list[str]],
    public: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """The GenericObjectEntry of ``obj_id``: ``{qProperty, qChildren}``, recursively."""
    return {
        "qProperty": public(props_of(obj_id)),
        "qChildren": [
            subtree_entry(kid, props_of, children_of, public) for kid in children_of(obj_id)
        ],
    }

