from __future__ import annotations

import dataclasses
import math

import pytest

from associa.values import (
    DEFAULT_LOCALE,
    Dual,
    Locale,
    dual_from_number,
    dual_from_text,
    interpret_dual,
)


def test_dual_fields_and_is_num() -> None:
    d = Dual("12", 12.0)
    assert d.text == "12"
    assert d.num == 12.0
    assert d.is_num
    assert not Dual("abc", math.nan).is_num


def test_dual_is_frozen_and_slotted() -> None:
    d = Dual("a", 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.text = "b"  # type: ignore[misc]
    assert not hasattr(d, "__dict__")


def test_dual_equality_treats_all_nans_alike() -> None:
    a = Dual("x", float("nan"))
    b = Dual("x", math.nan)
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert {a: 1}[b] == 1


def test_dual_equality_compares_text_and_number() -> None:
    assert Dual("1", 1.0) == Dual("1", 1.0)
    assert Dual("1", 1.0) != Dual("01", 1.0)
    assert Dual("1", 1.0) != Dual("1", 2.0)
    assert Dual("1", 1.0) != Dual("1", math.nan)
    assert Dual("0", 0.0) == Dual("0", -0.0)
    assert hash(Dual("0", 0.0)) == hash(Dual("0", -0.0))
    assert Dual("1", 1.0) != "1"


def test_dual_repr() -> None:
    assert repr(Dual("a", 1.5)) == "Dual('a', 1.5)"


@pytest.mark.parametrize(
    ("x", "text"),
    [(3.0, "3"), (0.5, "0.5"), (1 / 3, "0.33333333333333"), (-7.0, "-7"), (1e20, "1e+20")],
)
def test_dual_from_number(x: float, text: str) -> None:
    d = dual_from_number(x)
    assert d == Dual(text, x)
    assert d.is_num


def test_dual_from_number_uses_locale_decimal_separator() -> None:
    comma = dataclasses.replace(DEFAULT_LOCALE, decimal_sep=",", thousand_sep=".")
    assert dual_from_number(2.5, comma).text == "2,5"
    assert dual_from_number(2.5, None).text == "2.5"


def test_dual_from_text() -> None:
    d = dual_from_text("hello")
    assert d.text == "hello"
    assert not d.is_num


@pytest.mark.parametrize(
    ("text", "num"),
    [("42", 42.0), (" 1,234.5 ", 1234.5), ("2024-03-05", 45356.0), ("3/5/2024", 45356.0)],
)
def test_interpret_dual_keeps_original_text(text: str, num: float) -> None:
    d = interpret_dual(text)
    assert d.text == text
    assert d.num == num


def test_interpret_dual_text_only() -> None:
    d = interpret_dual("abc")
    assert d.text == "abc"
    assert not d.is_num


def test_interpret_dual_with_locale() -> None:
    de = Locale.from_variables({"DecimalSep": ",", "ThousandSep": "."})
    assert interpret_dual("1.234,5", de).num == 1234.5
