"""The expression parser: trees, precedence, calls, errors, and a round-trip property."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.errors import ExpressionError
from associa.expr import ast, parse
from associa.expr.parser import BINARY, WORD_OPERATORS

N = ast.Number
F = ast.FieldRef
S = ast.String
B = ast.Binary
U = ast.Unary


def num(x: int) -> ast.Number:
    return N(float(x), str(x))


# -- leaves --------------------------------------------------------------------------------


def test_leaves() -> None:
    assert parse("42") == N(42.0, "42")
    assert parse("1.50") == N(1.5, "1.50")
    assert parse("'it''s'") == S("it's")
    assert parse("Sales") == F("Sales")
    assert parse("[My Field]") == F("My Field")
    assert parse('"My Field"') == F("My Field")
    assert parse("`My Field`") == F("My Field")


def test_leading_equals_is_ignored() -> None:
    assert parse("=1+2") == parse("1+2")
    assert parse("  = a") == F("a")


def test_parse_is_cached() -> None:
    assert parse("a + b * c") is parse("a + b * c")


# -- precedence (qlik-language.md §6.2 / §11.1: a working rule, not documented) -------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("1 + 2 * 3", B("+", num(1), B("*", num(2), num(3)))),
        ("1 * 2 + 3", B("+", B("*", num(1), num(2)), num(3))),
        ("a - b - c", B("-", B("-", F("a"), F("b")), F("c"))),
        ("a / b / c", B("/", B("/", F("a"), F("b")), F("c"))),
        ("1 & 2 + 3", B("&", num(1), B("+", num(2), num(3)))),
        ("'a' & 'b' = 'ab'", B("=", B("&", S("a"), S("b")), S("ab"))),
        ("a & b & c", B("&", B("&", F("a"), F("b")), F("c"))),
        ("6 bitand 3 = 2", B("=", B("bitand", num(6), num(3)), num(2))),
        ("1 + 2 bitand 3", B("bitand", B("+", num(1), num(2)), num(3))),
        ("a & b bitor c", B("bitor", B("&", F("a"), F("b")), F("c"))),
        ("a << 2 >> 1", B(">>", B("<<", F("a"), num(2)), num(1))),
        ("not a = b", U("not", B("=", F("a"), F("b")))),
        ("not a and b", B("and", U("not", F("a")), F("b"))),
        ("a or b and c", B("or", F("a"), B("and", F("b"), F("c")))),
        ("a and b or c", B("or", B("and", F("a"), F("b")), F("c"))),
        ("a xor b or c", B("or", B("xor", F("a"), F("b")), F("c"))),
        ("a or b xor c", B("xor", B("or", F("a"), F("b")), F("c"))),
        ("a like 'x*' and b", B("and", B("like", F("a"), S("x*")), F("b"))),
        ("a precedes b = c", B("=", B("precedes", F("a"), F("b")), F("c"))),
        ("a < b <> c", B("<>", B("<", F("a"), F("b")), F("c"))),
        ("(1 + 2) * 3", B("*", B("+", num(1), num(2)), num(3))),
        ("a AND b", B("and", F("a"), F("b"))),
        ("a Like b", B("like", F("a"), F("b"))),
    ],
)
def test_precedence(text: str, tree: ast.Node) -> None:
    assert parse(text) == tree


def test_unary_minus_folds_into_numbers() -> None:
    assert parse("-2") == N(-2.0, "-2")
    assert parse("- 2") == N(-2.0, "-2")
    assert parse("-(2)") == N(-2.0, "-2")
    assert parse("--2") == N(2.0, "--2")
    assert parse("-2 * 3") == B("*", N(-2.0, "-2"), num(3))
    assert parse("2 - -3") == B("-", num(2), N(-3.0, "-3"))


def test_unary_operators() -> None:
    assert parse("-a") == U("-", F("a"))
    assert parse("+a") == U("+", F("a"))
    assert parse("-a * b") == B("*", U("-", F("a")), F("b"))
    assert parse("bitnot a + b") == B("+", U("bitnot", F("a")), F("b"))
    assert parse("not not a") == U("not", U("not", F("a")))
    assert parse("1 + not a") == B("+", num(1), U("not", F("a")))


# -- calls ---------------------------------------------------------------------------------


def test_calls_are_upper_cased_and_keep_position() -> None:
    node = parse("1 + len(x)")
    assert node == B("+", num(1), ast.Call("LEN", (F("x"),)))
    assert node.right.pos == 4  # type: ignore[attr-defined]


def test_call_arguments() -> None:
    assert parse("f()") == ast.Call("F")
    assert parse("If(a > 1, 'x', If(b, 1, 2))") == ast.Call(
        "IF", (B(">", F("a"), num(1)), S("x"), ast.Call("IF", (F("b"), num(1), num(2))))
    )


def test_aggregation_qualifiers() -> None:
    assert parse("Count(*)") == ast.Call("COUNT", (ast.Star(),))
    assert parse("Count(DISTINCT x)") == ast.Call("COUNT", (F("x"),), distinct=True)
    assert parse("Count(NODISTINCT x)") == ast.Call("COUNT", (F("x"),), distinct=False)
    assert parse("Sum(TOTAL x)") == ast.Call("SUM", (F("x"),), total=())
    assert parse("Sum(TOTAL <A, [B C]> x)") == ast.Call("SUM", (F("x"),), total=("A", "B C"))
    assert parse("Sum(ALL x)") == ast.Call("SUM", (F("x"),), total=(), set_text="{1}")


def test_set_expression_text_is_kept() -> None:
    node = parse("Sum({$<Year={2020, 2021}, Region={'A'}>} Sales)")
    assert isinstance(node, ast.Call)
    assert node.set_text == "{$<Year={2020, 2021}, Region={'A'}>}"
    assert node.args == (F("Sales"),)


def test_set_expression_is_checked_with_its_position() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("1 + Sum({<A={1},>} x)")
    assert info.value.detail == "Unexpected '>' in set expression, expected a field name"
    assert (info.value.line, info.value.column) == (1, 17)
    with pytest.raises(ExpressionError) as info:
        parse("Sum(\n  {$<Year={2020}\n   Month={1}>} x)")
    assert info.value.detail == "Unexpected 'M' in set modifier, expected ',' or '>'"
    assert (info.value.line, info.value.column) == (3, 4)


def sum_(arg: str, set_text: str | None) -> ast.Call:
    return ast.Call("SUM", (F(arg),), set_text=set_text)


def test_outer_set_applies_to_every_aggregation() -> None:
    # help: {<Year={2021}>} Sum(Sales) / Count(distinct Customer)
    assert parse("{<Year={2021}>} Sum(Sales) / Count(distinct Customer)") == B(
        "/",
        sum_("Sales", "{<Year={2021}>}"),
        ast.Call("COUNT", (F("Customer"),), distinct=True, set_text="{<Year={2021}>}"),
    )
    assert parse("={<A={1}>} Sum(X)") == sum_("X", "{<A={1}>}")


def test_outer_and_inner_sets_merge() -> None:
    node = parse("{<A={1}>} Sum({<B={2}>} X) + Count(Y)")
    assert node == B(
        "+",
        sum_("X", "{<A={1}, B={2}>}"),
        ast.Call("COUNT", (F("Y"),), set_text="{<A={1}>}"),
    )
    # help: an inner set identifier replaces the context
    assert parse("{<Year={2023}>} Sum(Sales) / Count({1} distinct OrderNumber)") == B(
        "/",
        sum_("Sales", "{<Year={2023}>}"),
        ast.Call("COUNT", (F("OrderNumber"),), distinct=True, set_text="{1}"),
    )
    # help example 2: inner sets without identifier are merged with the outer one
    assert parse(
        "{<Year={2023}>} Sum({<Status={'Confirmed'}>} S1) + Sum({<UpdatedStatus={'Confirmed'}>} S2)"
    ) == B(
        "+",
        sum_("S1", "{<Year={2023}, Status={Confirmed}>}"),
        sum_("S2", "{<Year={2023}, UpdatedStatus={Confirmed}>}"),
    )
    assert parse("{$+BM01} Sum({<A={1}>} X)") == sum_("X", "{$<A={1}>+BM01<A={1}>}")
    assert parse("{<A={1}>} Sum(ALL X)") == ast.Call("SUM", (F("X"),), total=(), set_text="{1}")


def test_outer_set_lexical_scope() -> None:
    # help: ( {<Year={2021}>} Sum(Amount) / Count(distinct Customer) ) - Avg(CustomerSales)
    node = parse("( {<Year={2021}>} Sum(Amount) / Count(distinct Customer) ) - Avg(CustomerSales)")
    assert node == B(
        "-",
        B(
            "/",
            sum_("Amount", "{<Year={2021}>}"),
            ast.Call("COUNT", (F("Customer"),), distinct=True, set_text="{<Year={2021}>}"),
        ),
        ast.Call("AVG", (F("CustomerSales"),)),
    )
    # nested scopes: the inner outer set is merged into the outer one
    assert parse("{<A={1}>} ({<B={2}>} Sum(X)) + Sum(Y)") == B(
        "+", sum_("X", "{<A={1}, B={2}>}"), sum_("Y", "{<A={1}>}")
    )
    # function arguments are scopes; a set first in a scalar function's arguments is an
    # outer set of its first argument
    assert parse("If({<A={1}>} Sum(X) > 0, {<B={2}>} Sum(Y), Sum(Z))") == ast.Call(
        "IF",
        (
            B(">", sum_("X", "{<A={1}>}"), num(0)),
            sum_("Y", "{<B={2}>}"),
            sum_("Z", None),
        ),
    )
    # scalars and fields outside aggregations are left alone
    assert parse("{<A={1}>} Len(X) + Y") == B("+", ast.Call("LEN", (F("X"),)), F("Y"))


def test_outer_set_reaches_nested_aggregations() -> None:
    node = parse("{<A={1}>} Sum(Aggr(Sum({1} X), D))")
    inner = ast.Call("SUM", (F("X"),), set_text="{1}")
    aggr = ast.Call("AGGR", (inner, F("D")), True, set_text="{<A={1}>}")  # DISTINCT default
    assert node == ast.Call("SUM", (aggr,), set_text="{<A={1}>}")


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("1 + {<A={1}>} Sum(X)", "A set expression must stand at the beginning", 5),
        ("-{<A={1}>} Sum(X)", "A set expression must stand at the beginning", 2),
        ("{<A={1}>}", "Unexpected end of expression, expected an expression after", 10),
        ("({<A={1}>})", "Unexpected ')', expected an expression after the set", 11),
        ("{<A={1},>} Sum(X)", "Unexpected '>' in set expression, expected a field name", 9),
    ],
)
def test_bad_outer_sets(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.detail.startswith(message)
    assert info.value.column == column


def test_names_that_look_like_qualifiers_are_fields() -> None:
    assert parse("Len(total)") == ast.Call("LEN", (F("total"),))
    assert parse("If(distinct, 1)") == ast.Call("IF", (F("distinct"), num(1)))


def test_field_names_and_walk() -> None:
    node = parse("If(a > [b c], Len(d), 'e')")
    assert ast.field_names(node) == {"a", "b c", "d"}
    assert sum(1 for _ in node.walk()) == 7


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("", "Empty expression", 1, 1),
        ("   ", "Empty expression", 1, 1),
        ("1 +", "Unexpected end of expression", 1, 4),
        ("(1 + 2", "Unexpected end of expression, expected ')'", 1, 7),
        ("1 2", "Unexpected '2'", 1, 3),
        ("f(1,", "Unexpected end of expression", 1, 5),
        ("f(1 2)", "Unexpected '2', expected ')'", 1, 5),
        ("and", "Unexpected 'and'", 1, 1),
        ("a and", "Unexpected end of expression", 1, 6),
        ("a +\n  * b", "Unexpected '*'", 2, 3),
        ("=1 +", "Unexpected end of expression", 1, 5),
        ("Sum({<A={1}> x)", "Missing '}' in set expression", 1, 5),
        ("1 )", "Unexpected ')'", 1, 3),
        ("x = 'abc", "Missing closing '", 1, 5),
    ],
)
def test_syntax_errors(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.detail == message
    assert (info.value.line, info.value.column) == (line, column)


def test_error_caret() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("a +\n  * b")
    assert info.value.caret() == "  * b\n  ^"


# -- property: random well-formed expressions parse, and printing round-trips ---------------

RESERVED = WORD_OPERATORS | {"not", "bitnot", "total", "distinct", "nodistinct", "all"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def show(node: ast.Node) -> str:
    """A canonical printing: every operator application in parentheses."""
    if isinstance(node, ast.Number):
        return node.text
    if isinstance(node, ast.String):
        return "'" + node.value.replace("'", "''") + "'"
    if isinstance(node, ast.FieldRef):
        name = node.name
        if _IDENT.fullmatch(name) and name.lower() not in RESERVED:
            return name
        if "]" not in name:
            return f"[{name}]"
        return '"' + name.replace('"', '""') + '"'
    if isinstance(node, ast.Star):
        return "*"
    if isinstance(node, ast.Unary):
        sep = " " if node.op.isalpha() else ""
        return f"({node.op}{sep}{show(node.operand)})"
    if isinstance(node, ast.Binary):
        return f"({show(node.left)} {node.op} {show(node.right)})"
    if isinstance(node, ast.Call):
        assert node.set_text is None and node.total is None and not node.distinct
        return f"{node.name}({', '.join(show(a) for a in node.args)})"
    raise AssertionError(f"unexpected node {node!r}")


_SPACE = st.sampled_from([" ", "  ", "\n", "\t", " \n "])
_NUMBERS = st.from_regex(
    r"\A(?:[0-9]{1,5}(?:\.[0-9]{1,3})?|\.[0-9]{1,3})(?:[eE][+-]?[0-9]{1,2})?\Z"
)
_STRINGS = st.text(st.sampled_from("ab '\"[]()*,;&=é"), max_size=6).map(
    lambda s: "'" + s.replace("'", "''") + "'"
)
_FIELD_NAMES = st.sampled_from(
    ["A", "Sales", "x1", "_t", "a.b", "Year", "If", "Len", "My Field", "Amount €", "a'b", 'q"x']
)


@st.composite
def _fields(draw: st.DrawFn) -> str:
    name = draw(_FIELD_NAMES)
    styles = ["[]", '""', "``"] if "]" not in name else ['""']
    if _IDENT.fullmatch(name) or "." in name and " " not in name:
        styles.append("bare")
    style = draw(st.sampled_from(styles))
    if style == "bare":
        return name
    if style == "[]":
        return f"[{name}]"
    q = style[0]
    return q + name.replace(q, q + q) + q


_ATOMS = st.one_of(_NUMBERS, _STRINGS, _fields())
_BINOPS = st.sampled_from(sorted(BINARY))


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, _SPACE, _BINOPS, _SPACE, inner).map("".join)
    unary = st.tuples(st.sampled_from(["-", "+", "not ", "bitnot ", "- "]), inner).map("".join)
    paren = st.tuples(inner, _SPACE).map(lambda t: f"({t[0]}{t[1]})")
    if_call = st.tuples(st.sampled_from(["If", "if", "IF"]), inner, inner, st.none() | inner).map(
        lambda t: f"{t[0]}({t[1]}, {t[2]}" + ("" if t[3] is None else f", {t[3]}") + ")"
    )
    len_call = inner.map(lambda s: f"Len( {s} )")
    return st.one_of(binary, unary, paren, if_call, len_call)


EXPRESSIONS = st.recursive(_ATOMS, _extend, max_leaves=14)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_random_expressions_parse_and_round_trip(text: str) -> None:
    tree = parse(text)
    printed = show(tree)
    again = parse(printed)
    assert again == tree, printed
    assert show(again) == printed


@settings(max_examples=100, deadline=None)
@given(EXPRESSIONS, _SPACE)
def test_whitespace_and_leading_equals_do_not_matter(text: str, space: str) -> None:
    assert parse(f"={space}{text}{space}") == parse(text)


def test_a_field_named_total_is_not_the_total_qualifier() -> None:
    node = parse("If(total < 5, 1, 2)")
    assert isinstance(node, ast.Call) and node.name == "IF"
    cond = node.args[0]
    assert isinstance(cond, ast.Binary) and cond.left == ast.FieldRef("total")
    assert parse("Sum(TOTAL <Month, Year> Sales)").total == ("Month", "Year")


def test_aggr_qualifiers_sets_and_structured_dimensions() -> None:
    """Aggr: DISTINCT by default, NODISTINCT kept; its set is the outer set of its
    expression; ``(Field, (Sort-type, Ordering))`` is a sorted dimension (help "Aggr -
    chart function")."""
    node = parse("Aggr(Sum(X), D)")
    assert isinstance(node, ast.Call) and node.distinct
    node = parse("Aggr(NODISTINCT Sum(X), D)")
    assert isinstance(node, ast.Call) and not node.distinct
    node = parse("Aggr({<A={1}>} Sum(X) + Sum({<B={2}>} Y), D)")
    assert node == ast.Call("AGGR", (B("+", ast.Call("SUM", (F("X"),), set_text="{<A={1}>}"),
                                       ast.Call("SUM", (F("Y"),), set_text="{<A={1}, B={2}>}")),
                                     F("D")), True, set_text="{<A={1}>}")
    node = parse("Aggr(Sum(X), (D, (NUMERIC, DESCENDING)), (E, (TEXT, Z2A)), F)")
    assert isinstance(node, ast.Call)
    assert node.args[1] == ast.Call("AGGR_DIM", (F("D"), ast.String("NUMERIC"),
                                                 ast.String("DESCENDING")))
    assert node.args[2] == ast.Call("AGGR_DIM", (F("E"), ast.String("TEXT"), ast.String("Z2A")))
    assert node.args[3] == F("F")
    assert parse("Aggr(Sum(X), (D))") == ast.Call("AGGR", (ast.Call("SUM", (F("X"),)), F("D")),
                                                  True)
    with pytest.raises(ExpressionError, match="does not go with"):
        parse("Aggr(Sum(X), (D, (NUMERIC, A2Z)))")
    with pytest.raises(ExpressionError, match="Unknown sort type"):
        parse("Aggr(Sum(X), (D, (COLOR, ASCENDING)))")


@pytest.mark.parametrize("text", ["(" * 3000 + "1" + ")" * 3000, "-" * 5000 + "1",
                                  "If(" * 2000 + "1" + ",1)" * 2000])
def test_deep_nesting_is_a_clear_error(text: str) -> None:
    with pytest.raises(ExpressionError, match="nested more than 100 levels"):
        parse(text)


def test_nesting_below_the_limit_and_huge_literals_parse() -> None:
    assert parse("(" * 99 + "1" + ")" * 99) == ast.Number(1.0, "1")
    huge = "'" + "x" * 1_000_000 + "'"
    assert parse(huge) == ast.String("x" * 1_000_000)
