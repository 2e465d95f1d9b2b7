"""The one registry of functions: scalar, aggregation and range functions by name.

Each entry says how many arguments the function takes, what kind it is and what carries
it out:

* ``scalar``: ``impl(evaluator, call, scope) -> Vec``, one value per row or group
  (``expr/functions.py``);
* ``range``: the same calling convention; the function reduces its arguments row by row
  with the aggregation reducers (``expr/ranges.py``);
* ``aggregation``: ``impl`` is a reducer (``expr/aggregations.py``): it reduces a value per
  record into a value per group. A scope evaluates the call (a chart's ``GroupScope``, a
  LOAD's GROUP BY) and hands the reducer the argument's values and the group of each record.

``FUNCTIONS`` (the functions an evaluator calls directly, as ``(min, max, impl)``) and
``AGGREGATIONS`` (the names of the aggregations) are views of the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Kind(Enum):
    SCALAR = "scalar"
    AGGREGATION = "aggregation"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Function:
    name: str  # upper-case
    min_args: int
    max_args: int
    kind: Kind
    impl: Callable[..., Any]


REGISTRY: dict[str, Function] = {}


def register(
    name: str, min_args: int, max_args: int, kind: Kind = Kind.SCALAR
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``impl`` under ``name`` (upper-case)."""
    if name != name.upper():
        raise ValueError(f"function names are upper-case: {name}")

    def add(impl: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = Function(name, min_args, max_args, kind, impl)
        return impl

    return add


def lookup(name: str) -> Function | None:
    return REGISTRY.get(name)


class _Callable(Mapping[str, tuple[int, int, Callable[..., Any]]]):
    """Scalar and range functions as ``NAME -> (min args, max args, impl)``."""

    def __getitem__(self, name: str) -> tuple[int, int, Callable[..., Any]]:
        fn = REGISTRY[name]
        if fn.kind is Kind.AGGREGATION:
            raise KeyError(name)
        return fn.min_args, fn.max_args, fn.impl

    def __iter__(self) -> Iterator[str]:
        return (n for n, fn in REGISTRY.items() if fn.kind is not Kind.AGGREGATION)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Names(Set[str]):
    """The names of the functions of one kind."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def __contains__(self, name: object) -> bool:
        fn = REGISTRY.get(name) if isinstance(name, str) else None
        return fn is not None and fn.kind is self.kind

    def __iter__(self) -> Iterator[str]:
        return (n for n, fn in REGISTRY.items() if fn.kind is self.kind)

    def __len__(self) -> int:
        return sum(1 for _ in self)


FUNCTIONS = _Callable()
AGGREGATIONS = _Names(Kind.AGGREGATION)
RANGE_FUNCTIONS = _Names(Kind.RANGE)
