"""Circular references: loops in the table/key-field graph, broken by loosening tables.

Evidence (the reference notes are not shipped with associa):

* Qlik help, "Understanding circular references": when the engine finds circular data
  structures while executing the load script, "a warning dialog will be shown and one or
  more tables will be set as loosely coupled. Qlik Sense will typically attempt to loosen
  the longest table in the loop, as this is often a transaction table".
* Qlik Sense Engine API, "Set a table as loosely coupled table": three tables of a loop
  (CitizenCity, CitizenSchool, SchoolCity) loaded in that order: "The first loaded table
  (the table CitizenCity) is loose". So among tables of equal length, the first loaded
  one is loosened.
* Qlik help, "Loosen Table": tables named by ``Loosen Table`` are loosely coupled; should
  loops remain that they do not break, "one or more additional tables will be forced
  loosely coupled until no circular references remain", with the loop warning.
* A loosely coupled table has all associations between its field values removed, "a
  similar effect could be achieved by loading each field of the loosely coupled table as
  independent, unconnected tables": it takes no part in a loop. Inference does exactly
  that (``associa.select.plan.Plan.loose``).
* Key parts common to overlapping ``$Syn`` tables (``synthetic.shared_parts``) link the
  first of them only: they close no loop.

``loosen`` returns the tables to loosen (the script's first, then one per loop found:
the table with the most rows in it, the first loaded on a tie) and one warning line per
table forced loose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set

from associa.model.table import Table

__all__ = ["find_loop", "loosen"]


def _graph(tables: Sequence[Table], skip: set[str],
           unlinked: Set[tuple[str, str]] = frozenset()) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Bipartite adjacency: ("t", table) ↔ ("f", key field), loose tables left out, and
    the (table, field) pairs of ``unlinked`` (``synthetic.shared_parts``)."""
    holders: dict[str, list[str]] = {}
    for t in tables:
        for f in t.fields:
            if (t.name, f) not in unlinked:
                holders.setdefault(f, []).append(t.name)
    adj: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for f, names in holders.items():
        live = [n for n in names if n not in skip]
        if len(names) < 2 or len(live) < 2:
            continue
        for n in live:
            adj.setdefault(("t", n), []).append(("f", f))
            adj.setdefault(("f", f), []).append(("t", n))
    return adj


def find_loop(tables: Sequence[Table], skip: Iterable[str] = (),
              unlinked: Set[tuple[str, str]] = frozenset()) -> list[str] | None:
    """The tables of one loop of the association graph (in the order met), or None."""
    adj = _graph(tables, set(skip), unlinked)
    parent: dict[tuple[str, str], tuple[str, str] | None] = {}
    for start in [("t", t.name) for t in tables]:
        if start not in adj or start in parent:
            continue
        parent[start] = None
        stack = [start]
        while stack:
            node = stack.pop()
            for nxt in adj[node]:
                if nxt == parent[node]:
                    continue
                if nxt in parent:
                    return _cycle(parent, node, nxt)
                parent[nxt] = node
                stack.append(nxt)
    return None


def _cycle(parent: dict, a: tuple[str, str], b: tuple[str, str]) -> list[str]:
    """The tables on the tree paths from a and b up to their meeting point."""
    up_a = [a]
    while parent[up_a[-1]] is not None:
        up_a.append(parent[up_a[-1]])
    seen = set(up_a)
    up_b = [b]
    while up_b[-1] not in seen:
        up_b.append(parent[up_b[-1]])
    meet = up_b[-1]
    path = up_a[: up_a.index(meet) + 1] + up_b[:-1][::-1]
    return [name for kind, name in path if kind == "t"]


def loosen(tables: Sequence[Table], explicit: Iterable[str] = (),
           unlinked: Set[tuple[str, str]] = frozenset()) -> tuple[list[str], list[str]]:
    """Tables to loosen, and the warning lines for the ones forced loose."""
    order = {t.name: i for i, t in enumerate(tables)}
    rows = {t.name: t.nrows for t in tables}
    loose = [name for name in dict.fromkeys(explicit) if name in order]
    warnings: list[str] = []
    while True:
        loop = find_loop(tables, loose, unlinked)
        if loop is None:
            return loose, warnings
        victim = max(loop, key=lambda n: (rows[n], -order[n]))
        loose.append(victim)
        warnings.append(
            "Circular reference: one or more loops were found in the data model "
            f"({' - '.join(sorted(set(loop), key=order.__getitem__))}); "
            f"table '{victim}' is set as loosely coupled. Use LOOSEN TABLE or rename "
            "fields to avoid loops."
        )
