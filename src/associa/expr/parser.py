"""A Pratt parser for Qlik expressions.

Operator precedence, weakest first (qlik-language.md §6.2 and §11.1): ``or``/``xor``,
``and``, ``not``, comparisons (``= <> < <= > >= like precedes follows``), bit operators
(``bitand bitor bitxor << >>``), ``&``, ``+ -``, ``* /``, unary ``- +`` and ``bitnot``.
Every binary operator is left-associative.

Set expressions (``expr/sets.py``): the set of an aggregation, ``Sum({<A={1}>} X)``, is
kept as its text in ``ast.Call.set_text`` and checked with ``parse_set`` here, so that a
bad set is a syntax error of the whole expression at its position. An *outer* set stands
at the beginning of a lexical scope -- the whole expression, a part in brackets or a
function argument -- and applies to every aggregation in that scope (help page "Inner
and outer set expressions": "The set expression must be placed in the beginning of the
lexical scope"; "If the inner set expression contains a set identifier, it replaces the
context. Otherwise, the context and the set expression will be merged"). It leaves no
node of its own: each aggregation call in the scope gets ``set_text`` =
``to_text(combine(outer, own set))``. A set written first in the arguments of a known
non-aggregation function (``If({<A={1}>} Sum(X) > 0, 1)``) is an outer set of its first
argument.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.aggr import ordering, sort_type, sorted_dim
from associa.expr.registry import AGGREGATIONS, lookup
from associa.expr.sets import SetExpr, combine, parse_set, to_text
from associa.expr.tokens import T, Token, error, tokenize

BINARY: dict[str, int] = {
    "or": 10,
    "xor": 10,
    "and": 20,
    "=": 40,
    "<>": 40,
    "<": 40,
    "<=": 40,
    ">": 40,
    ">=": 40,
    "like": 40,
    "precedes": 40,
    "follows": 40,
    "bitand": 45,
    "bitor": 45,
    "bitxor": 45,
    "<<": 45,
    ">>": 45,
    "&": 50,
    "+": 60,
    "-": 60,
    "*": 70,
    "/": 70,
}
WORD_OPERATORS = {"or", "xor", "and", "like", "precedes", "follows", "bitand", "bitor", "bitxor"}
NOT_BP = 30
UNARY_BP = 80


_TOTAL_ALONE = frozenset({"ROWNO", "NOOFROWS", "COLUMNNO", "NOOFCOLUMNS"})
# sub-expressions nested deeper than this are refused (a clear error, not a recursion
# overflow in the parser or the evaluator)
MAX_DEPTH = 100


class Parser:
    def __init__(self, text: str, comments: bool = True) -> None:
        self.text = text
        self.tokens = tokenize(text, comments)
        self.i = 0
        self.depth = 0

    # -- token helpers --------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect_op(self, op: str) -> Token:
        if not self.tok.is_op(op):
            raise self.unexpected(f"expected '{op}'")
        return self.advance()

    def unexpected(self, hint: str = "") -> ExpressionError:
        tok = self.tok
        what = "end of expression" if tok.kind is T.EOF else f"'{tok.value}'"
        msg = f"Unexpected {what}" + (f", {hint}" if hint else "")
        return error(msg, self.text, tok.pos)

    # -- grammar --------------------------------------------------------------------

    def parse(self) -> ast.Node:
        if self.tok.kind is T.EOF:
            raise error("Empty expression", self.text, 0)
        node = self.scoped()
        if self.tok.kind is not T.EOF:
            raise self.unexpected()
        return node

    def scoped(self) -> ast.Node:
        """An expression at the beginning of a lexical scope, where an outer set may stand."""
        if not self.tok.is_op("{"):
            return self.expression(0)
        _, outer = self.set_clause()
        if self.tok.kind is T.EOF or self.tok.is_op(")", ","):
            raise self.unexpected("expected an expression after the set expression")
        return apply_outer(self.expression(0), outer)

    def binary_op(self) -> str | None:
        tok = self.tok
        if tok.kind is T.OP and tok.value in BINARY:
            return tok.value
        if tok.kind is T.NAME and tok.value.lower() in WORD_OPERATORS:
            return tok.value.lower()
        return None

    def expression(self, min_bp: int) -> ast.Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise error(f"Expression nested more than {MAX_DEPTH} levels deep", self.text,
                            self.tok.pos)
            return self._expression(min_bp)
        finally:
            self.depth -= 1

    def _expression(self, min_bp: int) -> ast.Node:
        left = self.prefix()
        while True:
            op = self.binary_op()
            if op is None:
                break
            bp = BINARY[op]
            if bp <= min_bp:
                break
            self.advance()
            right = self.expression(bp)
            left = ast.Binary(op, left, right)
        return left

    def prefix(self) -> ast.Node:
        tok = self.tok
        if tok.is_op("-", "+"):
            self.advance()
            operand = self.expression(UNARY_BP)
            if tok.value == "-" and isinstance(operand, ast.Number):
                return ast.Number(-operand.value, "-" + operand.text)
            return ast.Unary(tok.value, operand)
        if tok.is_word("not"):
            self.advance()
            return ast.Unary("not", self.expression(NOT_BP))
        if tok.is_word("bitnot"):
            self.advance()
            return ast.Unary("bitnot", self.expression(UNARY_BP))
        return self.primary()

    def primary(self) -> ast.Node:
        tok = self.tok
        if tok.kind is T.NUMBER:
            self.advance()
            return ast.Number(float(tok.value), tok.value)
        if tok.kind is T.STRING:
            self.advance()
            return ast.String(tok.value)
        if tok.kind is T.QUOTED:
            self.advance()
            return ast.FieldRef(tok.value)
        if tok.is_op("("):
            self.advance()
            node = self.scoped()
            self.expect_op(")")
            return node
        if tok.is_op("{"):
            raise error(
                "A set expression must stand at the beginning of the expression,"
                " of a part in brackets or of a function argument",
                self.text,
                tok.pos,
            )
        if tok.kind is T.NAME:
            if self.peek().is_op("("):
                return self.call()
            if tok.value.lower() in WORD_OPERATORS:
                raise self.unexpected()
            self.advance()
            return ast.FieldRef(tok.value)
        raise self.unexpected()

    def call(self) -> ast.Call:
        name_tok = self.advance()
        self.expect_op("(")
        set_text = None
        leading: SetExpr | None = None
        distinct = False
        nodistinct = False
        total: tuple[str, ...] | None = None
        is_aggr = name_tok.value.upper() == "AGGR"
        if self.tok.is_op("{"):
            set_text, leading = self.set_clause()
        while self.tok.kind is T.NAME:
            word = self.tok.value.lower()
            nxt = self.peek()
            starts_operand = nxt.kind in (T.NAME, T.QUOTED, T.NUMBER, T.STRING) or nxt.is_op(
                "(", "-", "*"
            )
            # TOTAL alone: RowNo(TOTAL), NoOfRows(TOTAL)… (chart inter-record functions);
            # in any other call a lone total is a field
            alone = nxt.is_op(")") and name_tok.value.upper() in _TOTAL_ALONE
            if word == "total" and (starts_operand or alone or self._total_fields_follow()):
                self.advance()
                total = self.total_fields()
            elif word in ("distinct", "nodistinct") and starts_operand:
                self.advance()
                distinct = word == "distinct"
                nodistinct = word == "nodistinct"
            elif word == "all" and starts_operand:
                self.advance()
                set_text = set_text or "{1}"
                total = ()
            else:
                break
        args: list[ast.Node] = []
        if not self.tok.is_op(")"):
            while True:
                if self.tok.is_op("*") and (self.peek().is_op(")") or self.peek().is_op(",")):
                    self.advance()
                    args.append(ast.Star())
                elif is_aggr and args and self._structured_follows():
                    args.append(self.structured_parameter())
                else:
                    args.append(self.scoped() if args else self.expression(0))
                if self.tok.is_op(","):
                    self.advance()
                    continue
                break
        self.expect_op(")")
        name = name_tok.value.upper()
        spec = lookup(name)
        if leading is not None and args and spec is not None and not _is_aggregation(name):
            # a set before the first argument of a scalar function: an outer set of it
            args[0] = apply_outer(args[0], leading)
            set_text = None
        if is_aggr:
            # DISTINCT is Aggr's default (help "Aggr - chart function"); its set is the
            # outer set of its expression: the inner aggregations get it (merged with
            # their own as any outer set is)
            distinct = not nodistinct
            if leading is not None and args:
                args[0] = apply_outer(args[0], leading)
        return ast.Call(
            name_tok.value.upper(), tuple(args), distinct, total, set_text, pos=name_tok.pos
        )

    def _structured_follows(self) -> bool:
        """In Aggr's dimensions: is this a structured parameter, ``(Field, ...``?"""
        return (self.tok.is_op("(") and self.peek().kind in (T.NAME, T.QUOTED)
                and self.peek(2).is_op(","))

    def structured_parameter(self) -> ast.Node:
        """Aggr's ``(Field, (Sort-type[, Ordering]))``, or nested, ``(Field, (Field2,
        (Sort-type, Ordering)))`` (help "Aggr - chart function", "Adding sorting criteria
        to the dimension in the structured parameter"; ``expr/aggr.py``). Read in a loop,
        not by recursion: any depth of nesting is no deeper a call."""
        self.expect_op("(")
        fields = [self.advance().value]
        self.expect_op(",")
        self.expect_op("(")
        while (self.tok.kind in (T.NAME, T.QUOTED) and self.peek().is_op(",")
               and self.peek(2).is_op("(")):
            fields.append(self.advance().value)
            self.expect_op(",")
            self.expect_op("(")
        if self.tok.kind is not T.NAME:
            raise self.unexpected("expected a sort type (NUMERIC, TEXT, FREQUENCY or "
                                  "LOAD_ORDER) or a field name")
        kind_tok = self.advance()
        order_tok: Token | None = None
        if self.tok.is_op(","):
            self.advance()
            if self.tok.kind is not T.NAME:
                raise self.unexpected("expected an ordering (ASCENDING, DESCENDING ...)")
            order_tok = self.advance()
        elif not self.tok.is_op(")"):
            raise self.unexpected("expected ',' or ')' after the sort type")
        self.expect_op(")")
        for _ in fields:
            self.expect_op(")")
        try:
            kind = sort_type(kind_tok.value)
        except ExpressionError as exc:
            raise error(exc.message, self.text, kind_tok.pos) from None
        try:
            order = ordering(kind, None if order_tok is None else order_tok.value)
        except ExpressionError as exc:
            assert order_tok is not None
            raise error(exc.message, self.text, order_tok.pos) from None
        return sorted_dim(fields[0], kind, order, tuple(fields[1:]))

    def _total_fields_follow(self) -> bool:
        """After TOTAL: is the next thing a ``<f1, f2>`` list (not a comparison)?"""
        j = self.i + 1
        if not self.tokens[j].is_op("<"):
            return False
        j += 1
        while True:
            if self.tokens[j].kind not in (T.NAME, T.QUOTED):
                return False
            j += 1
            if self.tokens[j].is_op(">"):
                return True
            if not self.tokens[j].is_op(","):
                return False
            j += 1

    def total_fields(self) -> tuple[str, ...]:
        if not self.tok.is_op("<"):
            return ()
        self.advance()
        names: list[str] = []
        while True:
            tok = self.advance()
            if tok.kind not in (T.NAME, T.QUOTED):
                raise error("Expected a field name after TOTAL <", self.text, tok.pos)
            names.append(tok.value)
            if self.tok.is_op(","):
                self.advance()
                continue
            break
        self.expect_op(">")
        return tuple(names)

    def set_clause(self) -> tuple[str, SetExpr]:
        """A ``{...}`` set expression: its text and its tree (checked here)."""
        start = self.tok.pos
        text = self.set_expression()
        try:
            return text, parse_set(text)
        except ExpressionError as exc:
            raise error(exc.detail, self.text, start + max(exc.offset, 0)) from None

    def set_expression(self) -> str:
        """Skip a ``{...}`` set expression, returning its text (braces balanced)."""
        start = self.tok.pos
        depth = 0
        while True:
            tok = self.advance()
            if tok.kind is T.EOF:
                raise error("Missing '}' in set expression", self.text, start)
            if tok.is_op("{"):
                depth += 1
            elif tok.is_op("}"):
                depth -= 1
                if depth == 0:
                    return self.text[start : tok.pos + 1]


def _is_aggregation(name: str) -> bool:
    return name in AGGREGATIONS or name == "AGGR"


def apply_outer(node: ast.Node, outer: SetExpr) -> ast.Node:
    """``node`` with the outer set ``outer`` merged into the set of every aggregation."""
    if isinstance(node, ast.Call):
        args = tuple(apply_outer(a, outer) for a in node.args)
        set_text = node.set_text
        if _is_aggregation(node.name):
            inner = parse_set(set_text) if set_text is not None else None
            set_text = to_text(combine(outer, inner))
        if set_text == node.set_text and all(a is b for a, b in zip(args, node.args, strict=True)):
            return node
        return dataclasses.replace(node, args=args, set_text=set_text)
    changes: dict[str, object] = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, ast.Node):
            child = apply_outer(value, outer)
            if child is not value:
                changes[f.name] = child
        elif isinstance(value, tuple) and value and all(isinstance(v, ast.Node) for v in value):
            children = tuple(apply_outer(v, outer) for v in value)
            if any(c is not v for c, v in zip(children, value, strict=True)):
                changes[f.name] = children
    return dataclasses.replace(node, **changes) if changes else node


@lru_cache(maxsize=4096)
def parse(text: str) -> ast.Node:
    """Parse an expression (a leading '=' is allowed and ignored)."""
    stripped = text.lstrip()
    if stripped.startswith("="):
        offset = len(text) - len(stripped) + 1
        return Parser(" " * offset + stripped[1:]).parse()
    return Parser(text).parse()
