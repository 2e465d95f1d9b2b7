"""Calculated list objects through QIX, continued: their ``qExpressions`` columns, bare
variable names in list objects (calculated fields and expressions), and Lock/Unlock on a
calculated list; on SALES_SCRIPT. The expected numbers are computed here from ``ROWS``
(the script's Sales rows, with Regions' managers joined), not read from the engine."""

from __future__ import annotations

from typing import Any

from tests.conftest import SALES_SCRIPT, Client
from tests.qix.test_listobject_calculated import SIZE, listbox, selected_in, shown, states

# SALES_SCRIPT's rows: (Region, Product, Amount, Manager)
ROWS = [("North", "Bike", 100, "Ann"), ("North", "Lock", 20, "Ann"),
        ("South", "Bike", 150, "Bob"), ("East", "Helmet", 40, "Cid")]
EXPRESSIONS = [{"qExpr": "Sum(Amount)"}, {"qExpr": "=Count(Product)"}]
FETCH = [{"qTop": 0, "qLeft": 0, "qWidth": 5, "qHeight": 50}]


def size_of(amount: int) -> str:
    return "big" if amount > 50 else "small"


def expected(key: Any, rows: list[tuple[str, str, int, str]] = ROWS,
             values: list[str] | None = None) -> dict[str, list[str]]:
    """Per value of ``key(row)``: [Sum(Amount), Count(Product)] over ``rows`` (the
    possible ones); a value in ``values`` that no row has gets 0 and 0."""
    out: dict[str, list[str]] = {v: ["0", "0"] for v in values or []}
    for value in sorted({key(r) for r in rows}):
        mine = [r for r in rows if key(r) == value]
        out[value] = [str(sum(r[2] for r in mine)), str(len(mine))]
    return out


def columns(c: Client, handle: int) -> dict[str, list[str]]:
    """The list's rows: value text -> the expression cells' texts."""
    page = c.layout(handle)["qListObject"]["qDataPages"][0]["qMatrix"]
    return {row[0]["qText"]: [cell["qText"] for cell in row[1:]] for row in page}


def calc_list(c: Client, text: str, exprs: list[dict[str, str]] = EXPRESSIONS,
              **extra: Any) -> int:
    return c.create(listbox(text, qExpressions=exprs, qInitialDataFetch=FETCH, **extra))


# -- qExpressions ------------------------------------------------------------------------


def test_expressions_on_a_list_of_one_field(loaded: Client) -> None:
    """Per symbol of its one field (=Upper(Region)) and per record (=If over Amount):
    each expression is computed over the records having the value, as the list's
    layout shows for a plain field."""
    c = loaded
    upper = calc_list(c, "=Upper(Region)")
    layout = c.layout(upper)["qListObject"]
    assert layout["qSize"] == {"qcx": 3, "qcy": 3}
    assert layout["qExpressions"] == EXPRESSIONS
    assert columns(c, upper) == expected(lambda r: r[0].upper())
    cell = layout["qDataPages"][0]["qMatrix"][0][1]
    assert set(cell) == {"qText", "qNum", "qElemNumber", "qState"}
    assert cell["qNum"] == float(cell["qText"]) and cell["qState"] == "L"
    size = calc_list(c, SIZE)
    assert columns(c, size) == expected(lambda r: size_of(r[2]))


def test_expressions_on_a_list_of_several_fields(loaded: Client) -> None:
    """A value made of fields of two tables: per record of their association."""
    c = loaded
    pair = calc_list(c, "=Manager & '/' & Product")
    assert columns(c, pair) == expected(lambda r: f"{r[3]}/{r[1]}")
    manager = calc_list(c, "=Manager")  # a field of the other table than Amount's
    assert columns(c, manager) == expected(lambda r: r[3])


def test_expressions_follow_the_selections(loaded: Client) -> None:
    """After selecting Bike, the values no possible record has get the expressions over
    no records (0 for Sum and Count), as a plain list's excluded values do."""
    c = loaded
    upper, size = calc_list(c, "=Upper(Region)"), calc_list(c, SIZE)
    product = c.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    c.call("SelectValues", [{"qText": "Bike"}], handle=product)
    bikes = [r for r in ROWS if r[1] == "Bike"]
    assert columns(c, upper) == expected(lambda r: r[0].upper(), bikes,
                                         ["NORTH", "SOUTH", "EAST"])
    assert columns(c, size) == expected(lambda r: size_of(r[2]), bikes, ["big", "small"])
    # selecting in the list itself: the expressions over the chosen value's records
    c.call("ClearAll", handle=1)
    c.call("SelectListObjectValues", "/qListObjectDef", [shown(c, size)["small"][1]],
           False, handle=size)
    small = [r for r in ROWS if r[2] <= 50]
    assert columns(c, upper) == expected(lambda r: r[0].upper(), small,
                                         ["NORTH", "SOUTH", "EAST"])


def test_expression_errors_are_cells_not_failures(loaded: Client) -> None:
    """A bad expression is a column of '-' with qError in the layout (as in a plain
    list); the others are computed."""
    c = loaded
    exprs = [{"qExpr": "Sum("}, {"qExpr": "Sum(Nowhere)"}, {"qExpr": "Sum(Amount)"}]
    size = calc_list(c, SIZE, exprs)
    layout = c.layout(size)["qListObject"]
    assert [("qError" in e) for e in layout["qExpressions"]] == [True, True, False]
    sums = expected(lambda r: size_of(r[2]))
    assert columns(c, size) == {v: ["-", "-", sums[v][0]] for v in sums}
    # a list whose own expression fails has no pages, whatever its expressions
    bad = calc_list(c, "=Nowhere + 1")
    layout = c.layout(bad)["qListObject"]
    assert "Field not found" in str(layout["qDimensionInfo"]["qError"])
    assert layout["qDataPages"] == []


# -- bare variable names --------------------------------------------------------------

VARIABLES = """\
SET vLimit = 50;
SET vRate = 2;
SET vDim = Upper(Region);
SET vLoop = vLoop + 1;
"""


def with_variables(client: Client) -> Client:
    assert client.session_app(VARIABLES + SALES_SCRIPT) == 1
    return client


def test_bare_variables_in_a_calculated_list_and_its_expressions(client: Client) -> None:
    c = with_variables(client)
    size = calc_list(c, "=If(Amount > vLimit, 'big', 'small')",
                     [{"qExpr": "Sum(Amount) * vRate"}])
    by_size = expected(lambda r: size_of(r[2]))
    assert columns(c, size) == {v: [str(int(n) * 2)] for v, (n, _) in by_size.items()}
    # selecting in it selects in the field the prepared expression reads
    c.call("SelectListObjectValues", "/qListObjectDef", [shown(c, size)["big"][1]], False,
           handle=size)
    assert sorted(selected_in(c, "Amount"), key=int) == \
        sorted(str(r[2]) for r in ROWS if r[2] > 50)
    assert states(c, size) == {"big": "S", "small": "X"}


def test_a_bare_variable_in_a_plain_lists_expressions(client: Client) -> None:
    c = with_variables(client)
    regions = c.create(listbox("Region", qExpressions=[{"qExpr": "Sum(Amount) * vRate"}],
                               qInitialDataFetch=FETCH))
    by_region = expected(lambda r: r[0])
    assert columns(c, regions) == {v: [str(int(n) * 2)] for v, (n, _) in by_region.items()}


def test_a_list_on_a_variable_is_read_as_measures_read_it(client: Client) -> None:
    """``=vDim``: the engine's direct-reference rule for chart expressions (the
    variable's value in its place, ``expr/expansion.substitute_variables``, as in
    measures), here the same values as the expansion ``=$(vDim)``; ``vDim`` without '='
    names a field (qFieldDefs are field names) and is not found."""
    c = with_variables(client)
    listed = calc_list(c, "=vDim")
    assert columns(c, listed) == expected(lambda r: r[0].upper())
    assert columns(c, calc_list(c, "=$(vDim)")) == columns(c, listed)
    field = c.create(listbox("vDim"))
    info = c.layout(field)["qListObject"]["qDimensionInfo"]
    assert "Field not found: vDim" in str(info["qError"])


def test_bad_variables_give_layout_errors(client: Client) -> None:
    """An unknown name, and a variable referring to itself (in the field or in an
    expression): errors in the layout, never a failed call."""
    c = with_variables(client)
    unknown = calc_list(c, "=vNowhere")
    info = c.layout(unknown)["qListObject"]["qDimensionInfo"]
    assert info["qError"]["qErrorCode"] == 7000
    assert "vNowhere" in str(info["qError"])
    looping = calc_list(c, "=vLoop")
    layout = c.layout(looping)["qListObject"]
    assert "refer to itself" in str(layout["qDimensionInfo"]["qError"])
    assert layout["qDataPages"] == []
    unclosed = calc_list(c, "=Upper($(vDim")
    info = c.layout(unclosed)["qListObject"]["qDimensionInfo"]
    assert "Missing ')'" in str(info["qError"])
    size = calc_list(c, SIZE, [{"qExpr": "Sum(Amount) + vLoop"}, {"qExpr": "Sum(Amount)"},
                               {"qExpr": "Sum($(vRate"}])
    layout = c.layout(size)["qListObject"]
    assert [("qError" in e) for e in layout["qExpressions"]] == [True, False, True]
    sums = expected(lambda r: size_of(r[2]))
    assert columns(c, size) == {v: ["-", cells[0], "-"] for v, cells in sums.items()}


# -- Lock / Unlock ----------------------------------------------------------------------


def test_lock_and_unlock_a_calculated_list(loaded: Client) -> None:
    """Lock on a calculated list locks the fields its expression reads: its selected
    values and theirs show "L", selecting in it (or in the field) is refused and
    clearing leaves the selection; Unlock frees them."""
    c = loaded
    size = calc_list(c, SIZE)
    amounts = c.create(listbox("Amount"))
    c.call("SelectListObjectValues", "/qListObjectDef", [shown(c, size)["big"][1]], False,
           handle=size)
    c.call("Lock", "/qListObjectDef", handle=size)
    big = sorted(str(r[2]) for r in ROWS if r[2] > 50)
    assert states(c, size) == {"big": "L", "small": "X"}
    assert sorted(t for t, s in states(c, amounts).items() if s == "L") == sorted(big)
    assert c.layout(size)["qListObject"]["qDimensionInfo"]["qLocked"] is True
    small = shown(c, size)["small"][1]
    reply = c.send("SelectListObjectValues", "/qListObjectDef", [small], False, handle=size)
    assert reply["result"] == {"qSuccess": False}
    reply = c.send("SelectListObjectValues", "/qListObjectDef",
                   [shown(c, amounts)["20"][1]], False, handle=amounts)
    assert reply["result"] == {"qSuccess": False}  # as in a locked field's own list
    c.call("ClearSelections", "/qListObjectDef", handle=size)
    assert states(c, size) == {"big": "L", "small": "X"}
    total = c.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"]
    assert total == str(sum(r[2] for r in ROWS if r[2] > 50))
    c.call("Unlock", "/qListObjectDef", handle=size)
    assert states(c, size) == {"big": "S", "small": "X"}
    assert "qLocked" not in c.layout(size)["qListObject"]["qDimensionInfo"]
    reply = c.send("SelectListObjectValues", "/qListObjectDef", [small], False, handle=size)
    assert reply["result"] == {"qSuccess": True}
    assert sorted(selected_in(c, "Amount"), key=int) == \
        sorted(str(r[2]) for r in ROWS if r[2] <= 50)


def test_lock_on_a_list_of_two_fields_locks_both(loaded: Client) -> None:
    c = loaded
    pair = calc_list(c, "=Region & '/' & Product")
    c.call("SelectListObjectValues", "/qListObjectDef", [shown(c, pair)["North/Bike"][1]],
           False, handle=pair)
    c.call("Lock", "/qListObjectDef", handle=pair)
    sel = c.create({"qInfo": {"qType": "cs"}, "qSelectionObjectDef": {}})
    items = c.layout(sel)["qSelectionObject"]["qSelections"]
    assert sorted((s["qField"], s["qLocked"]) for s in items) == \
        [("Product", True), ("Region", True)]
    assert states(c, pair)["North/Bike"] == "L"
    c.call("Unlock", "/qListObjectDef", handle=pair)
    items = c.layout(sel)["qSelectionObject"]["qSelections"]
    assert [s.get("qLocked", False) for s in items] == [False, False]
