"""Arithmetic aggregation arguments over records, in fused passes.

``Sum(Quantity * Sales)`` needs one number per record. The evaluator would make a vector
per field (numbers, NULL mask, texts) and several temporaries per operator; an argument
made only of fields, numbers, unary ``+``/``-`` and ``+ - * /`` is instead computed by
the arithmetic kernels, each operator one pass that reads the fields' numbers through
lookup tables over their codes (``kernels/arithmetic.py``). The result is the evaluator's
(tested against it): a field's number is what ``as_numbers`` reads (a text that is a
plain number counts as that number), NaN stands for NULL.
"""

from __future__ import annotations

import numpy as np

from associa.calc.lookups import ModelLookups
from associa.expr import ast
from associa.kernels.arithmetic import Formula, Operand, binary
from associa.kernels.codes import Codes
from associa.kernels.group import gather
from associa.model import DataModel

OPERATORS = frozenset({"+", "-", "*", "/"})


def is_arithmetic(node: ast.Node) -> bool:
    """Whether the argument is arithmetic over fields and numbers, with an operator."""
    operators = 0
    for n in node.walk():
        if isinstance(n, ast.Binary) and n.op in OPERATORS:
            operators += 1
        elif isinstance(n, ast.Unary) and n.op in ("-", "+"):
            operators += 1
        elif not isinstance(n, ast.Number | ast.FieldRef):
            return False
    return operators > 0


class Numbers:
    """Evaluates arithmetic arguments over ``n`` records whose field codes ``codes``
    gives."""

    def __init__(self, model: DataModel, codes, n: int) -> None:
        self.model = model
        self.codes = codes  # name -> Codes over the records
        self.n = n

    def evaluate(self, node: ast.Node) -> np.ndarray:
        out = self._operand(node)
        if isinstance(out, Codes):
            return gather(out)
        if isinstance(out, np.ndarray):
            return out
        return np.full(self.n, out)

    def lazy(self, node: ast.Node) -> np.ndarray | Formula:
        """``evaluate``, except that the outermost operator is left for the aggregation's
        own pass to compute (``Formula``), so that no array of ``n`` numbers is made for
        it."""
        if isinstance(node, ast.Binary) and node.op in OPERATORS:
            return Formula(node.op, self._operand(node.left), self._operand(node.right), self.n)
        return self.evaluate(node)

    def _operand(self, node: ast.Node) -> Operand:
        if isinstance(node, ast.Number):
            return float(node.value)
        if isinstance(node, ast.FieldRef):
            return self.codes(node.name).through(ModelLookups.of(self.model).numbers(node.name))
        if isinstance(node, ast.Unary):
            x = self._operand(node.operand)
            return x if node.op == "+" else binary("*", -1.0, x, self.n)
        assert isinstance(node, ast.Binary)
        return binary(node.op, self._operand(node.left), self._operand(node.right), self.n)
