"""``associa eval`` (an expression, alone or by dimensions), ``associa select`` (select
values, then evaluate) and ``associa preview`` (a table's first rows, GetTableData).

Everything but the plain in-process ``eval`` runs over QIX (``cli/remote.py``): a
hypercube session object answers ``--by``, selections are Field
SelectValues in the command's own session."""

from __future__ import annotations

import json
import math
from typing import Any

import click

from associa.cli import options
from associa.cli.folder import app_engine, opened
from associa.cli.options import command
from associa.cli.output import USAGE, cell_text, cell_value, fail, print_json, show
from associa.cli.remote import Doc, QixFailure
from associa.errors import AssociaError

PREVIEW_ROWS = 20


def hypercube(doc: Doc, dimensions: list[str], measures: list[str],
              limit: int | None = None) -> list[list[dict[str, Any]]]:
    """Every row (up to ``limit``) of a hypercube of ``dimensions`` and ``measures``;
    a dimension or measure the engine cannot compute is a one-line failure."""
    props = {
        "qInfo": {"qType": "associa-cli"},
        "qHyperCubeDef": {
            "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dimensions],
            "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
            "qInitialDataFetch": [],
        },
    }
    cube_object = doc.create_session_object(props)
    cube = cube_object.get_layout()["qHyperCube"]
    for name, info in zip([*dimensions, *measures],
                          [*cube.get("qDimensionInfo", []), *cube.get("qMeasureInfo", [])],
                          strict=False):
        if info.get("qError"):
            fail(f"cannot compute '{name}': error {info['qError'].get('qErrorCode')}")
    if cube.get("qError"):
        fail(f"cannot compute the table: error {cube['qError'].get('qErrorCode')}")
    total = int(cube["qSize"]["qcy"])
    if limit is not None:
        total = min(total, limit)
    return list(cube_object.rows(len(dimensions) + len(measures), total))


def numeric_columns(rows: list[list[dict[str, Any]]], width: int) -> list[bool]:
    return [bool(rows) and all(isinstance(cell_value(r[i]), int | float) or r[i].get("qIsNull")
                               for r in rows) for i in range(width)]


def evaluate(doc: Doc, expression: str, by: list[str], as_json: bool) -> None:
    """One value (``by`` empty) or a table: the expression by each dimension."""
    if by:
        rows = hypercube(doc, by, [expression])
        columns = [*by, expression]
        if as_json:
            print_json([{c: cell_value(cell) for c, cell in zip(columns, row, strict=True)}
                        for row in rows])
        else:
            show(columns, [[cell_text(c) for c in row] for row in rows], False,
                 numeric_columns(rows, len(columns)))
        return
    value = doc.evaluate_ex(expression)
    text, numeric = str(value.get("qText", "")), bool(value.get("qIsNumeric"))
    if not numeric and text.startswith("Error: "):
        fail(text[len("Error: "):])
    if as_json:
        print(json.dumps({"qText": text, "qNum": value.get("qNumber") if numeric else "NaN"}))
    else:
        print(text)


def eval_in_process(app_id: str, expression: str, data_dir: str | None, as_json: bool) -> None:
    from associa.app.doc import DocState

    engine = app_engine(app_id, data_dir)
    doc = DocState(engine.get_app(app_id))
    try:
        text, num = doc.evaluate(expression)
    except AssociaError as exc:
        fail(exc.message)
    if as_json:
        print(json.dumps({"qText": text, "qNum": "NaN" if math.isnan(num) else num}))
    else:
        print("-" if text is None else text)  # NULL shows as '-', as in Qlik's tables


def field_value_json(value: dict[str, Any]) -> Any:
    """A FieldValue (GetTableData) as JSON: its number when it has one, else its text;
    NULL: None."""
    if value.get("qIsNull"):
        return None
    if value.get("qIsNumeric"):
        return cell_value({"qNum": value.get("qNumber"), "qText": value.get("qText")})
    return value.get("qText", "")


def parse_selections(pairs: list[str]) -> dict[str, list[str]]:
    wanted: dict[str, list[str]] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field:
            fail(f"'{pair}' is not FIELD=VALUE", USAGE)
        wanted.setdefault(field, []).append(value)
    return wanted


def field_value(text: str) -> dict[str, Any]:
    """A FieldValue for SelectValues: the text, and its number when it reads as one."""
    try:
        number = float(text)
    except ValueError:
        return {"qText": text}
    if math.isnan(number) or math.isinf(number):
        return {"qText": text}
    return {"qText": text, "qIsNumeric": True, "qNumber": number}


def select(doc: Doc, wanted: dict[str, list[str]]) -> None:
    for field, values in wanted.items():
        try:
            handle = doc.get_field(field)
        except QixFailure as exc:
            if exc.unreachable:
                raise
            fail(f"no field '{field}' in the app")
        handle.select_values([field_value(v) for v in values])


def current_selections(doc: Doc) -> list[list[Any]]:
    layout = doc.create_session_object({
        "qInfo": {"qType": "associa-cli"}, "qSelectionObjectDef": {}}).get_layout()
    return [[s.get("qField"), s.get("qSelected"), s.get("qSelectedCount")]
            for s in layout.get("qSelectionObject", {}).get("qSelections", [])]


def split_eval(rest: tuple[str, ...]) -> tuple[list[str], str | None, list[str], bool]:
    """``FIELD=VALUE ... [eval EXPR [--by DIM]... [--json]]``: the pairs, the
    expression, the dimensions, and whether --json came after the expression."""
    words = list(rest)
    late_json = "--json" in words[words.index("eval") + 2 :] if "eval" in words else False
    if late_json:
        words.remove("--json")
    if "eval" not in words:
        return words, None, [], False
    at = words.index("eval")
    pairs, tail = words[:at], words[at + 1 :]
    if not tail:
        fail("eval wants an expression: ... -- eval EXPR [--by DIM]", USAGE)
    expression, by, more = tail[0], [], tail[1:]
    while more:
        if more[0] != "--by" or len(more) < 2:
            fail(f"unexpected '{more[0]}' after the expression (only --by DIM and --json "
                 "may follow)", USAGE)
        by.append(more[1])
        more = more[2:]
    return pairs, expression, by, late_json


def add(group: click.Group) -> None:
    @command(
        group, "eval", "evaluate an expression in a saved app (by dimensions: a table)",
        "Evaluate an expression over the whole data of a saved app (no selections) and "
        "print the value as Qlik formats it (qText); NULL prints as '-'. With --by, "
        "print a table: one row per value of the dimensions, the expression's value in "
        "the last column.",
        """
        associa eval demo "Sum(Sales)"
        associa eval demo "0.1+0.2"                 # prints 0.3
        associa eval demo "Count(DISTINCT Country)" --json
        associa eval demo "Sum(Sales)" --by Country --by Year --json
        """,
    )
    @options.app_argument
    @click.argument("expression")
    @click.option("--by", "by", multiple=True, metavar="DIM",
                  help="a dimension (field) to group by (repeatable): prints a table")
    @options.data_dir
    @options.engine
    @click.option("--json", "as_json", is_flag=True,
                  help='print {"qText": ..., "qNum": ...} instead of the text; with --by, '
                       "a list of row objects")
    def eval_(app: str, expression: str, by: tuple[str, ...], data_dir: str | None,
              engine_url: str | None, as_json: bool) -> None:
        if not by and not engine_url:
            eval_in_process(app, expression, data_dir, as_json)
            return
        with opened(app, data_dir, engine_url) as doc:
            evaluate(doc, expression, list(by), as_json)

    @command(
        group, "select", "select field values, then evaluate an expression",
        "Select values in fields of a saved app (FIELD=VALUE; several values of one field "
        "are all selected), then evaluate an expression under those selections "
        "(after '--': eval EXPR, with --by DIM as in 'associa eval'). Without eval, "
        "print the selections as the engine holds them. Nothing is saved.",
        """
        associa select demo Country=Sweden -- eval "Sum(Sales)"
        associa select demo Year=2024 Year=2025 -- eval "Sum(Sales)" --by Country
        associa select demo Country=Sweden --json
        """,
    )
    @options.app_argument
    @click.argument("rest", nargs=-1, required=True)
    @options.data_dir
    @options.engine
    @options.as_json
    def select_(app: str, rest: tuple[str, ...], data_dir: str | None,
                engine_url: str | None, as_json: bool) -> None:
        pairs, expression, by, late_json = split_eval(rest)
        as_json = as_json or late_json
        wanted = parse_selections(pairs)
        with opened(app, data_dir, engine_url) as doc:
            select(doc, wanted)
            if expression is not None:
                evaluate(doc, expression, by, as_json)
            else:
                show(["field", "selected", "count"], current_selections(doc), as_json)

    @command(
        group, "preview", "print the first rows of a table of a saved app",
        "Print the first rows of a table of the data model as the script loaded them "
        "(load order, duplicates kept; NULL prints as '-', null in --json), through QIX "
        "GetTableData.",
        """
        associa preview demo Sales
        associa preview demo Sales --limit 5 --json
        """,
    )
    @options.app_argument
    @click.argument("table")
    @click.option("--limit", "--rows", "limit", type=click.IntRange(min=1),
                  default=PREVIEW_ROWS, show_default=True,
                  help="how many rows to print at most")
    @options.data_dir
    @options.engine
    @options.as_json
    def preview(app: str, table: str, limit: int, data_dir: str | None,
                engine_url: str | None, as_json: bool) -> None:
        with opened(app, data_dir, engine_url) as doc:
            tables = {t["qName"]: t for t in doc.get_tables_and_keys()["qtr"]}
            if table not in tables:
                fail(f"no table '{table}' in app '{app}' (tables: {', '.join(tables)})")
            fields = [f["qName"] for f in tables[table]["qFields"]]
            rows = doc.get_table_data(table, 0, limit)
            if as_json:
                print_json([{f: field_value_json(v) for f, v in zip(fields, row, strict=True)}
                            for row in rows])
            else:
                show(fields, [[cell_text(v) for v in row] for row in rows], False,
                     [bool(rows) and all(v.get("qIsNumeric") or v.get("qIsNull")
                                         for v in (r[i] for r in rows))
                      for i in range(len(fields))])
