"""A Pratt parser for Qlik expressions.

Operator precedence, weakest first (qlik-language.md §6.2 and §11.1): ``or``/``xor``,
``and``, ``not``, comparisons (``= <> < <= > >= like precedes follows``), bit operators
(``bitand bitor bitxor << >>``), ``&``, ``+ -``, ``* /``, unary ``- +`` and ``bitnot``.
Every binary operator is left-associative.
"""

from __future__ import annotations

from functools import lru_cache

from associa.errors import ExpressionError
from associa.expr import ast
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


class Parser:
    def __init__(self, text: str, comments: bool = True) -> None:
        self.text = text
        self.tokens = tokenize(text, comments)
        self.i = 0

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
        node = self.expression(0)
        if self.tok.kind is not T.EOF:
            raise self.unexpected()
        return node

    def binary_op(self) -> str | None:
        tok = self.tok
        if tok.kind is T.OP and tok.value in BINARY:
            return tok.value
        if tok.kind is T.NAME and tok.value.lower() in WORD_OPERATORS:
            return tok.value.lower()
        return None

    def expression(self, min_bp: int) -> ast.Node:
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
            node = self.expression(0)
            self.expect_op(")")
            return node
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
        distinct = False
        total: tuple[str, ...] | None = None
        if self.tok.is_op("{"):
            set_text = self.set_expression()
        while self.tok.kind is T.NAME:
            word = self.tok.value.lower()
            nxt = self.peek()
            starts_operand = nxt.kind in (T.NAME, T.QUOTED, T.NUMBER, T.STRING) or nxt.is_op(
                "(", "-", "*"
            )
            if word == "total" and (starts_operand or self._total_fields_follow()):
                self.advance()
                total = self.total_fields()
            elif word in ("distinct", "nodistinct") and starts_operand:
                self.advance()
                distinct = word == "distinct"
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
                else:
                    args.append(self.expression(0))
                if self.tok.is_op(","):
                    self.advance()
                    continue
                break
        self.expect_op(")")
        return ast.Call(
            name_tok.value.upper(), tuple(args), distinct, total, set_text, pos=name_tok.pos
        )

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


@lru_cache(maxsize=4096)
def parse(text: str) -> ast.Node:
    """Parse an expression (a leading '=' is allowed and ignored)."""
    stripped = text.lstrip()
    if stripped.startswith("="):
        offset = len(text) - len(stripped) + 1
        return Parser(" " * offset + stripped[1:]).parse()
    return Parser(text).parse()
