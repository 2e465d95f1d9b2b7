"""Running totals without a loop: the Peek idioms that accumulate a field over the rows
being loaded, recognised in the expression tree and computed with cumulative sums.

    RangeSum(Peek('X'), e) as X            X[i] = X[i-1] + e[i]   (NULL and text as 0)
    Peek('X') + e as X                     the same, NULL once a term is NULL
    If(c, <one of the above>, f) as X      restarts at f[i] where c[i] is false

``c``, ``e`` and ``f`` must not peek at the table themselves (``Previous`` is fine: the
usual ``If(Key = Previous(Key), RangeSum(Peek('Cum'), Amt), Amt)``). Before the first row,
``Peek`` reads the last row of the table concatenated onto (``initial``), else NULL. Any
other expression that reads the field it computes is evaluated record by record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from associa.expr import Vec, ast
from associa.expr.vector import where


@dataclass(slots=True)
class Running:
    step: ast.Node  # e
    range_sum: bool  # RangeSum (NULL and text count as 0) or '+' (NULL propagates)
    cond: ast.Node | None = None  # If's condition
    restart: ast.Node | None = None  # If's else branch


def _is_peek_of(node: ast.Node, name: str) -> bool:
    if not (isinstance(node, ast.Call) and node.name == "PEEK" and node.args):
        return False
    first = node.args[0]
    if not (isinstance(first, ast.String) and first.value == name):
        return False
    if len(node.args) == 1:
        return True
    row = node.args[1]
    plain_minus_one = (isinstance(row, ast.Unary) and row.op == "-"
                       and isinstance(row.operand, ast.Number) and row.operand.value == 1)
    return len(node.args) == 2 and (plain_minus_one or (isinstance(row, ast.Number)
                                                       and row.value == -1))


def _peeks(node: ast.Node) -> bool:
    return any(isinstance(n, ast.Call) and n.name == "PEEK" for n in node.walk())


def _accumulate(node: ast.Node, name: str) -> Running | None:
    if isinstance(node, ast.Call) and node.name == "RANGESUM" and len(node.args) == 2:
        a, b = node.args
        if _is_peek_of(a, name) and not _peeks(b):
            return Running(b, True)
        if _is_peek_of(b, name) and not _peeks(a):
            return Running(a, True)
    if isinstance(node, ast.Binary) and node.op == "+":
        if _is_peek_of(node.left, name) and not _peeks(node.right):
            return Running(node.right, False)
        if _is_peek_of(node.right, name) and not _peeks(node.left):
            return Running(node.left, False)
    return None


def recognise(expr: ast.Node, name: str) -> Running | None:
    """The running total ``expr`` computes for field ``name``, or None."""
    found = _accumulate(expr, name)
    if found is not None:
        return found
    if isinstance(expr, ast.Call) and expr.name == "IF" and len(expr.args) == 3:
        cond, then, other = expr.args
        found = _accumulate(then, name)
        if found is not None and not _peeks(cond) and not _peeks(other):
            found.cond, found.restart = cond, other
            return found
    return None


def compute(plan: Running, evaluate: Callable[[ast.Node], Vec], n: int,
            initial: Vec) -> Vec:
    """The field's values over ``n`` rows; ``evaluate`` gives an expression's values over
    them; ``initial`` is the value before the first row (one value, maybe NULL)."""
    step = evaluate(plan.step)
    if plan.cond is not None:
        reset = ~evaluate(plan.cond).truth()
        restart = evaluate(plan.restart)  # type: ignore[arg-type]
    else:
        reset = np.zeros(n, dtype=bool)
        restart = Vec.nulls(n)
    numeric = step.is_numeric()
    term = np.where(numeric, step.num, 0.0)
    start_num = np.where(restart.is_numeric(), restart.num, 0.0)
    base = np.where(reset, start_num, term)
    total = np.cumsum(base)
    segment = np.cumsum(reset)  # 0 before the first restart
    starts = np.flatnonzero(reset)
    before = np.concatenate([[0.0], total[starts - 1] if len(starts) else []])
    before[1:][starts == 0] = 0.0
    running = total - before[segment]
    init_num = float(initial.num[0]) if initial.n and initial.is_numeric()[0] else 0.0
    running[segment == 0] += init_num
    null = np.zeros(n, dtype=bool)
    if not plan.range_sum:  # '+': a NULL (or text) term makes the rest of the run NULL
        bad = np.where(reset, ~restart.is_numeric(), ~numeric).astype(np.int64)
        bad_total = np.cumsum(bad)
        bad_before = np.concatenate([[0], bad_total[starts - 1] if len(starts) else []])
        bad_before[1:][starts == 0] = 0
        first_bad = (bad_total - bad_before[segment]) > 0
        initial_bad = not (initial.n and initial.is_numeric()[0])
        null = first_bad | ((segment == 0) & initial_bad)
    out = Vec.numbers(running, null)
    return where(reset, restart, out) if plan.cond is not None else out
