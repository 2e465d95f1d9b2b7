"""Number interpretation of a whole array of texts: :func:`interpret_array`.

The answer is exactly :func:`associa.values.numbers.interpret` applied to each text (NaN
where that gives None), with the common shapes read by Arrow kernels and only the rest
of the texts (as Python strings) through the scalar function. Meant for the dictionary
of a column (each distinct text once), not for its rows.

Vectorized shapes, each claimed only where the scalar rules provably give the same number:

* ``[0-9]{1,18}``: integer cast, then int64 → float64 (both round the exact integer to
  the nearest double, as ``float(text)`` does).
* ``[+-]?[0-9]{1,15}(DEC[0-9]{1,15})?([eE][+-]?[0-9]{1,2})?`` and the same with
  thousands groups (``1,234,567.5``): separators removed, then Arrow's decimal-to-double
  cast (correctly rounded, as ``float`` is; the tests check this).
* The locale's ``DateFormat``, then its ``TimestampFormat`` (the scalar's order), when
  made of numeric Y, M and D fields, optional numeric h, m, s, an optional fraction of a
  second in brackets (``[.fff]``), AM/PM (``TT``, any case) and literals (a blank matching one blank): the texts
  that match its regex and could not be a plain number (the scalar tries numbers first),
  with a valid date and time; the fraction as digits ÷ 10**len (exactly ``float("0." +
  digits)`` up to 15 digits).
* ISO dates and timestamps without fractions (``2024-01-31``, ``2024-01-31 13:45:10``)
  when no locale date/time format, month name or day name holds a ``-`` (so none of
  them, tried first by the scalar rules, can match such a text).

Everything needs "safe" separators: one character each (or no thousands separator),
none of them a digit, sign, ``e``, ``%`` or blank; otherwise every text takes the scalar
path. Whatever the locale, a text without an ASCII digit stays text (as in the scalar
rules) without being looked at further.

Then the texts no regex of the scalar rules can match stay text: every rule is a full
match of the stripped text against one of ``numbers.interpretation_patterns``, and their
union, run by RE2 over the ASCII texts, sets aside codes such as ``K123`` or ``C000123``
(digits, but no number, date, time or amount) that would otherwise take the scalar
function's ~9 µs each.

The texts left for the scalar function can be remembered in an
:class:`InterpretationCache`: a reload keeps one per field name, so that a dimension
table's keys already read in the fact table are not interpreted again.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.values.formatcodes import classify_format, date_tokens
from associa.values.locale import DEFAULT_LOCALE, Locale
from associa.values.numbers import interpret, interpretation_patterns

__all__ = ["InterpretationCache", "interpret_array", "safe_separators"]

_EPOCH = np.datetime64("1899-12-30", "D")
_UNSAFE = set("0123456789+-eE%")


def _re2(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def _sep_ok(sep: str) -> bool:
    return len(sep) == 1 and sep not in _UNSAFE and not sep.isspace()


def safe_separators(locale: Locale) -> bool:
    """Whether the locale's separators allow the vectorized number shapes."""
    dec, thou = locale.decimal_sep or ".", locale.thousand_sep
    return _sep_ok(dec) and (thou == "" or _sep_ok(thou))


def _as_array(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        raise TypeError(f"interpret_array needs strings, not {texts.type}")
    return texts


def _bools(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _floats(texts: pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(texts, pa.float64()).to_numpy(zero_copy_only=False))


class _Pass:
    """The texts still to interpret and the numbers found so far."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr
        self.out = np.full(len(arr), math.nan)
        self.todo = ~_bools(arr.is_null())

    def remaining(self) -> tuple[np.ndarray, pa.Array]:
        idx = np.flatnonzero(self.todo)
        if len(idx) == len(self.arr):
            return idx, self.arr
        return idx, self.arr.take(pa.array(idx))

    def claim(self, idx: np.ndarray, values: np.ndarray) -> None:
        self.out[idx] = values
        self.todo[idx] = False


def _digits(p: _Pass) -> None:
    """Texts of 1 to 18 ASCII digits."""
    arr = p.arr
    ok = pc.and_(pc.ascii_is_decimal(arr), pc.less_equal(pc.binary_length(arr), 18))
    mask = _bools(ok) & p.todo
    if mask.any():
        idx = np.flatnonzero(mask)
        sub = arr if len(idx) == len(arr) else arr.take(pa.array(idx))
        ints = pc.cast(sub, pa.int64()).to_numpy(zero_copy_only=False)
        p.claim(idx, ints.astype(np.float64))


def _plain_numbers(p: _Pass, dec: str, thou: str) -> None:
    """Signed decimals with optional exponent, and numbers with thousands groups."""
    d = _re2(dec)
    frac = f"(?:{d}[0-9]{{1,15}})?"
    shapes = [f"^[+-]?[0-9]{{1,15}}{frac}(?:[eE][+-]?[0-9]{{1,2}})?$"]
    if thou and thou != dec:
        shapes.append(f"^[+-]?[0-9]{{1,3}}(?:{_re2(thou)}[0-9]{{3}}){{1,4}}{frac}$")
    for i, shape in enumerate(shapes):
        idx, sub = p.remaining()
        if not len(idx):
            return
        mask = _bools(pc.match_substring_regex(sub, shape))
        if not mask.any():
            continue
        texts = sub.filter(pa.array(mask))
        if i == 1:
            texts = pc.replace_substring(texts, thou, "")
        if dec != ".":
            texts = pc.replace_substring(texts, dec, ".")
        p.claim(idx[mask], _floats(texts))


def _number_shape(dec: str, thou: str) -> str:
    """RE2 for a superset of the blank-free texts that the scalar number step reads: its
    own regex (``numbers._number_regex``) without the rule that some digit be present
    (the date shapes claim no text with a blank but ISO timestamps, which hold a ':')."""
    whole = "[0-9]+"
    if thou and thou != dec:
        whole = f"[0-9]{{1,3}}(?:{_re2(thou)}[0-9]{{3}})+|[0-9]+"
    return f"^[+-]?(?:{whole})?(?:{_re2(dec)}[0-9]*)?(?:[eE][+-]?[0-9]+)?%?$"


def _serials(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers of (year, month, day) and which of them are valid dates."""
    ok = (y >= 1) & (y <= 9999) & (m >= 1) & (m <= 12) & (d >= 1)
    yy, mm = np.where(ok, y, 2000), np.where(ok, m, 1)
    month = ((yy - 1970) * 12 + (mm - 1)).astype("datetime64[M]")
    start = month.astype("datetime64[D]")
    length = ((month + 1).astype("datetime64[D]") - start).astype(np.int64)
    ok &= d <= length
    return (start - _EPOCH).astype(np.int64) + d - 1, ok


def _date_pattern(fmt: str) -> tuple[str, list[tuple[str, int]]] | None:
    """RE2 and fields for a format of numeric Y, M, D (and h, m, s, an optional fraction
    of a second in brackets) and literals, else None.

    Mirrors ``numbers._token_regex``: Y is 4 digits (width >= 3) or 2; M, D, h, m and s
    take exactly 2 digits when 2 wide and followed by another numeric field, else 1 or 2;
    f takes its width when followed by a numeric field, else 1 or more digits; ``[`` …
    ``]`` is optional. A blank in a literal is one blank here (the scalar rules take any
    run of blanks: they claim a superset, and the same number for these texts)."""
    if not fmt or classify_format(fmt) != "date":
        return None  # the scalar rules skip such a DateFormat
    tokens = date_tokens(fmt)
    parts: list[str] = []
    fields: list[tuple[str, int]] = []
    depth = 0
    for i, t in enumerate(tokens):
        fixed = i + 1 < len(tokens) and tokens[i + 1].kind in "YMDWhmsf"
        if t.kind == "lit":
            if not t.text or any(ch.isspace() and ch != " " for ch in t.text):
                return None
            parts.append(_re2(t.text))
            continue
        if t.kind in "[]":
            depth += 1 if t.kind == "[" else -1
            if depth not in (0, 1):
                return None
            parts.append("(?:" if t.kind == "[" else ")?")
            continue
        group = f"(?P<g{len(fields)}>"
        if t.kind == "Y" and depth == 0:
            parts.append(f"{group}[0-9]{{{4 if t.width >= 3 else 2}}})")
        elif t.kind in ("M", "D", "h", "m", "s") and t.width <= 2 and depth == 0:
            width = "{2}" if fixed and t.width >= 2 else "{1,2}"
            parts.append(f"{group}[0-9]{width})")
        elif t.kind == "f":
            parts.append(f"{group}[0-9]{{{t.width}}})" if fixed else f"{group}[0-9]+)")
        elif t.kind == "T" and depth == 0:
            parts.append(f"{group}(?i:AM|PM|A|P))")
        else:
            return None
        fields.append((t.kind, t.width))
    kinds = [k for k, _ in fields]
    if depth or sorted(k for k in kinds if k in "YMD") != ["D", "M", "Y"]:
        return None
    if len(set(kinds)) != len(kinds):
        return None  # a field written twice: the scalar keeps the last one
    return "^" + "".join(parts) + "$", fields


def _ints(struct: pa.StructArray, name: str) -> np.ndarray:
    return _digit_ints(struct.field(name))


def _digit_ints(col: pa.Array) -> np.ndarray:
    """Integers of strings of digits ('' and null read 0)."""
    col = pc.if_else(pc.or_kleene(pc.is_null(col), pc.equal(col, "")), "0", col)
    return np.asarray(pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False))


def _locale_date(p: _Pass, locale: Locale, not_number: str, fmt: str) -> None:
    """Texts that read with ``fmt`` (DateFormat, then TimestampFormat), as the scalar
    ``_parse_date`` reads them: serial days plus the time of day, the same operations."""
    plan = _date_pattern(fmt)
    if plan is None:
        return
    pattern, fields = plan
    idx, sub = p.remaining()
    if not len(idx):
        return
    mask = _bools(pc.match_substring_regex(sub, pattern))
    mask &= ~_bools(pc.match_substring_regex(sub, not_number))
    if not mask.any():
        return
    found = pc.extract_regex(sub.filter(pa.array(mask)), pattern)
    parts = {kind: (_ints(found, f"g{i}"), width)
             for i, (kind, width) in enumerate(fields) if kind not in "fT"}
    year, ywidth = parts["Y"]
    if ywidth <= 2:
        year = year + np.where(year < 30, 2000, 1900)
    days, ok = _serials(year, parts["M"][0], parts["D"][0])
    n = len(days)
    zero = np.zeros(n, dtype=np.int64)
    h, mi, sec = (parts[k][0] if k in parts else zero for k in "hms")
    for i, (kind, _) in enumerate(fields):
        if kind == "T":  # a 12-hour clock: 0 to 12, PM adds 12 (the scalar's rule)
            pm = _bools(pc.starts_with(pc.utf8_upper(found.field(f"g{i}")), "P"))
            ok &= h <= 12
            h = h % 12 + np.where(pm, 12, 0)
    ok &= (h <= 23) & (mi <= 59) & (sec <= 59)
    values = days.astype(np.float64)
    if any(k in parts for k in "hms") or any(k in "fT" for k, _ in fields):
        ss = sec.astype(np.float64)
        for i, (kind, _) in enumerate(fields):
            if kind != "f":
                continue
            frac = found.field(f"g{i}")
            frac = pc.if_else(pc.is_null(frac), "", frac)
            length = np.asarray(pc.utf8_length(frac).to_numpy(zero_copy_only=False))
            ok &= length <= 15  # numerator and 10**len exact: one rounding, as float()
            short = pc.utf8_slice_codeunits(frac, 0, 15)
            ss = ss + (_digit_ints(short).astype(np.float64)
                       / np.power(10.0, np.minimum(length, 15)))
        # the scalar's days + (hh * 3600 + mm * 60 + ss) / 86400.0
        values = values + ((h * 3600 + mi * 60).astype(np.float64) + ss) / 86400.0
    p.claim(idx[mask][ok], values[ok])


_ISO = (
    "^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    "(?:[ T](?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?)?$"
)


def _iso_safe(locale: Locale) -> bool:
    """No locale format (tried before ISO) can match a text holding a '-'."""
    names = locale.month_names + locale.long_month_names + locale.day_names
    names += locale.long_day_names
    formats = (locale.date_format, locale.timestamp_format, locale.time_format)
    return not any("-" in f for f in formats) and not any("-" in n for n in names)


def _iso(p: _Pass, not_number: str) -> None:
    idx, sub = p.remaining()
    if not len(idx):
        return
    mask = _bools(pc.match_substring_regex(sub, _ISO))
    mask &= ~_bools(pc.match_substring_regex(sub, not_number))
    if not mask.any():
        return
    found = pc.extract_regex(sub.filter(pa.array(mask)), _ISO)
    days, ok = _serials(_ints(found, "y"), _ints(found, "m"), _ints(found, "d"))
    h, mi, s = _ints(found, "h"), _ints(found, "mi"), _ints(found, "s")
    ok &= (h <= 23) & (mi <= 59) & (s <= 59)
    # the scalar's days + (hh * 3600 + mm * 60 + (ss + 0.0)) / 86400.0, same operations
    secs = (h * 3600 + mi * 60).astype(np.float64) + s.astype(np.float64)
    values = days.astype(np.float64) + secs / 86400.0
    p.claim(idx[mask][ok], values[ok])


class InterpretationCache:
    """The numbers of texts that took the scalar path (they cost a Python call each), for
    one locale. Keeps at most ``limit`` texts; beyond that it stops learning."""

    def __init__(self, limit: int = 1 << 21) -> None:
        self.limit = limit
        self.texts = pa.array([], pa.large_string())
        self.nums = np.zeros(0)
        self.hits = 0  # texts answered from the cache (for tests and statistics)

    def __len__(self) -> int:
        return len(self.texts)

    def find(self, texts: pa.Array) -> np.ndarray:
        """Each text's position in the cache (``nums[pos]`` is its number), -1 if unknown."""
        if not len(self.texts) or not len(texts):
            return np.full(len(texts), -1, dtype=np.int64)
        pos = pc.index_in(texts.cast(pa.large_string()), value_set=self.texts)
        return np.asarray(pos.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)

    def learn(self, texts: pa.Array, nums: np.ndarray) -> None:
        room = self.limit - len(self.texts)
        if room <= 0 or not len(texts):
            return
        texts, nums = texts[:room], nums[:room]
        self.texts = pa.concat_arrays([self.texts, texts.cast(pa.large_string())])
        self.nums = np.concatenate([self.nums, nums])


def _no_digit(p: _Pass) -> None:
    """Texts without an ASCII digit stay text (``numbers.interpret``'s first test)."""
    idx, sub = p.remaining()
    if not len(idx):
        return
    mask = ~_bools(pc.match_substring_regex(sub, "[0-9]"))
    if mask.any():
        p.claim(idx[mask], np.full(int(mask.sum()), math.nan))


# what Python's str.strip() and ``\s`` take out of an ASCII text (str.isspace)
_ASCII_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"


@lru_cache(maxsize=64)
def _readable(locale: Locale) -> str | None:
    """One RE2 pattern that every ASCII text ``interpret`` could read matches (its own
    regexes, each full text stripped); None where they do not carry over."""
    parts = []
    for pattern, ignore_case in interpretation_patterns(locale):
        if "\\\\" in pattern or "(?P" in pattern:
            return None
        body = pattern.replace("\\s", _ASCII_SPACE)
        parts.append(f"(?i:{body})" if ignore_case else f"(?:{body})")
    return f"^{_ASCII_SPACE}*(?:{'|'.join(parts)}){_ASCII_SPACE}*$"


def _unreadable(p: _Pass, locale: Locale) -> None:
    """ASCII texts that no regex of ``interpret`` matches stay text, without the scalar
    function (codes such as ``K123`` or ``C000123``: digits, but no number, date, time
    or money amount). Texts with other characters go on to the scalar function."""
    pattern = _readable(locale)
    if pattern is None:
        return
    idx, sub = p.remaining()
    if not len(idx):
        return
    try:
        readable = _bools(pc.match_substring_regex(sub, pattern))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a pattern RE2 does not take
        return
    mask = _bools(pc.string_is_ascii(sub)) & ~readable
    if mask.any():
        p.claim(idx[mask], np.full(int(mask.sum()), math.nan))


def _scalar(p: _Pass, locale: Locale, cache: InterpretationCache | None) -> None:
    idx, sub = p.remaining()
    if not len(idx):
        return
    if cache is not None:
        pos = cache.find(sub)
        known = pos >= 0
        if known.any():
            p.claim(idx[known], cache.nums[pos[known]])
            cache.hits += int(known.sum())
            idx, sub = p.remaining()
            if not len(idx):
                return
    memo: dict[str, float] = {}
    values = np.empty(len(idx))
    for i, text in enumerate(sub.to_pylist()):
        x = memo.get(text)
        if x is None:
            y = interpret(text, locale)
            x = memo[text] = math.nan if y is None else float(y)
        values[i] = x
    p.claim(idx, values)
    if cache is not None:
        cache.learn(sub, values)


def interpret_array(
    texts: pa.Array | pa.ChunkedArray,
    locale: Locale = DEFAULT_LOCALE,
    cache: InterpretationCache | None = None,
) -> np.ndarray:
    """Numbers of ``texts`` as Qlik's automatic interpretation reads them (float64, NaN
    where a text stays text or is NULL); the same as ``interpret`` text by text.
    ``cache`` answers and learns the texts that need the scalar function."""
    p = _Pass(_as_array(texts))
    _no_digit(p)
    if safe_separators(locale) and p.todo.any():
        dec, thou = locale.decimal_sep or ".", locale.thousand_sep
        _digits(p)
        _plain_numbers(p, dec, thou)
        if p.todo.any():
            not_number = _number_shape(dec, thou)
            _locale_date(p, locale, not_number, locale.date_format)
            _locale_date(p, locale, not_number, locale.timestamp_format)
            if _iso_safe(locale):
                _iso(p, not_number)
    if p.todo.any():
        _unreadable(p, locale)
    _scalar(p, locale, cache)
    return p.out
