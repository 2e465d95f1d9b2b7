"""The DuckDB differential (``test_differential.py``) at one million fact rows, with NULL
keys on every side: orders of no customer, customers and products without an id (each
loaded by a second LOAD without the key field, which concatenation fills with NULL), on
top of the orders of unknown customers, the customers without orders and the products
never ordered of the 100k case. Fewer selections than there, each checked in full."""

from __future__ import annotations

from typing import Any

import pytest

from tests.calc.test_differential import (
    CORNER_SELECTIONS,
    KEYLESS_CATEGORY,
    KEYLESS_COUNTRY,
    Selection,
    Spec,
    Star,
    build_star,
    check_hypercubes,
    check_possible,
    random_selections,
    selection_id,
    where_clause,
)

pytestmark = pytest.mark.slow

SPEC = Spec(
    n_facts=1_000_000,
    n_customers=20_000,
    n_orderless=300,
    orphan_customers=(90_001, 90_002, 90_003, 90_004),
    n_orphan_facts=400,
    n_products=2_000,
    n_unordered=40,
    n_keyless_facts=700,
    n_keyless_customers=9,
    n_keyless_products=6,
    n_random_selections=8,
)

SELECTIONS: list[Selection] = [
    *CORNER_SELECTIONS,
    {"Country": [KEYLESS_COUNTRY]},  # only customers without an id: no order possible
    {"Category": [KEYLESS_CATEGORY, "Toys"]},
    {"Country": ["Sweden", KEYLESS_COUNTRY], "Category": ["Books"]},
    *random_selections(SPEC.n_random_selections, SPEC),
]


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Star:
    return build_star(tmp_path_factory.mktemp("star1m"), SPEC)


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_hypercubes_match_sql(star: Star, sel: Selection) -> None:
    check_hypercubes(star, sel)


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_possible_values_match_sql(star: Star, sel: Selection) -> None:
    check_possible(star, sel)


def test_null_keys_are_in_the_model(star: Star) -> None:
    """The keyless rows exist on both sides and some selections reach facts."""
    db: Any = star.db
    assert db.execute("SELECT count(*) FROM fact WHERE CustomerID IS NULL").fetchone()[0] == 700
    assert db.execute("SELECT count(*) FROM customers WHERE CustomerID IS NULL").fetchone()[0] == 9
    model = star.model
    # NULL is no value of the key: the field has exactly the ids of both tables
    assert len(model.fields["CustomerID"].symbols) == SPEC.n_customers + len(SPEC.orphan_customers)
    reached = 0
    for sel in SELECTIONS:
        where, params = where_clause(sel)
        reached += db.execute(
            f"SELECT count(OrderID) FROM universe WHERE {where}", params).fetchone()[0] > 0
    assert reached >= 8
