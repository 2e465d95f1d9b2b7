"""Expression tree nodes: small immutable classes, one per construct."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Node:
    def children(self) -> Iterator[Node]:
        return iter(())

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Number(Node):
    value: float
    text: str


@dataclass(frozen=True, slots=True)
class String(Node):
    value: str


@dataclass(frozen=True, slots=True)
class FieldRef(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Star(Node):
    """``*`` as the argument of Count(*)."""


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-", "+", "not", "bitnot"
    operand: Node

    def children(self) -> Iterator[Node]:
        yield self.operand


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # lower-case operator: + - * / & = <> < <= > >= and or xor like ...
    left: Node
    right: Node

    def children(self) -> Iterator[Node]:
        yield self.left
        yield self.right


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call. ``name`` is upper-case. Aggregation qualifiers are kept here:
    ``distinct``, ``total`` (None, or the list of fields after TOTAL, empty for plain
    TOTAL) and ``set_text`` (the raw text of a set expression, not supported yet)."""

    name: str
    args: tuple[Node, ...] = ()
    distinct: bool = False
    total: tuple[str, ...] | None = None
    set_text: str | None = None
    pos: int = field(default=0, compare=False)

    def children(self) -> Iterator[Node]:
        yield from self.args


def field_names(node: Node) -> set[str]:
    return {n.name for n in node.walk() if isinstance(n, FieldRef)}
