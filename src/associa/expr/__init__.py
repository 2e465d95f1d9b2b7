"""The expression language, shared by load scripts and charts."""

from associa.expr import ast
from associa.expr.evaluate import AGGREGATIONS, FUNCTIONS, Evaluator, Scope
from associa.expr.parser import parse
from associa.expr.vector import Vec

__all__ = ["AGGREGATIONS", "FUNCTIONS", "Evaluator", "Scope", "Vec", "ast", "parse"]
