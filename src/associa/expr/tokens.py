"""The expression tokenizer, shared by chart expressions and load-script expressions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from associa.errors import ExpressionError


class T(Enum):
    NUMBER = "number"
    STRING = "string"  # 'text'
    NAME = "name"  # bare identifier (field, function, keyword)
    QUOTED = "quoted"  # "name", [name] or `name`: a field name
    OP = "op"
    EOF = "eof"


@dataclass(frozen=True, slots=True)
class Token:
    kind: T
    value: str
    pos: int  # offset in the text

    def is_op(self, *ops: str) -> bool:
        return self.kind is T.OP and self.value in ops

    def is_word(self, *words: str) -> bool:
        return self.kind is T.NAME and self.value.lower() in words


TWO_CHAR_OPS = ("<=", ">=", "<>", "<<", ">>", "+=", "-=", "*=", "/=", "::")
ONE_CHAR_OPS = "+-*/&=<>(),{}!:;"


def _name_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_$@%" or ord(ch) > 127


def _name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$@.#%" or ord(ch) > 127


def tokenize(text: str, comments: bool = True) -> list[Token]:
    """Split an expression into tokens. Raises ExpressionError with the position.
    With ``comments=False`` (load scripts, where the scanner blanked them already)
    ``//`` and ``/*`` are not comment starts."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "/" and comments and text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if ch == "/" and comments and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise error("Unterminated comment", text, i)
            i = end + 2
            continue
        start = i
        if _digit(ch) or (ch == "." and i + 1 < n and _digit(text[i + 1])):
            i = _scan_number(text, i)
            tokens.append(Token(T.NUMBER, text[start:i], start))
            continue
        if ch == "'":
            value, i = _scan_quoted(text, i, "'")
            tokens.append(Token(T.STRING, value, start))
            continue
        if ch in "\"`":
            value, i = _scan_quoted(text, i, ch)
            tokens.append(Token(T.QUOTED, value, start))
            continue
        if ch == "[":
            end = text.find("]", i + 1)
            if end < 0:
                raise error("Missing ']'", text, i)
            tokens.append(Token(T.QUOTED, text[i + 1 : end], start))
            i = end + 1
            continue
        if _name_start(ch):
            i += 1
            while i < n and _name_char(text[i]):
                i += 1
            tokens.append(Token(T.NAME, text[start:i], start))
            continue
        two = text[i : i + 2]
        if two in TWO_CHAR_OPS:
            tokens.append(Token(T.OP, two, start))
            i += 2
            continue
        if ch in ONE_CHAR_OPS:
            tokens.append(Token(T.OP, ch, start))
            i += 1
            continue
        raise error(f"Unexpected character '{ch}'", text, i)
    tokens.append(Token(T.EOF, "", n))
    return tokens


def _digit(ch: str) -> bool:
    """An ASCII digit: str.isdigit() is also true for '³' and '٣', which are no numbers here."""
    return "0" <= ch <= "9"


def _scan_number(text: str, i: int) -> int:
    n = len(text)
    while i < n and _digit(text[i]):
        i += 1
    if i < n and text[i] == "." and i + 1 < n and _digit(text[i + 1]):
        i += 1
        while i < n and _digit(text[i]):
            i += 1
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and _digit(text[j]):
            i = j
            while i < n and _digit(text[i]):
                i += 1
    return i


def _scan_quoted(text: str, i: int, quote: str) -> tuple[str, int]:
    """A quoted run; a doubled quote inside stands for one quote character."""
    out: list[str] = []
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if ch == quote:
            if j + 1 < n and text[j + 1] == quote:
                out.append(quote)
                j += 2
                continue
            return "".join(out), j + 1
        out.append(ch)
        j += 1
    raise error(f"Missing closing {quote}", text, i)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of an offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def error(message: str, text: str, offset: int) -> ExpressionError:
    line, col = position(text, offset)
    exc = ExpressionError(message, text=text, line=line, column=col)
    exc.offset = offset
    return exc
