"""The function catalog (``associa.expr.catalog``) against the registry, its examples
against the evaluator, and ``docs/functions.md`` against the generator."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import associa.expr
import associa.script.functions  # noqa: F401  (registers the load-script functions)
import tests.expr.test_evaluate as golden
from associa.expr.catalog import (
    CATALOG,
    SAMPLE_CSV,
    SAMPLE_PATH,
    Entry,
    arity,
    load_script,
    markdown,
)
from associa.expr.registry import REGISTRY

DOCS = Path(__file__).resolve().parents[2] / "docs" / "functions.md"


def run_example(entry: Entry) -> tuple[str | None, float]:
    """The example's value: (text, number)."""
    if entry.where == "expr":
        return golden.evaluate(entry.example).value(0)
    from associa.script import run_script

    data = SAMPLE_CSV.encode()

    def read(path: str) -> bytes:
        assert path == SAMPLE_PATH, path
        return data

    model = run_script(load_script(entry.example), read).model
    table = model.tables["Result"]
    symbols = model.fields["Result"].symbols
    column = table.columns["Result"]
    text = symbols.texts_at(column).tolist()[-1]
    num = symbols.nums_at(column).tolist()[-1]
    return text, num


def test_every_registered_function_has_an_entry() -> None:
    missing = sorted(set(REGISTRY) - set(CATALOG))
    assert not missing, f"functions without a catalog entry: {missing}"


def test_every_entry_names_a_registered_function_of_its_arity() -> None:
    unknown = sorted(set(CATALOG) - set(REGISTRY))
    assert not unknown, f"catalog entries of no registered function: {unknown}"
    for name, entry in CATALOG.items():
        fn = REGISTRY[name]
        assert entry.signature.split("(")[0].upper() == name, entry.signature
        required, most = arity(entry.signature)
        assert required == fn.min_args, f"{entry.signature}: registry {fn.min_args}..{fn.max_args}"
        if most is None:
            assert fn.max_args > required, f"{entry.signature}: registry max {fn.max_args}"
        else:
            assert most == fn.max_args, f"{entry.signature}: registry {fn.min_args}..{fn.max_args}"
        assert entry.example.upper().lstrip("(").startswith(name) or name in entry.example.upper()


def test_arity_of_signatures() -> None:
    assert arity("SubField(text, delimiter [, field_no])") == (2, 3)
    assert arity("Alt(expr1 [, expr2, ...])") == (1, None)
    assert arity("Pi()") == (0, 0)
    assert arity("Concat([DISTINCT] text [, delimiter [, sort_weight]])") == (1, 3)


@pytest.mark.parametrize(
    "entry", [e for e in CATALOG.values() if e.result is not None], ids=lambda e: e.name
)
def test_example_gives_its_result(entry: Entry) -> None:
    assert entry.result is not None
    text, num = run_example(entry)
    if entry.result == "NULL":
        assert text is None, f"{entry.golden}: got {text!r} | {num!r}"
        return
    want_text, sep, want_num = entry.result.rpartition(" | ")
    if not sep:
        want_text, want_num = entry.result, ""
    got = f"{text} | {num!r}"
    assert text == golden._unquote(want_text.strip()), f"{entry.golden}: got {got}"
    if want_num == "NaN":
        assert math.isnan(num), f"{entry.golden}: got {got}"
    elif want_num:
        assert num == pytest.approx(float(want_num), rel=1e-12, abs=1e-12), (
            f"{entry.golden}: got {got}"
        )


def test_docs_are_the_generators_output() -> None:
    assert DOCS.exists() and DOCS.read_text(encoding="utf-8") == markdown(), (
        "docs/functions.md is out of date: run "
        "`.venv/bin/python -m associa.expr.catalog > docs/functions.md`"
    )
