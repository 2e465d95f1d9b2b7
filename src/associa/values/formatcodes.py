"""Format codes analysed: the sections of a numeric code (``number_sections``, a radix
code such as ``(HEX)``, ``radix_code``) and the tokens of a date/time code
(``date_tokens``), and which kind a code is (``classify_format``). Parsing
(:mod:`associa.values.numbers`) and formatting (:mod:`associa.values.format`) share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["DateToken", "NumberSection", "classify_format", "date_tokens", "number_sections",
           "radix_code"]


@dataclass(frozen=True, slots=True)
class NumberSection:
    """One ';'-section of a numeric format code."""

    prefix: str
    suffix: str
    min_int: int
    group: int
    min_frac: int
    max_frac: int
    percent: bool
    digits: bool = True


@dataclass(frozen=True, slots=True)
class DateToken:
    """A piece of a date/time format code: a field letter run, a literal, '[' or ']'."""

    kind: str  # 'Y' 'M' 'D' 'W' 'h' 'm' 's' 'f' 'T' | 'lit' | '[' | ']'
    width: int
    text: str


_FIELD_LETTERS = {"Y": "Y", "y": "Y", "M": "M", "m": "m", "D": "D", "d": "D", "W": "W",
                  "w": "W", "h": "h", "H": "h", "s": "s", "S": "s", "f": "f", "F": "f"}  # fmt: skip
_RADIX = re.compile(r"\((bin|oct|hex|dec|rom|r[0-9]{1,2})\)", re.IGNORECASE)


def _scan(fmt: str) -> list[tuple[str, bool]]:
    """Split a format code into characters, quoted runs marked as literal."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch in "\"'":
            end = fmt.find(ch, i + 1)
            end = len(fmt) if end < 0 else end
            out.append((fmt[i + 1 : end], True))
            i = end + 1
        else:
            out.append((ch, False))
            i += 1
    return out


def _split_sections(fmt: str) -> list[list[tuple[str, bool]]]:
    sections: list[list[tuple[str, bool]]] = [[]]
    for text, quoted in _scan(fmt):
        if text == ";" and not quoted:
            sections.append([])
        else:
            sections[-1].append((text, quoted))
    return sections


def radix_code(fmt: str) -> tuple[int, bool] | None:
    """(base, uppercase) for '(bin)' '(oct)' '(hex)' '(dec)' '(rNN)'; base 0 is roman."""
    match = _RADIX.match(fmt.strip())
    if match is None:
        return None
    code = match.group(1)
    upper = code[0].isupper()
    low = code.lower()
    fixed = {"bin": 2, "oct": 8, "hex": 16, "dec": 10, "rom": 0}
    base = fixed[low] if low in fixed else int(low[1:])
    return (base, upper) if base == 0 or 2 <= base <= 36 else None


@lru_cache(maxsize=512)
def date_tokens(fmt: str) -> tuple[DateToken, ...]:
    """Tokens of a date/time format code (letter runs, literals, optional brackets)."""
    tokens: list[DateToken] = []
    for text, quoted in _scan(fmt):
        if quoted:
            tokens.append(DateToken("lit", len(text), text))
        elif text in "[]":
            tokens.append(DateToken(text, 1, text))
        elif text in _FIELD_LETTERS or text in "Tt":
            kind = "T" if text in "Tt" else _FIELD_LETTERS[text]
            last = tokens[-1] if tokens else None
            if last is not None and last.kind == kind and last.text[-1] == text:
                tokens[-1] = DateToken(kind, last.width + 1, last.text + text)
            else:
                tokens.append(DateToken(kind, 1, text))
        else:
            tokens.append(DateToken("lit", 1, text))
    return tuple(DateToken("lit", 1, t.text) if t.kind == "T" and t.width == 1 else t
                 for t in tokens)  # fmt: skip


@lru_cache(maxsize=512)
def classify_format(fmt: str) -> str:
    """'radix', 'number', 'date' or 'literal' (no placeholders at all)."""
    if radix_code(fmt) is not None:
        return "radix"
    if any(not q and ("0" in t or "#" in t) for t, q in _scan(fmt)):
        return "number"
    if any(t.kind not in ("lit", "[", "]") for t in date_tokens(fmt)):
        return "date"
    return "literal"


def _literal(items: list[tuple[str, bool]]) -> str:
    return "".join(text for text, _ in items)


def _analyse_section(items: list[tuple[str, bool]], dec: str, thou: str) -> NumberSection:
    chars = "".join(t if not q else "\0" * len(t) for t, q in items)
    flat = _literal(items)
    places = [i for i, ch in enumerate(chars) if ch in "0#"]
    if not places:
        return NumberSection(flat, "", 0, 0, 0, 0, "%" in chars, digits=False)
    start, end = places[0], places[-1] + 1
    if dec and chars[max(0, start - len(dec)) : start] == dec:
        start -= len(dec)
    core = chars[start:end]
    point = core.find(dec) if dec else -1
    int_part, frac_part = (core, "") if point < 0 else (core[:point], core[point + len(dec) :])
    group = 0
    if thou and thou != dec and thou in int_part:
        group = sum(1 for ch in int_part.rsplit(thou, 1)[1] if ch in "0#")
    prefix, suffix = _split_literal(items, start, end)
    return NumberSection(
        prefix=prefix,
        suffix=suffix,
        min_int=int_part.count("0"),
        group=group,
        min_frac=len(frac_part) - len(frac_part.lstrip("0")) if frac_part else 0,
        max_frac=sum(1 for ch in frac_part if ch in "0#"),
        percent="%" in chars[:start] + chars[end:],
    )


def _split_literal(items: list[tuple[str, bool]], start: int, end: int) -> tuple[str, str]:
    """Text of the items before character ``start`` and after character ``end``."""
    prefix, suffix, pos = [], [], 0
    for text, _ in items:
        if pos + len(text) <= start:
            prefix.append(text)
        elif pos >= end:
            suffix.append(text)
        pos += len(text)
    return "".join(prefix), "".join(suffix)


@lru_cache(maxsize=512)
def number_sections(fmt: str, dec: str, thou: str) -> tuple[NumberSection, ...]:
    """The (one or two) sections of a numeric format code written with ``dec``/``thou``."""
    sections = _split_sections(fmt)[:2]
    return tuple(_analyse_section(items, dec, thou) for items in sections)


