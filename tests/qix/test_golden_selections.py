"""Selection scenarios: sequences of selection calls over small apps, with the state of
every value of every field, in every selection state, after each step.

A case lives in ``tests/golden/selections/<case>/``: ``script.qvs`` (the app),
``steps.json`` (the calls: ``{"do": method, "field": name, "state": name, "args": [...]}``
for a Field method on ``GetField(field, state)``, or ``"on": "doc"`` for a Doc method) and
``expected.json`` (after each step: ``{state: {field: {value text: state code}}}``, read
from list objects in that state, as a filter pane shows them). The calls go through the
QIX API as a client sends them.

``ASSOCIA_UPDATE_GOLDENS=1`` writes ``expected.json`` from what the engine answers. The
files are not trusted for that: every step's expected states are checked against the
brute-force full outer join (``tests/select/test_propagate.oracle``) for the selections
and locks they show, so a golden holds only states the associative definition gives.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from associa.script import run_script
from tests.conftest import Client
from tests.select.test_propagate import oracle

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "selections"
CASES = sorted(p.parent.name for p in GOLDEN.glob("*/steps.json"))
UPDATE = os.environ.get("ASSOCIA_UPDATE_GOLDENS") == "1"

States = dict[str, dict[str, dict[str, str]]]  # state -> field -> value -> code


def _fields(c: Client) -> list[str]:
    handle = c.create({"qInfo": {"qType": "fields"}, "qFieldListDef": {}})
    items = c.layout(handle)["qFieldList"]["qItems"]
    c.call("DestroySessionObject", c.call("GetLayout", handle=handle)["qLayout"]["qInfo"]["qId"],
           handle=1)
    return sorted(i["qName"] for i in items)


def read_states(c: Client, lists: dict[tuple[str, str], int], fields: list[str]) -> States:
    """Every value's state in every field and selection state, from list objects."""
    names = ["$", *c.call("GetAppLayout", handle=1)["qLayout"]["qStateNames"]]
    out: States = {}
    for state in names:
        per_state = out[state] = {}
        for name in fields:
            handle = lists.get((state, name))
            if handle is None:
                handle = lists[(state, name)] = c.create({
                    "qInfo": {"qType": "listbox"},
                    "qListObjectDef": {
                        "qStateName": state,
                        "qDef": {"qFieldDefs": [name]},
                        "qShowAlternatives": True,
                        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1,
                                               "qHeight": 1000}],
                    },
                })
            matrix = c.layout(handle)["qListObject"]["qDataPages"][0]["qMatrix"]
            per_state[name] = {row[0]["qText"]: row[0]["qState"] for row in matrix}
    return out


def run_step(c: Client, step: dict[str, Any]) -> None:
    args = step.get("args", [])
    if step.get("on") == "doc":
        c.call(step["do"], *args, handle=1)
        return
    handle = c.call("GetField", step["field"], step.get("state", ""),
                    handle=1)["qReturn"]["qHandle"]
    c.call(step["do"], *args, handle=handle)


@pytest.mark.parametrize("case", CASES)
def test_selection_scenario(case: str, client: Client) -> None:
    folder = GOLDEN / case
    script = (folder / "script.qvs").read_text(encoding="utf-8")
    steps = json.loads((folder / "steps.json").read_text(encoding="utf-8"))
    assert client.session_app(script) == 1
    fields = _fields(client)
    lists: dict[tuple[str, str], int] = {}
    got = [read_states(client, lists, fields)]
    for step in steps:
        run_step(client, step)
        got.append(read_states(client, lists, fields))
    path = folder / "expected.json"
    if UPDATE:
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert len(expected) == len(steps) + 1
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        where = "before the first step" if i == 0 else f"after step {i}: {steps[i - 1]}"
        assert have == want, where


def _tables(script: str) -> dict[str, dict[str, list[Any]]]:
    """The app's tables as value texts (None for NULL), the hidden fields' too."""
    model = run_script(script).model
    out: dict[str, dict[str, list[Any]]] = {}
    for tname in model.data_tables:
        table = model.tables[tname]
        cols: dict[str, list[Any]] = {}
        for fname in table.fields:
            sym = model.fields[fname].symbols
            codes = table.in_load_order(fname)
            cols[fname] = [None if int(k) >= len(sym) else sym.text(int(k)) for k in codes]
        out[tname] = cols
    return out


def oracle_states(tables: dict[str, dict[str, list[Any]]], shown: dict[str, dict[str, str]]
                  ) -> dict[str, dict[str, str]]:
    """The state of every value of the fields shown, by the full outer join, for the
    selections and locks ``shown`` holds (selected: S, L, XS, XL; locked: L, XL)."""
    selections = {f: {v for v, s in vals.items() if s in ("S", "L", "XS", "XL")}
                  for f, vals in shown.items()}
    selections = {f: vs for f, vs in selections.items() if vs}
    locked = {f for f, vals in shown.items() if any(s in ("L", "XL") for s in vals.values())}
    parts = _components(tables)

    def join(sel: dict[str, set[Any]], field: str) -> set[Any]:
        # the part of the model holding the field: unlinked parts do not see each
        # other's selections
        part = next(p for p in parts if any(field in cols for cols in p.values()))
        names = {g for cols in part.values() for g in cols}
        return oracle(part, {g: v for g, v in sel.items() if g in names}).get(field, set())

    out: dict[str, dict[str, str]] = {}
    for f, vals in shown.items():
        p = join(selections, f)
        alt = join({g: v for g, v in selections.items() if g != f}, f) \
            if f in selections else set()
        codes = {}
        for v in vals:
            if f in selections and v in selections[f]:
                code = ("S" if v in p else "XS") if f not in locked else ("L" if v in p else "XL")
            elif f in selections:
                code = "A" if v in alt else "X"
            else:
                code = "O" if v in p else "X"
            codes[v] = code
        out[f] = codes
    return out


def _components(tables: dict[str, dict[str, list[Any]]]) -> list[dict[str, dict[str, list[Any]]]]:
    """The tables in groups linked through shared field names."""
    groups: list[dict[str, dict[str, list[Any]]]] = []
    for name, cols in tables.items():
        linked = [g for g in groups if any(set(cols) & set(c) for c in g.values())]
        merged = {name: cols}
        for g in linked:
            merged.update(g)
            groups.remove(g)
        groups.append(merged)
    return groups


@pytest.mark.parametrize("case", CASES)
def test_expected_states_are_those_of_the_full_outer_join(case: str) -> None:
    folder = GOLDEN / case
    tables = _tables((folder / "script.qvs").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    for i, step in enumerate(expected):
        for state, shown in step.items():
            assert oracle_states(tables, shown) == shown, f"step {i}, state {state}"


def test_the_cases_cover_the_fixture_shapes() -> None:
    assert {"star", "snowflake", "synthetic_nulls", "island"} <= set(CASES)
