"""Set analysis expressions: parse_set, to_text and combine (expr/sets.py).

The worked examples come from the Qlik help pages "Set analysis", "Set identifiers",
"Set operators", "Set modifiers", "Set modifiers with implicit set operators", "Set
modifiers with searches", "Set modifiers with set functions (P and E)" and "Inner and
outer set expressions".
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.errors import ExpressionError
from associa.expr.sets import (
    Element,
    ElementExpr,
    ElementOp,
    ElementSet,
    Excluded,
    FieldModifier,
    FieldValues,
    Possible,
    SetExpr,
    SetOp,
    SetTerm,
    combine,
    parse_set,
    to_text,
)


def lit(*texts: str) -> ElementSet:
    return ElementSet(tuple(Element(t, "literal") for t in texts))


def srch(*texts: str) -> ElementSet:
    return ElementSet(tuple(Element(t, "search") for t in texts))


def mod(field: str, value: ElementExpr | None, op: str = "=") -> FieldModifier:
    return FieldModifier(field, op, value)


def term(ident: str | None, *mods: FieldModifier) -> SetTerm:
    return SetTerm(ident, tuple(mods))


ALL = SetTerm("1")
CUR = SetTerm("$")


def complement(x: SetExpr) -> SetOp:
    return SetOp("-", ALL, x)


# -- set identifiers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ident"),
    [
        ("{1}", "1"),
        ("{$}", "$"),
        ("{$1}", "$1"),
        ("{$2}", "$2"),
        ("{$_1}", "$_1"),
        ("{BM01}", "BM01"),
        ("{State1}", "State1"),
        ("{[My bookmark]}", "My bookmark"),
        ("{AltState::BM01}", "AltState::BM01"),
        ("{State1::[My bookmark]}", "State1::My bookmark"),
        ("  {\n $ \n}  ", "$"),
    ],
)
def test_identifiers(text: str, ident: str) -> None:
    assert parse_set(text) == SetTerm(ident)


def test_modifiers_without_identifier_keep_none() -> None:
    assert parse_set("{<A={1}>}") == term(None, mod("A", lit("1")))
    assert parse_set("{$<A={1}>}") == term("$", mod("A", lit("1")))
    assert parse_set("{<>}") == SetTerm(None)
    assert parse_set("{$<>}") == CUR


def test_identifiers_with_modifiers() -> None:
    assert parse_set("{1<A={x}>}") == term("1", mod("A", lit("x")))
    assert parse_set("{BM01<B={y}>}") == term("BM01", mod("B", lit("y")))
    assert parse_set("{$1<B={y}>}") == term("$1", mod("B", lit("y")))
    assert parse_set("{[My bm]<B={y}>}") == term("My bm", mod("B", lit("y")))


def test_help_set_identifiers_examples() -> None:
    assert parse_set("{$<Year = {2009}>}") == term("$", mod("Year", lit("2009")))
    assert parse_set("{<Year = {2009}>}") == term(None, mod("Year", lit("2009")))


# -- set operators --------------------------------------------------------------------------


def test_operators() -> None:
    for op in "+-*/":
        assert parse_set(f"{{$ {op} BM01}}") == SetOp(op, CUR, SetTerm("BM01"))


def test_precedence_intersection_before_union() -> None:
    # "1. Unary minus (complement) 2. Intersection and Symmetric difference
    #  3. Union and Exclusion. Within a group ... from left to right."
    a, b, c = SetTerm("A"), SetTerm("B"), SetTerm("C")
    assert parse_set("{A+B*C}") == SetOp("+", a, SetOp("*", b, c))
    assert parse_set("{A*B+C}") == SetOp("+", SetOp("*", a, b), c)
    assert parse_set("{A-B/C}") == SetOp("-", a, SetOp("/", b, c))
    assert parse_set("{A+B-C}") == SetOp("-", SetOp("+", a, b), c)
    assert parse_set("{A-B+C}") == SetOp("+", SetOp("-", a, b), c)
    assert parse_set("{A*B/C}") == SetOp("/", SetOp("*", a, b), c)
    assert parse_set("{A+(B-C)}") == SetOp("+", a, SetOp("-", b, c))
    assert parse_set("{(A+B)*C}") == SetOp("*", SetOp("+", a, b), c)


def test_unary_minus_is_the_complement() -> None:
    a, b = SetTerm("A"), SetTerm("B")
    assert parse_set("{-A}") == complement(a)
    assert parse_set("{-A*B}") == SetOp("*", complement(a), b)
    assert parse_set("{A*-B}") == SetOp("*", a, complement(b))
    assert parse_set("{--A}") == complement(complement(a))


def test_help_set_operators_examples() -> None:
    assert parse_set("{1-$}") == SetOp("-", ALL, CUR)
    assert parse_set("{$*BM01}") == SetOp("*", CUR, SetTerm("BM01"))
    assert parse_set("{-($+BM01)}") == complement(SetOp("+", CUR, SetTerm("BM01")))
    assert parse_set("{$<Year={2009}>+1<Country={'Sweden'}>}") == SetOp(
        "+", term("$", mod("Year", lit("2009"))), term("1", mod("Country", lit("Sweden")))
    )
    assert parse_set('{$<Country={"S*"}+{"*land"}>}') == term(
        "$", mod("Country", ElementOp("+", srch("S*"), srch("*land")))
    )


# -- set modifiers ---------------------------------------------------------------------------


def test_help_set_modifiers_examples() -> None:
    assert parse_set("{$<Year = {2015}>}") == term("$", mod("Year", lit("2015")))
    assert parse_set("{1<Country = {Germany}>}") == term("1", mod("Country", lit("Germany")))
    assert parse_set("{$<Year = {2015}, Country = {Germany}>}") == term(
        "$", mod("Year", lit("2015")), mod("Country", lit("Germany"))
    )
    assert parse_set("{$<Country = {Canada, Germany, Singapore}>}") == term(
        "$", mod("Country", lit("Canada", "Germany", "Singapore"))
    )
    assert parse_set("{$<Year = >}") == term("$", mod("Year", None))
    assert parse_set("{<Country = {'New Zealand'}>}") == term(
        None, mod("Country", lit("New Zealand"))
    )
    assert parse_set('{<Country = {"New Zealand"}>}') == term(
        None, mod("Country", srch("New Zealand"))
    )


def test_clear_and_empty_element_set() -> None:
    assert parse_set("{<A=, B=>}") == term(None, mod("A", None), mod("B", None))
    assert parse_set("{<A={}>}") == term(None, mod("A", ElementSet(())))
    assert parse_set("{<A = { } >}") == term(None, mod("A", ElementSet(())))


def test_elements() -> None:
    got = parse_set("""{<F={a, 'b', "c*", 10, ">=10<20", "=Sum(X)>100", -1.5, 2020-01-01}>}""")
    assert got == term(
        None,
        mod(
            "F",
            ElementSet(
                (
                    Element("a", "literal"),
                    Element("b", "literal"),
                    Element("c*", "search"),
                    Element("10", "literal"),
                    Element(">=10<20", "search"),
                    Element("=Sum(X)>100", "search"),
                    Element("-1.5", "literal"),
                    Element("2020-01-01", "literal"),
                )
            ),
        ),
    )


def test_quotes_are_unescaped() -> None:
    assert parse_set("{<N={'Robert''s'}>}") == term(None, mod("N", lit("Robert's")))
    assert parse_set('{<N={"say ""hi"""}>}') == term(None, mod("N", srch('say "hi"')))
    assert parse_set("""{<N={"=Region='North'"}>}""") == term(
        None, mod("N", srch("=Region='North'"))
    )
    assert parse_set("{<N={'a}b', 'c,d'}>}") == term(None, mod("N", lit("a}b", "c,d")))
    assert parse_set("{<N={[x y]}>}") == term(None, mod("N", lit("x y")))


def test_field_names() -> None:
    assert parse_set("{<[My Field]={1}>}") == term(None, mod("My Field", lit("1")))
    assert parse_set('{<"My Field"={1}>}') == term(None, mod("My Field", lit("1")))
    assert parse_set("{<`My Field`={1}>}") == term(None, mod("My Field", lit("1")))
    assert parse_set("{<a.b#={1}>}") == term(None, mod("a.b#", lit("1")))


def test_help_searches() -> None:
    assert parse_set('{<Year={">2015"}>}') == term(None, mod("Year", srch(">2015")))
    assert parse_set('{$<Country = {"C*", "*land"}>}') == term(
        "$", mod("Country", srch("C*", "*land"))
    )
    assert parse_set('{<Customer = {"=Sum(Sales)>100000"}>}') == term(
        None, mod("Customer", srch("=Sum(Sales)>100000"))
    )
    assert parse_set('{<Date={">=1/1/2020<=12/31/2020"}>}') == term(
        None, mod("Date", srch(">=1/1/2020<=12/31/2020"))
    )


def test_modifiers_with_set_operators_help() -> None:
    assert parse_set('{<Year = {1997} + {"20*"}>}') == term(
        None, mod("Year", ElementOp("+", lit("1997"), srch("20*")))
    )
    assert parse_set('{<Year = {1997, "20*"} - {2000}>}') == term(
        None,
        mod(
            "Year",
            ElementOp(
                "-",
                ElementSet((Element("1997", "literal"), Element("20*", "search"))),
                lit("2000"),
            ),
        ),
    )


def test_element_operator_precedence() -> None:
    a, b, c = lit("a"), lit("b"), lit("c")
    assert parse_set("{<F={a}+{b}*{c}>}") == term(
        None, mod("F", ElementOp("+", a, ElementOp("*", b, c)))
    )
    assert parse_set("{<F=({a}+{b})*{c}>}") == term(
        None, mod("F", ElementOp("*", ElementOp("+", a, b), c))
    )
    assert parse_set("{<F={a}-{b}+{c}>}") == term(
        None, mod("F", ElementOp("+", ElementOp("-", a, b), c))
    )


def test_implicit_set_operators_help() -> None:
    for op in ("+=", "-=", "*=", "/="):
        assert parse_set(f"{{$<Product {op} {{OurProduct1}}>}}") == term(
            "$", mod("Product", lit("OurProduct1"), op)
        )
    assert parse_set("{$<Product += {OurProduct1, OurProduct2} >}") == term(
        "$", mod("Product", lit("OurProduct1", "OurProduct2"), "+=")
    )
    assert parse_set('{$<Year += {"20*",1997} - {2000} >}') == term(
        "$",
        mod(
            "Year",
            ElementOp(
                "-",
                ElementSet((Element("20*", "search"), Element("1997", "literal"))),
                lit("2000"),
            ),
            "+=",
        ),
    )
    # "Same as <Year=Year + ({"20*",1997}-{2000})>"
    assert parse_set('{<Year=Year + ({"20*",1997}-{2000})>}') == term(
        None,
        mod(
            "Year",
            ElementOp(
                "+",
                FieldValues("Year"),
                ElementOp(
                    "-",
                    ElementSet((Element("20*", "search"), Element("1997", "literal"))),
                    lit("2000"),
                ),
            ),
        ),
    )
    assert parse_set('{<Year = Year * {">2015"}>}') == term(
        None, mod("Year", ElementOp("*", FieldValues("Year"), srch(">2015")))
    )


def test_field_references() -> None:
    assert parse_set("{<A = B>}") == term(None, mod("A", FieldValues("B")))
    assert parse_set("{<A = [B C]>}") == term(None, mod("A", FieldValues("B C")))
    assert parse_set("{<A = A + {x}>}") == term(
        None, mod("A", ElementOp("+", FieldValues("A"), lit("x")))
    )
    assert parse_set("{<A = Price>}") == term(None, mod("A", FieldValues("Price")))
    assert parse_set("{<A = [P]>}") == term(None, mod("A", FieldValues("P")))


def test_set_functions_help() -> None:
    shoe = term("1", mod("Product", lit("Shoe")))
    assert parse_set("{$<Customer = P({1<Product={'Shoe'}>} Customer)>}") == term(
        "$", mod("Customer", Possible(shoe, "Customer"))
    )
    assert parse_set("{$<Customer = P({1<Product={'Shoe'}>})>}") == term(
        "$", mod("Customer", Possible(shoe, None))
    )
    assert parse_set("{$<Customer = P({1<Product={'Shoe'}>} Supplier)>}") == term(
        "$", mod("Customer", Possible(shoe, "Supplier"))
    )
    assert parse_set("{$<Customer = E({1<Product={'Shoe'}>})>}") == term(
        "$", mod("Customer", Excluded(shoe, None))
    )
    assert parse_set("{<A = P()>}") == term(None, mod("A", Possible(None, None)))
    assert parse_set("{<A = e(B)>}") == term(None, mod("A", Excluded(None, "B")))
    assert parse_set("{<A = P({1} G) - E({<X={1}>} [G H])>}") == term(
        None,
        mod(
            "A",
            ElementOp(
                "-",
                Possible(ALL, "G"),
                Excluded(term(None, mod("X", lit("1"))), "G H"),
            ),
        ),
    )


def test_whitespace_and_comments_anywhere() -> None:
    text = "{ $ \n < \n Year \n += \n { 1 , \n 'a' } \n , \t B = \n > \n + /* c */ 1 // x\n }"
    assert parse_set(text) == SetOp(
        "+", term("$", mod("Year", lit("1", "a"), "+="), mod("B", None)), ALL
    )


def test_parse_set_is_cached() -> None:
    assert parse_set("{$<A={1}>}") is parse_set("{$<A={1}>}")


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("", "Unexpected end of set expression in set expression, expected '{'", 0),
        ("$", "Unexpected '$' in set expression, expected '{'", 0),
        ("{}", "Unexpected '}' in set expression, expected a set identifier or '<'", 1),
        ("{$", "Unexpected end of set expression in set expression, expected '}'", 2),
        ("{$} x", "Unexpected 'x' after the set expression", 4),
        ("{<A={1},>}", "Unexpected '>' in set expression, expected a field name", 8),
        ("{<A={1,}>}", "Unexpected '}' in element set, expected a value", 7),
        ("{<A {1}>}", "Unexpected '{' in set modifier, expected '=', '+=', '-=', '*=' or '/='", 4),
        ("{<A={1} B={2}>}", "Unexpected 'B' in set modifier, expected ',' or '>'", 8),
        ("{<A={'x}>}", "Missing closing ' in set expression", 5),
        ('{<A={"x}>}', 'Missing closing " in set expression', 5),
        ("{[bm}", "Missing ']' in set expression", 1),
        ("{<A={New Zealand}>}", "Unexpected 'Z' in element set, expected ',' or '}'", 9),
        ("{$+}", "Unexpected '}' in set expression, expected a set identifier or '<'", 3),
        ("{($}", "Unexpected '}' in set expression, expected ')'", 3),
        (
            "{<A=+{1}>}",
            "Unexpected '+' in set modifier, expected an element set, a field or P()/E()",
            4,
        ),
        ("{<A=P(>}", "Unexpected '>' in set expression, expected a field name or ')'", 6),
        ("{S::}", "Expected a bookmark after '::' in set expression", 4),
        ("{$ /* x}", "Unterminated comment in set expression", 3),
    ],
)
def test_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_set(text)
    assert info.value.detail == message
    assert info.value.offset == offset


def test_error_line_and_column() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_set("{$<A={1},\n  B={2}\n  C={3}>}")
    assert (info.value.line, info.value.column) == (3, 3)


def test_deep_nesting_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError):
        parse_set("{" + "(" * 5000 + "$" + ")" * 5000 + "}")


# -- printing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("{ $ }", "{$}"),
        ("{<A={1}>}", "{<A={1}>}"),
        ("{<>}", "{<>}"),
        ("{$<A = {'x y', \"s*\", 1.5}, B=>}", "{$<A={'x y', \"s*\", 1.5}, B=>}"),
        ("{-($+BM01)}", "{1-($+BM01)}"),
        ("{(A+B)*C}", "{(A+B)*C}"),
        ("{A+(B*C)}", "{A+B*C}"),
        ("{A-(B-C)}", "{A-(B-C)}"),
        ("{[My bm]<[F G]={x}>}", "{[My bm]<[F G]={x}>}"),
        ("{<A=({a}+{b})*P({1} [P])>}", "{<A=({a} + {b}) * P({1} [P])>}"),
        ("{<A={'It''s'}>}", "{<A={'It''s'}>}"),
    ],
)
def test_to_text(text: str, canonical: str) -> None:
    assert to_text(parse_set(text)) == canonical
    assert parse_set(canonical) == parse_set(text)


# -- combine (inner and outer sets) -----------------------------------------------------------


def test_combine_without_inner_set_is_the_outer_set() -> None:
    outer = parse_set("{<Year={2021}>}")
    assert combine(outer, None) == outer


def test_combine_inner_identifier_replaces_the_context() -> None:
    # help: {<Year={2023}>} Sum(Sales) / Count({1} distinct OrderNumber)
    outer = parse_set("{<Year={2023}>}")
    assert combine(outer, parse_set("{1}")) == ALL
    assert combine(outer, parse_set("{$<A={1}>}")) == term("$", mod("A", lit("1")))


def test_combine_inner_modifiers_are_merged_after_the_outer_ones() -> None:
    # help: {<Year={2023}>} Sum({<Status={'Confirmed'}>} Sales_Stream1)
    outer = parse_set("{<Year={2023}>}")
    inner = parse_set("{<Status={'Confirmed'}>}")
    assert combine(outer, inner) == term(
        None, mod("Year", lit("2023")), mod("Status", lit("Confirmed"))
    )
    assert combine(parse_set("{BM01<A={1}>}"), parse_set("{<A={2}>}")) == term(
        "BM01", mod("A", lit("1")), mod("A", lit("2"))
    )


def test_combine_with_operators() -> None:
    outer = parse_set("{$+BM01}")
    assert combine(outer, parse_set("{<A={1}>}")) == parse_set("{$<A={1}>+BM01<A={1}>}")
    assert combine(parse_set("{<Y={1}>}"), parse_set("{<A={1}>*1}")) == parse_set(
        "{<Y={1}, A={1}>*1}"
    )


# -- properties: printing round-trips, and fuzzing only raises ExpressionError -----------------

_NAMES = st.sampled_from(
    ["A", "Year", "My Field", "a.b", "P", "E", "x1", "Price", "é", "a]b", 'q"x', "$f", " sp"]
)
_IDENTS = st.sampled_from(
    ["$", "1", "$1", "$_2", "BM01", "State1", "My bookmark", "State1::BM01", "S::My bm", "x,y"]
)
_TEXTS = st.text(st.sampled_from("ab 1.-*?'\",{}<>=()[]é\n/"), max_size=6)
_ELEMENTS = st.builds(Element, _TEXTS, st.sampled_from(["literal", "search"]))


def _element_exprs(sets: st.SearchStrategy[SetExpr]) -> st.SearchStrategy[ElementExpr]:
    leaves: st.SearchStrategy[ElementExpr] = st.one_of(
        st.builds(ElementSet, st.lists(_ELEMENTS, max_size=3).map(tuple)),
        st.builds(FieldValues, _NAMES),
        st.builds(Possible, st.none() | sets, st.none() | _NAMES),
        st.builds(Excluded, st.none() | sets, st.none() | _NAMES),
    )
    return st.recursive(
        leaves,
        lambda kids: st.builds(ElementOp, st.sampled_from("+-*/"), kids, kids),
        max_leaves=4,
    )


def _set_exprs() -> st.SearchStrategy[SetExpr]:
    def extend(kids: st.SearchStrategy[SetExpr]) -> st.SearchStrategy[SetExpr]:
        modifiers = st.builds(
            FieldModifier,
            _NAMES,
            st.sampled_from(["=", "+=", "-=", "*=", "/="]),
            st.none() | _element_exprs(kids),
        )
        return st.one_of(
            st.builds(SetOp, st.sampled_from("+-*/"), kids, kids),
            st.builds(SetTerm, st.none() | _IDENTS, st.lists(modifiers, max_size=3).map(tuple)),
        )

    base = st.builds(SetTerm, st.none() | _IDENTS, st.just(()))
    return st.recursive(base, extend, max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(_set_exprs())
def test_print_then_parse_round_trips(node: SetExpr) -> None:
    text = to_text(node)
    assert parse_set(text) == node, text


@settings(max_examples=200, deadline=None)
@given(_set_exprs(), st.none() | _set_exprs())
def test_combine_prints_and_parses(outer: SetExpr, inner: SetExpr | None) -> None:
    merged = combine(outer, inner)
    assert parse_set(to_text(merged)) == merged


_FUZZ_CHARS = st.sampled_from(list("{}<>()[]=+-*/,'\"` $1_P(E):;\n\tab.é#?!/"))


@settings(max_examples=800, deadline=None)
@given(st.text(_FUZZ_CHARS, max_size=30))
def test_fuzz_only_expression_errors(text: str) -> None:
    try:
        parse_set(text)
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(text)


@settings(max_examples=400, deadline=None)
@given(_set_exprs(), st.data())
def test_fuzz_mutations_of_valid_sets(node: SetExpr, data: st.DataObject) -> None:
    text = to_text(node)
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, min(len(text), i + 3)))
    junk = data.draw(st.text(_FUZZ_CHARS, max_size=2))
    mutated = text[:i] + junk + text[j:]
    try:
        parse_set(mutated)
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(mutated)


def test_a_field_of_another_state() -> None:
    expr = parse_set("{State1<Year = $::Year, Customer = Group1::[Customer Name]>}")
    assert expr == SetTerm("State1", (
        FieldModifier("Year", "=", FieldValues("Year", "$")),
        FieldModifier("Customer", "=", FieldValues("Customer Name", "Group1"))))
    assert parse_set(to_text(expr)) == expr
