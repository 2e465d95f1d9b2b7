"""Rights from an identity and an app's owner and rules (``app/access.py``)."""

from __future__ import annotations

import pytest

from associa.app.access import (
    ALL_RIGHTS,
    NO_RIGHTS,
    OPEN,
    AppAccess,
    Owner,
    Right,
    Rule,
    allowed,
    check,
    rights,
    rules_from,
)
from associa.errors import AccessDenied, AppAccessDenied
from associa.identity import ANONYMOUS, Identity

ANN = Identity("ann", "corp", groups=("sales",), method="jwt")
BOB = Identity("bob", "corp", groups=("finance", "sales"), method="jwt")
EVE = Identity("eve", "other", method="jwt")
ROOT = Identity("root", "corp", admin=True, method="jwt")
OWNED = AppAccess(Owner("ann", "corp"), (
    Rule("user", "bob", Right.CONSUME),
    Rule("group", "finance", Right.EDIT),
))


def test_rights_include_the_lower_ones() -> None:
    assert Right.CONSUME < Right.EDIT < Right.MANAGE
    access = AppAccess(Owner("ann", "corp"), (Rule("user", "eve", "edit"),))  # type: ignore[arg-type]
    assert rights(EVE, access) == {Right.CONSUME, Right.EDIT}


def test_owner_admin_and_development_mode_may_do_everything() -> None:
    assert rights(ANN, OWNED) == ALL_RIGHTS
    assert rights(ROOT, OWNED) == ALL_RIGHTS
    assert rights(ANONYMOUS, OWNED) == ALL_RIGHTS


def test_an_app_nobody_owns_is_open_to_all() -> None:
    assert rights(EVE, OPEN) == ALL_RIGHTS
    assert rights(EVE, None) == ALL_RIGHTS
    # rules without an owner do not close an app either
    assert rights(EVE, AppAccess(None, (Rule("user", "bob", Right.CONSUME),))) == ALL_RIGHTS


def test_the_best_rule_that_applies_wins() -> None:
    # bob: consume as a user, edit through the finance group
    assert rights(BOB, OWNED) == {Right.CONSUME, Right.EDIT}
    assert rights(EVE, OWNED) == NO_RIGHTS
    assert not allowed(EVE, OWNED, Right.CONSUME)


def test_a_user_rule_matches_the_id_or_directory_and_id() -> None:
    by_qualified = AppAccess(Owner("ann", "corp"), (Rule("user", "other\\eve", Right.EDIT),))
    assert allowed(EVE, by_qualified, Right.EDIT)
    wrong_dir = AppAccess(Owner("ann", "corp"), (Rule("user", "corp\\eve", Right.EDIT),))
    assert not allowed(EVE, wrong_dir, Right.CONSUME)


def test_the_owner_is_matched_with_the_directory() -> None:
    same_id_elsewhere = Identity("ann", "elsewhere", method="jwt")
    assert rights(same_id_elsewhere, OWNED) == NO_RIGHTS


def test_check_raises_access_denied_with_code_5() -> None:
    check(BOB, OWNED, Right.EDIT, "a")
    with pytest.raises(AppAccessDenied) as err:
        check(BOB, OWNED, Right.MANAGE, "a")
    assert isinstance(err.value, AccessDenied) and isinstance(err.value, PermissionError)
    assert err.value.to_json() == {"code": 5, "parameter": "a", "message": "Access denied"}


@pytest.mark.parametrize("bad", [("team", "x", "edit"), ("user", "", "edit"),
                                 ("user", "x", "own")])
def test_bad_rules_are_refused(bad: tuple[str, str, str]) -> None:
    with pytest.raises(ValueError):
        rules_from([bad])


def test_one_rule_per_subject_last_wins() -> None:
    made = rules_from([("user", "bob", "consume"), ("group", "bob", "edit"),
                       ("user", "bob", "manage")])
    assert made == (Rule("user", "bob", Right.MANAGE), Rule("group", "bob", Right.EDIT))
    assert Right.parse(" Edit ") is Right.EDIT
