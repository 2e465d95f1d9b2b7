"""The expression tokenizer."""

from __future__ import annotations

import pytest

from associa.errors import ExpressionError
from associa.expr.tokens import T, Token, position, tokenize


def kinds(text: str, comments: bool = True) -> list[tuple[T, str]]:
    return [(t.kind, t.value) for t in tokenize(text, comments)][:-1]


def test_simple_expression() -> None:
    assert kinds("Sum(Sales) * 2") == [
        (T.NAME, "Sum"),
        (T.OP, "("),
        (T.NAME, "Sales"),
        (T.OP, ")"),
        (T.OP, "*"),
        (T.NUMBER, "2"),
    ]


def test_ends_with_eof_at_text_length() -> None:
    toks = tokenize("a + 1")
    assert toks[-1] == Token(T.EOF, "", 5)


def test_positions_are_offsets() -> None:
    assert [t.pos for t in tokenize("a  +\n b")] == [0, 3, 6, 7]


@pytest.mark.parametrize("text", ["1", "42", "1.5", ".5", "1e3", "1E-3", "2.5e+10", "007"])
def test_numbers(text: str) -> None:
    assert kinds(text) == [(T.NUMBER, text)]


@pytest.mark.parametrize("text", ["³", "٣", "①"])
def test_only_ascii_digits_make_numbers(text: str) -> None:
    """str.isdigit() holds for these, but they are no numbers: like any other non-ASCII
    letter they make a name (a field may be called that)."""
    assert kinds(text) == [(T.NAME, text)]
    assert kinds(f"1{text}") == [(T.NUMBER, "1"), (T.NAME, text)]


def test_exponent_needs_digits() -> None:
    # '1e' is the number 1 followed by the name e
    assert kinds("1e") == [(T.NUMBER, "1"), (T.NAME, "e")]


def test_single_quotes_are_strings_with_doubled_quote_escape() -> None:
    assert kinds("'it''s'") == [(T.STRING, "it's")]
    assert kinds("''") == [(T.STRING, "")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('"My Field"', "My Field"),
        ("[My Field]", "My Field"),
        ("`My Field`", "My Field"),
        ('"a""b"', 'a"b'),
        ("[a'b]", "a'b"),
        ('[a"b]', 'a"b'),
    ],
)
def test_quoted_names(text: str, name: str) -> None:
    assert kinds(text) == [(T.QUOTED, name)]


@pytest.mark.parametrize("name", ["Sales", "_x", "$Field", "@1", "T.Field", "a#b", "Año", "x1"])
def test_bare_names(name: str) -> None:
    assert kinds(name) == [(T.NAME, name)]


def test_name_cannot_start_with_digit() -> None:
    assert kinds("1a") == [(T.NUMBER, "1"), (T.NAME, "a")]


@pytest.mark.parametrize("op", ["<=", ">=", "<>", "<<", ">>", "::"])
def test_two_char_operators(op: str) -> None:
    assert kinds(f"a {op} b")[1] == (T.OP, op)


@pytest.mark.parametrize("op", list("+-*/&=<>(),{}!:;"))
def test_one_char_operators(op: str) -> None:
    assert kinds(f"a{op}b")[1] == (T.OP, op)


def test_word_operators_are_names() -> None:
    assert kinds("a and b") == [(T.NAME, "a"), (T.NAME, "and"), (T.NAME, "b")]


def test_comments_are_skipped() -> None:
    assert kinds("1 // one\n+ /* two */ 2") == [(T.NUMBER, "1"), (T.OP, "+"), (T.NUMBER, "2")]


def test_comments_off_in_scripts() -> None:
    assert kinds("1 // 2", comments=False) == [
        (T.NUMBER, "1"),
        (T.OP, "/"),
        (T.OP, "/"),
        (T.NUMBER, "2"),
    ]


def test_token_helpers() -> None:
    plus, word = tokenize("+ AND")[:2]
    assert plus.is_op("+", "-") and not plus.is_op("*")
    assert word.is_word("and") and not word.is_word("or") and not plus.is_word("and")


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("'abc", "Missing closing '", 1, 1),
        ("1 + 'abc", "Missing closing '", 1, 5),
        ('a + "b', 'Missing closing "', 1, 5),
        ("a + `b", "Missing closing `", 1, 5),
        ("a +\n  [b", "Missing ']'", 2, 3),
        ("1 ^ 2", "Unexpected character '^'", 1, 3),
        ("1 +\n\n  ~", "Unexpected character '~'", 3, 3),
        ("1 /* open", "Unterminated comment", 1, 3),
    ],
)
def test_errors_have_line_and_column(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        tokenize(text)
    err = info.value
    assert err.detail == message
    assert (err.line, err.column) == (line, column)
    assert f"line {line}, column {column}" in str(err)
    assert err.text == text


def test_position_is_one_based() -> None:
    text = "ab\ncd\n\nef"
    assert position(text, 0) == (1, 1)
    assert position(text, 1) == (1, 2)
    assert position(text, 3) == (2, 1)
    assert position(text, 7) == (4, 1)
