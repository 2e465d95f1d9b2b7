"""A pivot table's axes: the left and top trees of nodes (``Axis``, ``Node``), how
their entries are ordered (``axes_order``: the dimensions and the measures' pseudo
dimension), and the expansion state that opens and closes their nodes (``Expansion``,
``set_expanded``). ``calc/pivot.py`` builds them over its cube; the module docstring
there says what the engine does and the choices made."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.calc import others as limits

if TYPE_CHECKING:
    from associa.calc.pivot import PivotCube

PSEUDO = -1
OTHERS = limits.OTHERS  # an Others node's qElemNo, and its last value in a path
TOTAL_ELEM = -1
NULL_ELEM = -2
EMPTY_ELEM = -4
NULL_CELL = {"qText": "-", "qNum": "NaN", "qType": "U"}


# the values each parent path of an axis groups in its Others node (the path ends with
# ``OTHERS`` under an Others node)
Grouped = Mapping[tuple[int, ...], frozenset[int]]
# dimension limits of an axis: (level, parent path, the values under it in order, what
# the axis groups so far) -> (the values kept, the values an Others node groups: none
# when it is not shown)
Limit = Callable[[int, tuple[int, ...], list[int], Grouped], tuple[list[int], list[int]]]
# the first measure's number at each node path of an axis (the other axis summed up),
# given what the axis groups so far: how the children of an Others node sort by y-value
NodeValue = Callable[[list[tuple[int, ...]], Grouped], np.ndarray]


def is_pivot(definition: Mapping[str, Any]) -> bool:
    return definition.get("qMode") in ("P", "DATA_MODE_PIVOT", "EQ_DATA_MODE_PIVOT")


def axes_order(definition: Mapping[str, Any], ndims: int, nmeasures: int) -> tuple[list[int], int]:
    """The effective order of the dimensions and the pseudo dimension (``-1``, with two
    measures or more) and how many of them are on the left."""
    wanted = definition.get("qInterColumnSortOrder")
    order: list[int] = []
    for c in wanted if isinstance(wanted, list) else []:
        if isinstance(c, int) and not isinstance(c, bool) and c not in order and (
                0 <= c < ndims or (c == PSEUDO and nmeasures > 1)):
            order.append(c)
    order += [c for c in range(ndims) if c not in order]
    if nmeasures > 1 and PSEUDO not in order:
        pos = definition.get("qPseudoDimPos")
        at = pos if isinstance(pos, int) and 0 <= pos <= len(order) else len(order)
        order.insert(at, PSEUDO)
    left = definition.get("qNoOfLeftDims")
    nleft = left if isinstance(left, int) and 0 <= left <= len(order) else len(order)
    return order, nleft


def dim_name(definition: Mapping[str, Any]) -> str:
    """How an expansion entry names a dimension: its first field definition."""
    qdef = definition.get("qDef") or {}
    defs = qdef.get("qFieldDefs") if isinstance(qdef, Mapping) else None
    return str(defs[0]) if isinstance(defs, list) and defs else ""


class Expansion:
    """The nodes ``qExpansionState`` expands (see the module's docstring)."""

    def __init__(self, state: Any) -> None:
        self.entries: list[tuple[str, tuple[int, ...] | None, bool]] = []
        for e in state if isinstance(state, list) else []:
            pos = e.get("qPos") if isinstance(e, Mapping) else None
            if not isinstance(pos, Mapping):
                continue
            path = pos.get("qElemNo") or []
            path = tuple(int(x) for x in path if isinstance(x, int | float))
            self.entries.append((str(pos.get("qDimName") or ""), path or None,
                                 not e.get("qExcludeList")))

    def expanded(self, name: str, path: tuple[int, ...]) -> bool:
        for n, p, expanded in reversed(self.entries):
            if n == name and (p is None or p == path):
                return expanded
        return False


def set_expanded(state: Any, name: str, path: tuple[int, ...] | None,
                 expanded: bool) -> list[dict[str, Any]]:
    """``qExpansionState`` with one node (``path`` None: every node of the dimension)
    expanded or collapsed; the entries it overrides are dropped."""
    out: list[dict[str, Any]] = [
        dict(copy.deepcopy(e)) for e in (state if isinstance(state, list) else [])
        if isinstance(e, Mapping)]

    def overridden(e: Mapping[str, Any]) -> bool:
        pos = e.get("qPos") or {}
        if str(pos.get("qDimName") or "") != name:
            return False
        return path is None or tuple(pos.get("qElemNo") or ()) == path

    out = [e for e in out if not overridden(e)]
    out.append({"qExcludeList": not expanded,
                "qPos": {"qDimName": name, "qElemNo": list(path or ()), "qElemValues": []}})
    return out


@dataclass(slots=True, eq=False)
class Node:
    """A node of an axis tree. ``kind``: N value, U NULL value, T total, E collapsed
    placeholder (sent as qType T, qElemNo -4), P pseudo, O Others (dimension limits: its
    last value is ``OTHERS``). ``syms``: the values of the axis' dimensions from the
    outermost one down to this node's subtotal level; ``flag``: 1 can expand, 2 can
    collapse; ``grouped``: an Others node's values (the ones its parent does not keep)."""

    kind: str
    level: int  # index among the axis' entries
    dim: int  # dimension index, or PSEUDO
    elem: int
    syms: tuple[int, ...]
    measure: int | None
    children: list[Node] = field(default_factory=list)
    flag: int = 0
    start: int = 0
    count: int = 0
    grouped: tuple[int, ...] = ()


class Axis:
    """One side of the pivot: its entries (dimensions, pseudo), its tree and leaves."""

    def __init__(self, cube: PivotCube, entries: list[int], ranks: dict[int, np.ndarray],
                 expansion: Expansion, fully: bool, totals: dict[int, bool], above: bool,
                 names: dict[int, str], indent: bool = False,
                 by_value: Callable[[list[int], np.ndarray], np.ndarray] | None = None,
                 sign: int = 1, limit: Limit | None = None,
                 node_value: NodeValue | None = None,
                 leaf_others: set[int] | frozenset[int] = frozenset()) -> None:
        self.entries = entries
        self.indent = indent
        self._measures = len(cube.measures)
        self.dims = [e for e in entries if e != PSEUDO]
        self._fully = fully
        self._totals = totals
        self._above = above
        self._names = names
        self._expansion = expansion
        self._nulls = {d: cube.null_symbol(d) for d in self.dims}
        self._ranks = ranks
        self._sign = sign
        self._node_value = node_value if by_value is not None else None
        self._combos = np.zeros((0, len(self.dims)), dtype=np.int64)
        self._kids = self._children(cube, ranks, by_value, sign)
        self._limit = limit
        self._leaf_others = leaf_others  # dimensions whose Others nodes do not expand
        # dimension limits: each parent's path -> the values its Others node groups
        self.grouped: dict[tuple[int, ...], frozenset[int]] = {}
        self.roots = self._build(0, (), None, True)
        self.leaves: list[tuple[tuple[int, ...], int | None]] = []
        self._place(self.roots)
        if not entries:  # no dimension on this side: one row (column) of values
            self.leaves = [((), None)]

    def _children(self, cube: PivotCube, ranks: dict[int, np.ndarray],
                  by_value: Callable[[list[int], np.ndarray], np.ndarray] | None = None,
                  sign: int = 1) -> dict[tuple[int, ...], list[int]]:
        """Each prefix of values on this axis → the next dimension's values under it, in
        the dimension's sort order; with ``by_value`` (the first measure's number of each
        node, sorting by y-value) first by that number times ``sign``, NaN last, the
        dimension's order breaking ties."""
        kids: dict[tuple[int, ...], list[int]] = {}
        rows = cube.rows[cube.rows < cube.count]  # not the cube's virtual rows (Others)
        if not self.dims or not len(rows):
            return kids
        combos = self._combos = _distinct_rows([cube.dim_symbols[d][rows].astype(np.int64)
                                                for d in self.dims])
        keys: list[np.ndarray] = []
        for i, d in enumerate(self.dims):
            if by_value is not None:
                nums = by_value(self.dims[:i + 1], combos[:, :i + 1])
                missing = np.isnan(nums)
                keys += [missing.astype(np.int64), np.where(missing, 0.0, sign * nums)]
            keys.append(ranks[d][combos[:, i]])
        combos = combos[np.lexsort(keys[::-1])]
        for combo in combos.tolist():
            for k in range(len(combo)):
                prefix = tuple(combo[:k])
                got = kids.setdefault(prefix, [])
                if not got or got[-1] != combo[k]:
                    got.append(combo[k])
        return kids

    def _build(self, level: int, syms: tuple[int, ...], measure: int | None,
               open_: bool) -> list[Node]:
        if level == len(self.entries):
            return []
        e = self.entries[level]
        if e == PSEUDO:
            return [Node("P", level, PSEUDO, m, syms, m, self._build(level + 1, syms, m, open_))
                     for m in range(self._measures)]
        if not open_:
            if self.indent:  # no placeholder rows: a collapsed node is a row of its own
                return self._build(level + 1, syms, measure, False)
            return [Node("E", level, e, EMPTY_ELEM, syms, measure,
                         self._build(level + 1, syms, measure, False))]
        deeper = any(x != PSEUDO for x in self.entries[level + 1:])
        nodes = []
        values = self._kids.get(syms, []) if OTHERS not in syms else self._others_kids(syms)
        grouped: list[int] = []
        if self._limit is not None and values:
            values, grouped = self._limit(len(syms), syms, values, self.grouped)
        if grouped:  # before the children: their paths go through it
            self.grouped[syms] = frozenset(grouped)
        for s in values:
            kind = "U" if s == self._nulls[e] else "N"
            nodes.append(self._node(kind, level, e, NULL_ELEM if kind == "U" else s,
                                    syms + (s,), measure, deeper))
        if grouped:  # an Others node expands like a value: its children are the next
            # dimension's values over the records of the values it groups
            nodes.append(self._node("O", level, e, OTHERS, syms + (OTHERS,), measure, deeper,
                                    tuple(grouped), e not in self._leaf_others))
        if self._totals.get(e) and nodes and not (self.indent and e != self.dims[0]):
            total = Node("T", level, e, TOTAL_ELEM, syms, measure,
                         self._build(level + 1, syms, measure, False))
            nodes.insert(0, total) if self._above else nodes.append(total)
        return nodes

    def _node(self, kind: str, level: int, e: int, elem: int, path: tuple[int, ...],
              measure: int | None, deeper: bool, grouped: tuple[int, ...] = (),
              opens: bool = True) -> Node:
        """A value (or Others) node and its subtree, open as the expansion says (never
        unless it ``opens``: a placeholder under it, as under a collapsed node)."""
        flag = 0
        expanded = opens
        if deeper and opens and not self._fully:
            expanded = self._expansion.expanded(self._names[e], path)
            flag = 2 if expanded else 1
        return Node(kind, level, e, elem, path, measure,
                    self._build(level + 1, path, measure, expanded), flag, grouped=grouped)

    def _others_kids(self, path: tuple[int, ...]) -> list[int]:
        """The next dimension's values under a path through an Others node: those of
        the records of every value it groups, in the dimension's order (by y-value
        first when the axis sorts so)."""
        k = len(path)
        if k >= len(self.dims) or not len(self._combos):
            return []
        combos = self._combos
        values = np.unique(combos[node_index(self.grouped, combos[:, :k], [path]) == 0, k])
        if not len(values):
            return []
        keys = [self._ranks[self.dims[k]][values]]
        if self._node_value is not None:
            nums = self._node_value([path + (int(v),) for v in values.tolist()], self.grouped)
            missing = np.isnan(nums)
            keys = [missing.astype(np.int64), np.where(missing, 0.0, self._sign * nums), *keys]
        return [int(v) for v in values[np.lexsort(keys[::-1])].tolist()]

    def _place(self, nodes: list[Node]) -> None:
        for n in nodes:
            n.start = len(self.leaves)
            if self.indent:  # every node is a row, above its children's rows
                self.leaves.append((n.syms, n.measure))
                self._place(n.children)
            elif n.children:
                self._place(n.children)
            else:
                self.leaves.append((n.syms, n.measure))
            n.count = len(self.leaves) - n.start

    def node_at(self, level: int, index: int) -> Node | None:
        """The node of an entry level whose leaves hold leaf ``index`` (indented: the
        node whose own row ``index`` is, whatever the level)."""
        nodes = self.roots
        while nodes:
            hit = next((n for n in nodes if n.start <= index < n.start + n.count), None)
            if hit is None or (hit.start == index if self.indent else hit.level == level):
                return hit
            nodes = hit.children
        return None

    def levels(self) -> set[int]:
        """How many of the axis' dimensions the leaves' values constrain."""
        return {len(s) for s, _ in self.leaves}

    def walk(self) -> list[Node]:
        out: list[Node] = []
        stack = list(reversed(self.roots))
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(reversed(n.children))
        return out


def _distinct_rows(columns: list[np.ndarray]) -> np.ndarray:
    """The distinct rows of equally long code columns, ascending (``np.unique`` over
    rows), through one combined int64 key where the codes' ranges allow it (a 1-D
    unique is much faster than ``axis=0``)."""
    low = [int(c.min(initial=0)) for c in columns]
    span = [int(c.max(initial=0)) - lo + 1 for c, lo in zip(columns, low, strict=True)]
    size = 1
    for s in span:
        size *= s
    if size >= 1 << 62:
        return np.unique(np.stack(columns, axis=1), axis=0)
    key = np.ravel_multi_index([c - lo for c, lo in zip(columns, low, strict=True)], span)
    parts = np.unravel_index(np.unique(key), span)
    return np.stack([p.astype(np.int64) + lo for p, lo in zip(parts, low, strict=True)], axis=1)

def node_paths(grouped: Grouped, real: np.ndarray) -> np.ndarray:
    """The path of the node each row of real values (one column per dimension of an
    axis, outermost first) falls in at that depth, as rows of the same shape: a value
    its parent groups in an Others node is ``OTHERS`` in the path, and the deeper values
    go on under it (an Others node's children are the values of the records it groups).
    Column by column: the rows' parent paths so far, and which (parent, value) pairs
    the parents group."""
    out = np.array(real, dtype=np.int64, copy=True).reshape(len(real), -1)
    n, depth = out.shape
    if not n or not grouped:
        return out
    width = int(max(out.max(initial=0), max((max(g, default=0) for g in grouped.values()),
                                           default=0))) + 1
    for j in range(depth):
        entries = {p: g for p, g in grouped.items() if len(p) == j and g}
        if not entries:
            continue
        keys = list(entries)
        if j:
            # the rows' parent paths and the grouping parents' in one numbering
            _, parent_of = np.unique(
                np.concatenate([np.array(keys, dtype=np.int64).reshape(len(keys), j),
                                out[:, :j]]), axis=0, return_inverse=True)
            parent_of = parent_of.ravel()
            entry_of, parent_of = parent_of[:len(keys)], parent_of[len(keys):]
        else:
            entry_of, parent_of = np.zeros(1, dtype=np.int64), np.zeros(n, dtype=np.int64)
        pairs = np.concatenate([entry_of[e] * width + np.fromiter(entries[p], dtype=np.int64)
                                for e, p in enumerate(keys)])
        hit = np.isin(parent_of * width + out[:, j], pairs)
        out[hit, j] = OTHERS
    return out


def node_index(grouped: Grouped, real: np.ndarray, paths: list[tuple[int, ...]]
               ) -> np.ndarray:
    """Each row of real values' index among ``paths`` (node paths of the rows' depth)
    of the node it falls in (``node_paths``); -1 for none."""
    n = len(real)
    if not paths or not n:
        return np.full(n, -1, dtype=np.int64)
    at = node_paths(grouped, real)
    wanted = np.array(paths, dtype=np.int64).reshape(len(paths), -1)
    both, inverse = np.unique(np.concatenate([wanted, at]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    index = np.full(len(both), -1, dtype=np.int64)
    index[inverse[:len(paths)][::-1]] = np.arange(len(paths), dtype=np.int64)[::-1]
    return index[inverse[len(paths):]]
