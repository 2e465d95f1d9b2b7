"""Chart expressions as written, made ready to parse: dollar-sign expansion and variables.

``prepare`` is what every place that evaluates an expression a client wrote calls first
(measures, calculated dimensions, sort expressions, string and value expressions,
Evaluate): it expands ``$(…)`` (``expr/expansion.py``) and, given the model's fields, puts
in place of a bare name that is a variable and no field the variable's value.

``evaluate_scalar`` is one expression over all possible records, as one value, with a
context for the field and system functions (``expr/system.py``): evaluators made while
``using_context(ctx)`` is in force read ``ctx`` when given none of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from typing import Any

from associa.expr.expansion import expand, substitute_variables
from associa.expr.system import Context, using_context
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale


def prepare(text: str, variables: Mapping[str, str], evaluate: Callable[[str], str],
            fields: Container[str] | None = None) -> str:
    """``text`` with its dollar-sign expansions made (``evaluate(expr)`` gives the text of
    ``$(=expr)``) and, when ``fields`` is given, bare variable names replaced by their
    values. Raises ExpressionError (an unclosed ``$(``, too many expansions)."""
    if "$(" in text:
        text = expand(text, variables, evaluate)
    if fields is not None and variables:
        text = substitute_variables(text, variables, fields)
    return text


def evaluate_scalar(model: DataModel, inference: Inference, text: str, locale: Locale,
                    sets: Any = None, context: Context | None = None) -> tuple[str | None, float]:
    """``calc.aggregate.evaluate_scalar`` (one expression, already prepared, over all
    possible records, as one value) with ``context`` for the field and system functions."""
    from associa.calc.aggregate import evaluate_scalar as scalar

    with using_context(context):
        if sets is None:
            return scalar(model, inference, text, locale)
        return scalar(model, inference, text, locale, sets)
