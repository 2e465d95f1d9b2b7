"""Set analysis expressions: their syntax tree, parser, printer and the outer/inner merge.

A set expression is written in curly brackets before the arguments of an aggregation
(``Sum({$<Year={2020}>} Sales)``) or before a whole expression (an *outer* set,
``{<Year={2021}>} Sum(Sales) / Count(Customer)``). ``parse_set`` turns its text into the
tree below; ``to_text`` prints a tree back in a canonical form that ``parse_set`` reads
to an equal tree; ``combine`` merges an outer set into an inner one.

Grammar (whitespace, newlines and ``/* */`` or ``//`` comments allowed between any two
tokens)::

    set        := '{' set_union '}'
    set_union  := set_inter (('+' | '-') set_inter)*          left-associative
    set_inter  := set_unary (('*' | '/') set_unary)*           left-associative
    set_unary  := '-' set_unary | '(' set_union ')' | term
    term       := ident [modifiers] | modifiers
    ident      := part ['::' part]      part: a run of name characters ($, 1, $1, $_1,
                                        BM01, State1) or [bracketed text]
    modifiers  := '<' [modifier (',' modifier)*] '>'
    modifier   := field ('=' | '+=' | '-=' | '*=' | '/=') [elements]
    elements   := el_inter (('+' | '-') el_inter)*            left-associative
    el_inter   := el_primary (('*' | '/') el_primary)*
    el_primary := '{' [element (',' element)*] '}' | ('P' | 'E') '(' [set] [field] ')'
                | '(' elements ')' | field
    element    := 'literal' | "search" | [literal] | bare   bare: a run of characters
                                                            other than blanks and ,{}()<>=;'"[]
    field      := name | [name] | "name" | `name`

Decisions and their evidence (Qlik help, help.qlik.com, Sense_Hub/ChartFunctions/SetAnalysis):

* *Set operators* (set-operators.htm; the Sense 1.0 edition ``SetOperators.htm`` spells
  the order out): "The order of precedence is: 1. Unary minus (complement) 2. Intersection
  and Symmetric difference 3. Union and Exclusion. Within a group, the expression is
  evaluated from left to right." So ``*`` and ``/`` bind tighter than ``+`` and ``-``.
  The complement ``-X`` is the records of everything not in X, stored as
  ``SetOp('-', SetTerm('1', ()), X)`` (``1`` is the full set), so that the tree keeps
  two kinds of set nodes.
* *Set modifiers with set operators* (set-modifiers-set-operators.htm): "The operators
  are the same as those used for set identifiers" between element sets
  (``<Year = {1997, "20*"} - {2000}>``); the same precedence is used there. A unary minus
  before an element set is not accepted (no "all values" element set in the tree).
* *Set identifiers* (set-identifiers.htm): ``1``, ``$``, ``$1``/``$2`` (back), ``$_1``
  (forward), a bookmark id or name (``BM01``), an alternate state name (``AltState``)
  and ``AltState::BM01``; "The $ set identifier is the same as not stating a set
  identifier" -- but a term without an identifier is kept as ``ident=None`` because
  inside an outer set or an object in an alternate state it inherits that context
  (set-expressions-inner-and-outer.htm, "Context"). A bracketed identifier keeps its
  inner text (``{[My bookmark]}`` -> ``'My bookmark'``).
* *Set modifiers* (set-modifiers.htm): "If the element set definition is omitted, the
  set modifier will clear any selection in this field" (``<Year = >``, value ``None``);
  ``{}`` is an empty element set, which selects nothing. "Single quotes will be a
  literal, case-sensitive match with a single field value. Double quotes imply a
  case-insensitive match with one or several field values" -- kinds ``literal`` and
  ``search``; the searches are wildcard, numeric/date range and ``=expression`` searches
  (set-modifiers-searches.htm; H. Cronström, "Quotes in Set Analysis", Qlik Design
  Blog). Unquoted values (``{2015}``, ``{Canada}``, examples on set-modifiers.htm) are
  literals; values with blanks must be quoted.
* *Set modifiers with implicit set operators* (set-modifiers-using-assignments-implicit-
  set-operators.htm): ``<Year += {2007}>`` is short for ``<Year = Year + {2007}>``, and
  likewise ``*=``, ``-=``, ``/=``; ``<Year = Year * {">2015"}>`` refers to the current
  selection of a field by its name (``FieldValues``).
* *Set modifiers with set functions (P and E)* (set-modifiers-implicit-field-value-
  definitions.htm): "Inside the brackets, it is possible to specify one set expression
  and one field"; "If the field in the element function is omitted, the function will
  return the possible values of the field specified in the outer assignment".
* *Inner and outer set expressions* (set-expressions-inner-and-outer.htm, "Inheritance"):
  "Inner set expressions have precedence over outer set expressions. If the inner set
  expression contains a set identifier, it replaces the context. Otherwise, the context
  and the set expression will be merged." -- see ``combine``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from associa.errors import ExpressionError
from associa.expr.tokens import error

# -- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Element:
    """One value of an element set: ``kind`` is ``"literal"`` ('quoted', [bracketed] or
    bare: an exact match; bare numbers match numerically) or ``"search"`` ("quoted": a
    wildcard, range or ``=expression`` search, told apart by the evaluator). ``text`` is
    unescaped."""

    text: str
    kind: str


@dataclass(frozen=True, slots=True)
class ElementSet:
    """``{a, 'b', "c*"}``; ``{}`` is the empty set."""

    items: tuple[Element, ...]


@dataclass(frozen=True, slots=True)
class FieldValues:
    """``F = G``: the values selected in field G (in the set the modifier modifies), or
    ``F = State::G``: in another selection state (``$`` the default one; help "Examples
    of Alternate States in Chart Expressions": ``{State1<Year = $::Year>}``)."""

    field: str
    state: str | None = None


@dataclass(frozen=True, slots=True)
class Possible:
    """``P(set field)``: the possible values of ``field`` (None: the modified field) in
    ``set`` (None: the set the modifier modifies)."""

    set: SetExpr | None
    field: str | None


@dataclass(frozen=True, slots=True)
class Excluded:
    """``E(set field)``: the excluded values, arguments as for ``Possible``."""

    set: SetExpr | None
    field: str | None


@dataclass(frozen=True, slots=True)
class ElementOp:
    """``left op right`` between element sets; op in ``+ - * /``."""

    op: str
    left: ElementExpr
    right: ElementExpr


ElementExpr = ElementSet | FieldValues | Possible | Excluded | ElementOp


@dataclass(frozen=True, slots=True)
class FieldModifier:
    """``field op value``; op in ``= += -= *= /=``; value None clears the field."""

    field: str
    op: str
    value: ElementExpr | None


@dataclass(frozen=True, slots=True)
class SetTerm:
    """An identifier with its modifiers: ``$<A={1}>``. ``ident`` None: no identifier was
    written (the context: ``$``, an outer set or the object's alternate state)."""

    ident: str | None
    modifiers: tuple[FieldModifier, ...] = ()


@dataclass(frozen=True, slots=True)
class SetOp:
    """``left op right`` between record sets: ``+`` union, ``-`` exclusion, ``*``
    intersection, ``/`` symmetric difference."""

    op: str
    left: SetExpr
    right: SetExpr


SetExpr = SetTerm | SetOp

SET_OPERATORS = ("+", "-", "*", "/")
MODIFIER_OPERATORS = ("=", "+=", "-=", "*=", "/=")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}

# -- the parser ------------------------------------------------------------------------------


def _name_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_$@%" or ord(ch) > 127


def _name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$@.#%" or ord(ch) > 127


_BARE_STOP = frozenset(",{}()<>=;'\"[]`")


class _SetParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    # -- characters -----------------------------------------------------------------------

    def fail(self, message: str, pos: int | None = None) -> ExpressionError:
        return error(message, self.text, self.i if pos is None else pos)

    def skip(self) -> None:
        text, n = self.text, len(self.text)
        while self.i < n:
            ch = text[self.i]
            if ch.isspace():
                self.i += 1
            elif text.startswith("//", self.i):
                end = text.find("\n", self.i)
                self.i = n if end < 0 else end + 1
            elif text.startswith("/*", self.i):
                end = text.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("Unterminated comment in set expression")
                self.i = end + 2
            else:
                break

    def peek(self) -> str:
        """The next character after blanks ('' at the end)."""
        self.skip()
        return self.text[self.i] if self.i < len(self.text) else ""

    def describe(self) -> str:
        ch = self.peek()
        return "end of set expression" if not ch else f"'{ch}'"

    def expect(self, ch: str, what: str = "") -> None:
        if self.peek() != ch:
            hint = what or f"'{ch}'"
            raise self.fail(f"Unexpected {self.describe()} in set expression, expected {hint}")
        self.i += 1

    def quoted(self, quote: str) -> str:
        """A quoted run starting at self.i; a doubled quote stands for one."""
        start = self.i
        out: list[str] = []
        j = self.i + 1
        text, n = self.text, len(self.text)
        while j < n:
            ch = text[j]
            if ch == quote:
                if j + 1 < n and text[j + 1] == quote:
                    out.append(quote)
                    j += 2
                    continue
                self.i = j + 1
                return "".join(out)
            out.append(ch)
            j += 1
        raise self.fail(f"Missing closing {quote} in set expression", start)

    def bracketed(self) -> str:
        start = self.i
        end = self.text.find("]", self.i + 1)
        if end < 0:
            raise self.fail("Missing ']' in set expression", start)
        self.i = end + 1
        return self.text[start + 1 : end]

    def name_run(self) -> str:
        start = self.i
        n = len(self.text)
        while self.i < n and _name_char(self.text[self.i]):
            self.i += 1
        return self.text[start : self.i]

    # -- sets -----------------------------------------------------------------------------

    def whole(self) -> SetExpr:
        self.expect("{", "'{'")
        node = self.set_union()
        self.expect("}", "'}'")
        if self.peek():
            raise self.fail(f"Unexpected {self.describe()} after the set expression")
        return node

    def braced(self) -> SetExpr:
        self.expect("{", "'{'")
        node = self.set_union()
        self.expect("}", "'}'")
        return node

    def set_union(self) -> SetExpr:
        left = self.set_inter()
        while self.peek() in ("+", "-"):
            op = self.text[self.i]
            self.i += 1
            left = SetOp(op, left, self.set_inter())
        return left

    def set_inter(self) -> SetExpr:
        left = self.set_unary()
        while self.peek() in ("*", "/"):
            op = self.text[self.i]
            self.i += 1
            left = SetOp(op, left, self.set_unary())
        return left

    def set_unary(self) -> SetExpr:
        ch = self.peek()
        if ch == "-":
            self.i += 1
            return SetOp("-", SetTerm("1"), self.set_unary())
        if ch == "(":
            self.i += 1
            node = self.set_union()
            self.expect(")")
            return node
        return self.term()

    def term(self) -> SetTerm:
        ch = self.peek()
        ident: str | None = None
        if ch == "[" or (ch and _name_char(ch)):
            ident = self.ident_part()
            if self.text.startswith("::", self.i):
                self.i += 2
                nxt = self.text[self.i : self.i + 1]
                if not (nxt == "[" or (nxt and _name_char(nxt))):
                    raise self.fail("Expected a bookmark after '::' in set expression")
                ident += "::" + self.ident_part()
            ch = self.peek()
        elif ch != "<":
            raise self.fail(
                f"Unexpected {self.describe()} in set expression, expected a set identifier or '<'"
            )
        modifiers: tuple[FieldModifier, ...] = ()
        if ch == "<":
            modifiers = self.modifiers()
        return SetTerm(ident, modifiers)

    def ident_part(self) -> str:
        if self.text[self.i] == "[":
            return self.bracketed()
        return self.name_run()

    def modifiers(self) -> tuple[FieldModifier, ...]:
        self.expect("<")
        out: list[FieldModifier] = []
        if self.peek() == ">":
            self.i += 1
            return ()
        while True:
            out.append(self.modifier())
            ch = self.peek()
            if ch == ",":
                self.i += 1
                continue
            if ch == ">":
                self.i += 1
                return tuple(out)
            raise self.fail(f"Unexpected {self.describe()} in set modifier, expected ',' or '>'")

    def field(self, what: str = "a field name") -> str:
        ch = self.peek()
        if ch == "[":
            return self.bracketed()
        if ch in ('"', "`"):
            return self.quoted(ch)
        if ch and _name_start(ch):
            return self.name_run()
        raise self.fail(f"Unexpected {self.describe()} in set expression, expected {what}")

    def modifier(self) -> FieldModifier:
        name = self.field()
        self.skip()
        pos = self.i
        op = next((o for o in ("+=", "-=", "*=", "/=", "=") if self.text.startswith(o, pos)), None)
        if op is None:
            raise self.fail(
                f"Unexpected {self.describe()} in set modifier,"
                " expected '=', '+=', '-=', '*=' or '/='"
            )
        self.i += len(op)
        if self.peek() in (",", ">"):
            return FieldModifier(name, op, None)
        return FieldModifier(name, op, self.elements())

    # -- element sets ---------------------------------------------------------------------

    def elements(self) -> ElementExpr:
        left = self.el_inter()
        while self.peek() in ("+", "-"):
            op = self.text[self.i]
            self.i += 1
            left = ElementOp(op, left, self.el_inter())
        return left

    def el_inter(self) -> ElementExpr:
        left = self.el_primary()
        while self.peek() in ("*", "/"):
            op = self.text[self.i]
            self.i += 1
            left = ElementOp(op, left, self.el_primary())
        return left

    def el_primary(self) -> ElementExpr:
        ch = self.peek()
        if ch == "{":
            return self.element_set()
        if ch == "(":
            self.i += 1
            node = self.elements()
            self.expect(")")
            return node
        start = self.i
        if ch == "$" and self.text.startswith("::", self.i + 1):
            self.i += 3
            return FieldValues(self.field("a field after '$::'"), "$")
        if ch in ("[", '"', "`") or (ch and _name_start(ch)):
            name = self.field("an element set, a field or P()/E()")
            bare = ch not in ("[", '"', "`")
            if bare and name.upper() in ("P", "E") and self.peek() == "(":
                return self.set_function(name.upper())
            if self.text.startswith("::", self.i):
                self.i += 2
                return FieldValues(self.field(f"a field after '{name}::'"), name)
            return FieldValues(name)
        raise self.fail(
            f"Unexpected {self.describe()} in set modifier,"
            " expected an element set, a field or P()/E()",
            start,
        )

    def set_function(self, name: str) -> Possible | Excluded:
        self.expect("(")
        inner: SetExpr | None = None
        if self.peek() == "{":
            inner = self.braced()
        fld: str | None = None
        if self.peek() != ")":
            fld = self.field("a field name or ')'")
        self.expect(")")
        return Possible(inner, fld) if name == "P" else Excluded(inner, fld)

    def element_set(self) -> ElementSet:
        self.expect("{")
        items: list[Element] = []
        if self.peek() == "}":
            self.i += 1
            return ElementSet(())
        while True:
            items.append(self.element())
            ch = self.peek()
            if ch == ",":
                self.i += 1
                continue
            if ch == "}":
                self.i += 1
                return ElementSet(tuple(items))
            raise self.fail(f"Unexpected {self.describe()} in element set, expected ',' or '}}'")

    def element(self) -> Element:
        ch = self.peek()
        if ch == "'":
            return Element(self.quoted("'"), "literal")
        if ch == '"':
            return Element(self.quoted('"'), "search")
        if ch == "[":
            return Element(self.bracketed(), "literal")
        start = self.i
        text, n = self.text, len(self.text)
        while self.i < n and not text[self.i].isspace() and text[self.i] not in _BARE_STOP:
            self.i += 1
        if self.i == start:
            raise self.fail(f"Unexpected {self.describe()} in element set, expected a value")
        return Element(text[start : self.i], "literal")


@lru_cache(maxsize=4096)
def parse_set(text: str) -> SetExpr:
    """Parse the text of a set expression, curly brackets included (blanks around are
    allowed). Raises ExpressionError with the position in ``text``."""
    try:
        return _SetParser(text).whole()
    except RecursionError:
        raise error("Set expression nested too deeply", text, 0) from None


# -- the printer -----------------------------------------------------------------------------

_BARE_NAME = re.compile(r"[A-Za-z_@%\u0080-\U0010ffff][\w$@.#%\u0080-\U0010ffff]*")
_BARE_IDENT = re.compile(r"[\w$@.#%\u0080-\U0010ffff]+")


def _field_text(name: str) -> str:
    if _BARE_NAME.fullmatch(name) and not name[0].isspace() and name.upper() not in ("P", "E"):
        return name
    if "]" not in name:
        return f"[{name}]"
    return '"' + name.replace('"', '""') + '"'


def _ident_text(ident: str) -> str:
    parts = ident.split("::")
    if len(parts) <= 2 and all(_BARE_IDENT.fullmatch(p) and not p[0].isspace() for p in parts):
        return ident
    return f"[{ident}]"


_BARE_ELEMENT = re.compile(r"[\w.+\-]+")


def _element_text(el: Element) -> str:
    if el.kind == "literal" and _BARE_ELEMENT.fullmatch(el.text):
        return el.text
    if el.kind == "search":
        return '"' + el.text.replace('"', '""') + '"'
    return "'" + el.text.replace("'", "''") + "'"


def _elements_text(node: ElementExpr) -> str:
    if isinstance(node, ElementSet):
        return "{" + ", ".join(_element_text(e) for e in node.items) + "}"
    if isinstance(node, FieldValues):
        if node.state is None:
            return _field_text(node.field)
        state = "$" if node.state == "$" else _field_text(node.state)
        return f"{state}::{_field_text(node.field)}"
    if isinstance(node, (Possible, Excluded)):
        name = "P" if isinstance(node, Possible) else "E"
        parts = []
        if node.set is not None:
            parts.append(to_text(node.set))
        if node.field is not None:
            parts.append(_field_text(node.field))
        return f"{name}({' '.join(parts)})"
    prec = _PRECEDENCE[node.op]
    left = _elements_text(node.left)
    if isinstance(node.left, ElementOp) and _PRECEDENCE[node.left.op] < prec:
        left = f"({left})"
    right = _elements_text(node.right)
    if isinstance(node.right, ElementOp) and _PRECEDENCE[node.right.op] <= prec:
        right = f"({right})"
    return f"{left} {node.op} {right}"


def _modifier_text(mod: FieldModifier) -> str:
    value = "" if mod.value is None else _elements_text(mod.value)
    return f"{_field_text(mod.field)}{mod.op}{value}"


def _set_text(node: SetExpr) -> str:
    if isinstance(node, SetTerm):
        ident = "" if node.ident is None else _ident_text(node.ident)
        if node.modifiers or node.ident is None:
            return ident + "<" + ", ".join(_modifier_text(m) for m in node.modifiers) + ">"
        return ident
    prec = _PRECEDENCE[node.op]
    left = _set_text(node.left)
    if isinstance(node.left, SetOp) and _PRECEDENCE[node.left.op] < prec:
        left = f"({left})"
    right = _set_text(node.right)
    if isinstance(node.right, SetOp) and _PRECEDENCE[node.right.op] <= prec:
        right = f"({right})"
    return f"{left}{node.op}{right}"


def to_text(node: SetExpr) -> str:
    """The canonical text of a set expression, curly brackets included:
    ``parse_set(to_text(x)) == x``. Literals are printed 'single-quoted', searches
    "double-quoted", a complement as ``1-X``; literals made of letters, digits and
    ``_ . + -`` are printed bare."""
    return "{" + _set_text(node) + "}"


# -- outer and inner sets --------------------------------------------------------------------


def _with_modifiers(base: SetExpr, modifiers: tuple[FieldModifier, ...]) -> SetExpr:
    """``base`` with ``modifiers`` applied after its own (distributed over operators)."""
    if isinstance(base, SetTerm):
        return SetTerm(base.ident, base.modifiers + modifiers)
    return SetOp(
        base.op, _with_modifiers(base.left, modifiers), _with_modifiers(base.right, modifiers)
    )


def combine(outer: SetExpr, inner: SetExpr | None) -> SetExpr:
    """The set of an aggregation with its own set ``inner`` (None: none) written in the
    scope of the outer set ``outer``. Every term of ``inner`` with a set identifier keeps
    it (it replaces the context); a term without one takes the outer set as its base and
    applies its own modifiers after the outer set's, so that, field by field, the inner
    modifier wins (help: "Inheritance"). When the outer set has operators, the inner
    modifiers are applied to each of its terms. Modifiers are applied in order: a later
    ``=`` on the same field replaces an earlier one, ``+=`` and the like extend it."""
    if inner is None:
        return outer
    if isinstance(inner, SetTerm):
        if inner.ident is not None:
            return inner
        return _with_modifiers(outer, inner.modifiers)
    return SetOp(inner.op, combine(outer, inner.left), combine(outer, inner.right))


__all__ = [
    "Element",
    "ElementExpr",
    "ElementOp",
    "ElementSet",
    "Excluded",
    "FieldModifier",
    "FieldValues",
    "Possible",
    "SetExpr",
    "SetOp",
    "SetTerm",
    "combine",
    "parse_set",
    "to_text",
]
