"""Field and system functions over a fake context (``expr/system.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest

from associa.errors import ExpressionError
from associa.expr import Evaluator, parse
from associa.expr.system import (
    ALTERNATIVE,
    DESELECTED,
    EXCLUDED,
    OPTION,
    SEL_EXCL,
    SELECTED,
    FieldStatus,
    field_selections,
    using_context,
)
from associa.expr.vector import Vec
from associa.values import DEFAULT_LOCALE

NAMES = ["John", "Sue", "Mark", "Peter", "Jane"]


def status(codes: list[int], selected: list[bool] | None = None,
           deselected: list[bool] | None = None, texts: Sequence[str] = NAMES,
           alternative: list[bool] | None = None) -> FieldStatus:
    n = len(codes)
    sel = np.array(selected if selected is not None else
                   [c in (SELECTED, SEL_EXCL) for c in codes], dtype=bool)
    return FieldStatus(
        texts=list(texts), codes=np.array(codes, dtype=np.int8), selected=sel,
        deselected=np.array(deselected or [False] * n, dtype=bool),
        alternative=np.array(alternative or [True] * n, dtype=bool),
    )


@dataclass
class FakeContext:
    fields: dict[str, dict[str, FieldStatus]] = field(default_factory=dict)
    order: dict[str, list[str]] = field(default_factory=dict)
    state_name: str = "$"
    app_id: str = "sales.qvf"
    app_title: str = "Sales"
    app_path: str = "/apps/sales.qvf"
    reload_time: float | None = 45292.5  # 2024-01-01 12:00:00
    user: str = "UserDirectory=HQ; UserId=ann"
    computer_name: str = "box"
    engine_version: str = "12.2027.0"
    product_version: str = "associa 0.1.0"
    dimension_fields: Sequence[str] = ("Region",)
    dimension_labels: Sequence[str] = ("The region",)
    measure_labels: Sequence[str] = ("Total",)

    def field_status(self, name: str, state: str | None = None) -> FieldStatus | None:
        found = self.fields.get(state or self.state_name)
        if found is None:
            raise ExpressionError(f"State not found: {state}")
        return found.get(name)

    def selection_order(self, state: str | None = None) -> Sequence[str]:
        return self.order.get(state or self.state_name, [])


class One:
    n = 1
    locale = DEFAULT_LOCALE

    def field(self, name: str) -> Vec:
        raise ExpressionError(f"Field not found: {name}")

    def aggregate(self, call, evaluator):  # type: ignore[no-untyped-def]
        raise AssertionError


def value(text: str, ctx: FakeContext | None) -> tuple[str | None, float]:
    return Evaluator(context=ctx).eval(parse(text), One()).value(0)


@pytest.fixture
def ctx() -> FakeContext:
    # John, Sue, Mark selected (Mark excluded by another field); Peter alternative; Jane X
    first = status([SELECTED, SELECTED, SEL_EXCL, ALTERNATIVE, EXCLUDED])
    initials = status([OPTION, OPTION, EXCLUDED, EXCLUDED, OPTION], texts=list("ABCDE"))
    alt = status([OPTION] * 5)
    return FakeContext(
        fields={"$": {"First name": first, "Initials": initials},
                "Other": {"First name": alt}},
        order={"$": ["First name"], "Other": []},
    )


def test_counts(ctx: FakeContext) -> None:
    assert value("GetSelectedCount([First name])", ctx) == ("2", 2)
    assert value("GetSelectedCount([First name], True())", ctx) == ("3", 3)
    assert value("GetSelectedCount([First name], False(), 'Other')", ctx) == ("0", 0)
    assert value("GetSelectedCount('First name')", ctx) == ("2", 2)
    assert value("GetSelectedCount(Initials)", ctx) == ("0", 0)
    assert value("GetPossibleCount([First name])", ctx) == ("2", 2)
    assert value("GetPossibleCount(Initials)", ctx) == ("3", 3)
    assert value("GetExcludedCount([First name])", ctx) == ("1", 1)
    assert value("GetExcludedCount(Initials)", ctx) == ("2", 2)
    assert value("GetAlternativeCount([First name])", ctx) == ("1", 1)
    assert value("GetAlternativeCount(Initials)", ctx) == ("0", 0)
    assert value("GetSelectedCount(Nope)", ctx) == (None, value("Null()", ctx)[1])


def test_not_selected_count() -> None:
    st = status([OPTION, DESELECTED, DESELECTED, OPTION, OPTION],
                deselected=[False, True, True, False, False],
                alternative=[True, True, False, True, True])
    c = FakeContext(fields={"$": {"F": st}})
    assert value("GetNotSelectedCount(F)", c) == ("1", 1)
    assert value("GetNotSelectedCount(F, True())", c) == ("2", 2)


def mask(*names: str) -> list[bool]:
    return [n in names for n in NAMES]


@pytest.mark.parametrize(("chosen", "sep", "most", "text"), [
    ((), ", ", 6, None),                                   # '-' (NULL): nothing selected
    (("John",), ", ", 6, "John"),
    (("John", "Peter"), ", ", 6, "John, Peter"),
    (("John", "Peter"), "; ", 6, "John; Peter"),
    (("John", "Sue", "Mark"), ";", 2, "NOT Peter;Jane"),   # the help's example (symbol order)
    (("John", "Sue", "Mark", "Peter"), ", ", 3, "NOT Jane"),
    (("John", "Sue", "Mark", "Peter", "Jane"), ", ", 3, "ALL"),
    (("John", "Sue", "Mark", "Peter", "Jane"), ", ", 6, "John, Sue, Mark, Peter, Jane"),
    (("John", "Sue", "Mark"), ", ", 1, "3 of 5"),          # 1 < 3 < 5 - 1
])
def test_field_selections_text(chosen: tuple[str, ...], sep: str, most: int,
                               text: str | None) -> None:
    st = status([SELECTED if n in chosen else ALTERNATIVE for n in NAMES], mask(*chosen))
    assert field_selections(st, sep, most) == text


def test_field_selections_of_not_selections() -> None:
    st = status([OPTION, DESELECTED, OPTION, OPTION, OPTION], [False] * 5, mask("Sue"))
    assert field_selections(st) == "NOT Sue"


def test_get_field_selections(ctx: FakeContext) -> None:
    assert value("GetFieldSelections([First name])", ctx)[0] == "John, Sue, Mark"
    assert value("GetFieldSelections([First name], ';', 2)", ctx)[0] == "NOT Peter;Jane"
    assert value("GetFieldSelections([First name], ', ', 6, 'Other')", ctx)[0] is None
    assert value("GetFieldSelections(Initials)", ctx)[0] is None
    with pytest.raises(ExpressionError, match="State not found"):
        value("GetFieldSelections([First name], ', ', 6, 'Nope')", ctx)


def test_get_current_selections(ctx: FakeContext) -> None:
    ctx.fields["$"]["Initials"] = status([SELECTED, OPTION, OPTION, OPTION, OPTION],
                                         mask("John"), texts=list("ABCDE"))
    ctx.order["$"] = ["Initials", "First name"]
    assert value("GetCurrentSelections()", ctx)[0] == "Initials: A\r\nFirst name: John, Sue, Mark"
    assert value("GetCurrentSelections(' | ', '=', '/', 2)", ctx)[0] == \
        "Initials=A | First name=NOT Peter/Jane"
    assert value("GetCurrentSelections(Chr(10), ': ', ', ', 6, 'Other')", ctx)[0] is None


def test_object_labels(ctx: FakeContext) -> None:
    assert value("GetObjectField()", ctx)[0] == "Region"
    assert value("GetObjectField(0)", ctx)[0] == "Region"
    assert value("GetObjectDimension()", ctx)[0] == "The region"
    assert value("GetObjectMeasure(0)", ctx)[0] == "Total"
    assert value("GetObjectMeasure(1)", ctx)[0] is None


def test_app_and_system(ctx: FakeContext) -> None:
    assert value("OSUser()", ctx)[0] == "UserDirectory=HQ; UserId=ann"
    assert value("DocumentName()", ctx)[0] == "sales.qvf"
    assert value("DocumentTitle()", ctx)[0] == "Sales"
    assert value("DocumentPath()", ctx)[0] == "/apps/sales.qvf"
    assert value("EngineVersion()", ctx)[0] == "12.2027.0"
    assert value("QlikViewVersion()", ctx)[0] == "12.2027.0"
    assert value("ProductVersion()", ctx)[0] == "associa 0.1.0"
    assert value("ComputerName()", ctx)[0] == "box"
    assert value("StateName()", ctx)[0] == "$"
    assert value("ReloadTime()", ctx) == ("1/1/2024 12:00:00 PM", 45292.5)
    ctx.reload_time = None
    assert value("ReloadTime()", ctx)[0] is None


def test_without_a_context_the_functions_are_not_available() -> None:
    for text in ("GetSelectedCount(A)", "OSUser()", "GetCurrentSelections()"):
        with pytest.raises(ExpressionError, match="is not available here"):
            value(text, None)


def test_an_ambient_context(ctx: FakeContext) -> None:
    with using_context(ctx):
        assert value("DocumentTitle()", None)[0] == "Sales"
    with pytest.raises(ExpressionError):
        value("DocumentTitle()", None)
