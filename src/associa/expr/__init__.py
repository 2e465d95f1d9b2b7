"""The expression language, shared by load scripts and charts."""

from associa.expr import ast
from associa.expr.evaluate import AGGREGATIONS, FUNCTIONS, Evaluator, Scope
from associa.expr.parser import parse
from associa.expr.registry import REGISTRY, Function, Kind
from associa.expr.vector import Vec

__all__ = [
    "AGGREGATIONS",
    "FUNCTIONS",
    "REGISTRY",
    "Evaluator",
    "Function",
    "Kind",
    "Scope",
    "Vec",
    "ast",
    "parse",
]
