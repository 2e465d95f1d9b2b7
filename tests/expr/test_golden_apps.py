"""Golden expression cases over fixture apps (issue 9's corpus): tests/golden/expr/apps/.

Each app is a load script ``<name>.qvs`` with its cases in ``<name>.txt``. The script is
loaded once into a session app (in-process QIX client); before each case the selections
are cleared in every state, the case's selections are applied, and the expression is
evaluated with Doc.EvaluateEx (a single value: the aggregation over the possible records,
no chart dimensions) or laid out as a one-measure chart.

Case file format, one case per line (``#`` at the start of a line: a comment)::

    [selections] expression => qText | qNum
    [selections] chart Dim1, Dim2: expression => a=t1; b/c=t2; total=t3

* ``[selections]`` is optional: ``[Year=2013,2014; Product=A]`` selects the values 2013
  and 2014 of Year, then A of Product (Field.SelectValues, one call per field, in order:
  ``$1`` is the state before the last call). ``State::Field=v`` selects in the alternate
  state ``State``; the word ``back`` calls Doc.Back.
* ``NULL`` as the whole expectation: qText ``-`` and not numeric; ``ERROR``: qText starts
  with ``Error``. qNum ``NaN``: qIsNumeric is false; qNum may be left out (text only). A
  qText in single quotes keeps its blanks (``''``: the empty string).
* ``chart``: a straight table with the dimensions and the one measure; the expectation
  lists every row as ``dimension values (joined by /)=measure qText`` in any order, and
  ``total=`` the grand total row's measure qText.
* A trailing `` # xfail: reason`` marks a case where associa disagrees with the
  documented result: the case is xfail(strict=True).

Directives (lines starting with ``@``): ``@states A B`` adds alternate states;
``@bookmark Title: Field=v; ...`` makes a bookmark with those selections (state $).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from associa.engine import Engine
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.conftest import Client

APPS = Path(__file__).resolve().parent.parent / "golden" / "expr" / "apps"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
XFAIL = " # xfail:"


@dataclass
class Case:
    app: str
    lineno: int
    selections: list[tuple[str, str, list[str]]]  # (state, field, values); field "" = back
    expr: str
    expected: str
    chart_dims: list[str] | None = None
    xfail: str | None = None

    @property
    def where(self) -> str:
        return f"{self.app}.txt:{self.lineno}"


@dataclass
class AppSpec:
    states: list[str] = field(default_factory=list)
    bookmarks: list[tuple[str, list[tuple[str, str, list[str]]]]] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


def parse_selections(text: str) -> list[tuple[str, str, list[str]]]:
    out: list[tuple[str, str, list[str]]] = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        if part.lower() == "back":
            out.append(("", "", []))
            continue
        name, sep, values = part.partition("=")
        assert sep, f"bad selection {part!r}"
        state, _, fld = name.strip().rpartition("::")
        out.append((state, fld.strip(), [v.strip() for v in values.split(",")]))
    return out


def parse_app(name: str) -> AppSpec:
    spec = AppSpec()
    path = APPS / f"{name}.txt"
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@states"):
            spec.states += line.split()[1:]
            continue
        if line.startswith("@bookmark"):
            title, _, sels = line[len("@bookmark"):].partition(":")
            spec.bookmarks.append((title.strip(), parse_selections(sels)))
            continue
        xfail = None
        if XFAIL in line:
            line, _, reason = line.partition(XFAIL)
            xfail = reason.strip()
            line = line.rstrip()
        selections: list[tuple[str, str, list[str]]] = []
        if line.startswith("["):
            end = line.index("]")
            selections = parse_selections(line[1:end])
            line = line[end + 1:].strip()
        expr, sep, expected = line.rpartition(" => ")
        assert sep, f"{path.name}:{lineno}: no ' => ' in {raw!r}"
        dims = None
        if expr.startswith("chart "):
            head, _, expr = expr[len("chart "):].partition(":")
            dims = [d.strip() for d in head.split(",")]
        spec.cases.append(
            Case(name, lineno, selections, expr.strip(), expected.strip(), dims, xfail)
        )
    return spec


def app_names() -> list[str]:
    return sorted(p.stem for p in APPS.glob("*.txt"))


SPECS = {name: parse_app(name) for name in app_names()}


def all_cases() -> list[Any]:
    params = []
    for spec in SPECS.values():
        for case in spec.cases:
            marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
            params.append(pytest.param(case, id=f"{case.where}:{case.expr}", marks=marks))
    return params


# -- driving the app -------------------------------------------------------------------


class App:
    def __init__(self, client: Client, spec: AppSpec, script: str) -> None:
        self.c = client
        self.doc = client.session_app(script)
        self.spec = spec
        self.fields: dict[tuple[str, str], int] = {}
        for state in spec.states:
            client.call("AddAlternateState", state, handle=self.doc)
        for title, sels in spec.bookmarks:
            self.clear()
            self.select(sels)
            client.call(
                "CreateBookmark",
                {"qInfo": {"qId": title, "qType": "bookmark"}, "qMetaDef": {"title": title}},
                handle=self.doc,
            )
        self.clear()

    def field(self, name: str, state: str) -> int:
        key = (name, state)
        if key not in self.fields:
            reply = self.c.call("GetField", name, state or "$", handle=self.doc)
            self.fields[key] = reply["qReturn"]["qHandle"]
        return self.fields[key]

    def clear(self) -> None:
        for state in ["$", *self.spec.states]:
            self.c.call("ClearAll", False, state, handle=self.doc)

    def select(self, sels: list[tuple[str, str, list[str]]]) -> None:
        for state, name, values in sels:
            if not name:
                self.c.call("Back", handle=self.doc)
                continue
            qvalues: list[dict[str, Any]] = []
            for v in values:
                if NUMBER.match(v):
                    qvalues.append({"qText": v, "qIsNumeric": True, "qNumber": float(v)})
                else:
                    qvalues.append({"qText": v})
            self.c.call("SelectValues", qvalues, False, handle=self.field(name, state))

    def evaluate(self, expr: str) -> dict[str, Any]:
        value: dict[str, Any] = self.c.call("EvaluateEx", expr, handle=self.doc)["qValue"]
        return value

    def chart(self, dims: list[str], expr: str) -> dict[str, str]:
        width = len(dims) + 1
        props = {
            "qInfo": {"qId": "golden-chart", "qType": "table"},
            "qHyperCubeDef": {
                "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
                "qMeasures": [{"qDef": {"qDef": expr}}],
                "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": width, "qHeight": 500}],
            },
        }
        handle = self.c.create(props, doc=self.doc)
        try:
            cube = self.c.layout(handle)["qHyperCube"]
            out: dict[str, str] = {}
            for row in cube["qDataPages"][0]["qMatrix"]:
                key = "/".join(cell["qText"] for cell in row[:-1])
                out[key] = row[-1]["qText"]
            total = cube.get("qGrandTotalRow") or []
            if total:
                out["total"] = total[-1]["qText"]
            return out
        finally:
            self.c.call("DestroySessionObject", "golden-chart", handle=self.doc)


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, App]]:
    from associa.model import clustering

    mp = pytest.MonkeyPatch()
    mp.setattr(clustering, "MIN_ROWS", 2)  # as tests/conftest.py's autouse fixture does
    engine = Engine(Settings(data_dir=tmp_path_factory.mktemp("golden_apps")))
    sessions = SessionManager(engine)
    loaded: dict[str, App] = {}
    clients: list[Client] = []
    try:
        for name, spec in SPECS.items():
            client = Client(sessions)
            clients.append(client)
            script = (APPS / f"{name}.qvs").read_text(encoding="utf-8")
            loaded[name] = App(client, spec, script)
        yield loaded
    finally:
        for client in clients:
            client.close()
        sessions.shutdown()
        mp.undo()


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def _parse_rows(expected: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in expected.split(";"):
        key, sep, value = part.strip().rpartition("=")
        assert sep, f"bad chart row {part!r}"
        out[key.strip()] = _unquote(value.strip())
    return out


@pytest.mark.parametrize("case", all_cases())
def test_golden_app_case(apps: dict[str, App], case: Case) -> None:
    app = apps[case.app]
    app.clear()
    app.select(case.selections)
    where = f"{case.where}: {case.expr}"
    if case.chart_dims is not None:
        got_rows = app.chart(case.chart_dims, case.expr)
        want_rows = _parse_rows(case.expected)
        assert got_rows == want_rows, f"{where}\n  got      {got_rows}\n  expected {want_rows}"
        return
    value = app.evaluate(case.expr)
    got = f"{value['qText']!r} | {value['qNumber'] if value['qIsNumeric'] else 'NaN'}"
    msg = f"{where}\n  got      {got}\n  expected {case.expected}"
    if case.expected == "ERROR":
        assert value["qText"].startswith("Error"), msg
        return
    if case.expected == "NULL":
        assert value["qText"] == "-" and not value["qIsNumeric"], msg
        return
    want_text, sep, want_num = case.expected.rpartition(" | ")
    if not sep:
        want_text, want_num = case.expected, ""
    assert value["qText"] == _unquote(want_text.strip()), msg
    if want_num == "NaN":
        assert not value["qIsNumeric"], msg
    elif want_num:
        assert value["qIsNumeric"], msg
        want = float(want_num)
        assert math.isclose(value["qNumber"], want, rel_tol=1e-9, abs_tol=1e-12), msg


def test_every_app_has_a_script_and_cases() -> None:
    for name in app_names():
        assert (APPS / f"{name}.qvs").exists(), name
    assert sum(len(s.cases) for s in SPECS.values()) >= 350
