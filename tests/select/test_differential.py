"""The DuckDB differential's possible values (``tests/calc/test_differential.py``) under
each kernel backend, on a star with NULL keys on every side and unmatched keys both ways.
Each backend gets a star of its own, so that no piece computed by one backend (the
model's shared messages) answers for the other."""

from __future__ import annotations

import pytest

from tests.calc.test_differential import (
    CORNER_SELECTIONS,
    Selection,
    Spec,
    Star,
    build_star,
    check_possible,
    random_selections,
    selection_id,
)

pytestmark = pytest.mark.slow

SPEC = Spec(
    n_facts=60_000,
    n_customers=40_000,  # above 32,768 symbols: lookup tables read as packed bits
    n_orderless=300,
    orphan_customers=(90_001, 90_002),
    n_orphan_facts=50,
    n_products=400,
    n_unordered=9,
    n_keyless_facts=70,
    n_keyless_customers=9,
    n_keyless_products=6,
    n_random_selections=10,
)

SELECTIONS: list[Selection] = [
    *CORNER_SELECTIONS,
    *random_selections(SPEC.n_random_selections, SPEC),
]


@pytest.fixture(scope="module")
def star(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Star:
    return build_star(tmp_path_factory.mktemp(f"star-{backend}"), SPEC)


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_possible_values_match_sql(star: Star, sel: Selection) -> None:
    check_possible(star, sel)
