"""Date#, Time#, Timestamp#, Num#, Money# (text kept, number read) and Date, Time,
Timestamp, Money (number kept, text made)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from associa.expr import Evaluator, parse
from associa.script.interpreter import ConstantScope
from associa.values import DEFAULT_LOCALE

SWEDISH = replace(DEFAULT_LOCALE, money_format="# ##0,00 kr", money_decimal_sep=",",
                  money_thousand_sep=" ", date_format="YYYY-MM-DD")


def value(expr: str, locale=DEFAULT_LOCALE) -> tuple[str | None, float]:
    v = Evaluator(locale).eval(parse(expr), ConstantScope(locale))
    text, num = v.value(0, locale)
    return text, num


@pytest.mark.parametrize(("expr", "text", "num"), [
    ("Date#('20240131', 'YYYYMMDD')", "20240131", 45322.0),
    ("Date#('1/31/2024')", "1/31/2024", 45322.0),
    ("Date(45322)", "1/31/2024", 45322.0),
    ("Date(45322, 'DD MMM YYYY')", "31 Jan 2024", 45322.0),
    ("Timestamp(45322.75)", "1/31/2024 6:00:00 PM", 45322.75),
    ("Time(0.5)", "12:00:00 PM", 0.5),
    ("Time#('18:30', 'hh:mm')", "18:30", 18.5 / 24),
    ("Timestamp#('2024-01-31 06:00', 'YYYY-MM-DD hh:mm')", "2024-01-31 06:00", 45322.25),
    ("Num#('1,5', '#,#', ',')", "1,5", 1.5),
    ("Money(1234.5)", "$ 1234.50", 1234.5),
    ("Date(Date#('31.01.2024', 'DD.MM.YYYY'), 'YYYY/MM/DD')", "2024/01/31", 45322.0),
])
def test_duals(expr: str, text: str, num: float) -> None:
    got_text, got_num = value(expr)
    assert got_text == text
    assert math.isclose(got_num, num, rel_tol=1e-12)


def test_money_uses_the_money_separators() -> None:
    assert value("Money(1234.5)", SWEDISH) == ("1 234,50 kr", 1234.5)
    assert value("Money#('1 234,50 kr')", SWEDISH) == ("1 234,50 kr", 1234.5)
    assert value("Date(45322)", SWEDISH)[0] == "2024-01-31"


def test_unreadable_text_is_null() -> None:
    text, num = value("Date#('31/31/2024', 'DD/MM/YYYY')")
    assert text is None and math.isnan(num)
