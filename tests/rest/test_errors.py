"""REST errors: Qlik's shape, and the engine's errors mapped to their statuses."""

from __future__ import annotations

import pytest

from associa import errors as engine
from associa.rest.errors import (
    BadRequest,
    TooManyRequests,
    for_status,
    from_engine_error,
)


def test_the_shape() -> None:
    err = BadRequest("limit must be between 1 and 100", parameter="limit")
    assert err.body() == {"errors": [{
        "code": "HTTP-400", "title": "Bad request", "status": "400",
        "detail": "limit must be between 1 and 100", "source": {"parameter": "limit"}}]}
    assert TooManyRequests("x").entry()["title"] == "API rate limit reached."


@pytest.mark.parametrize(("raised", "status"), [
    (engine.AppNotFound("Could not find app"), 404),
    (engine.FieldNotFound("F"), 404),
    (engine.AppAccessDenied("a"), 403),
    (engine.SectionAccessDenied("a"), 403),
    (engine.AppAlreadyExists("a"), 409),
    (engine.ReloadInProgress("DoReload"), 409),
    (engine.AppInvalidName("a"), 400),
    (engine.InvalidParameters("p"), 400),
    (engine.ScriptError("bad"), 400),
    (engine.PersistenceReadFailed("a", "Read Failed: x"), 400),
    (engine.PersistenceError("a", "Write Failed: disk full"), 500),
])
def test_engine_errors(raised: engine.AssociaError, status: int) -> None:
    err = from_engine_error(raised)
    assert err.status == status
    assert err.entry()["code"] == f"HTTP-{status}"
    if status != 500:
        assert err.detail == raised.message  # no internals leak from a 500


def test_any_status() -> None:
    assert for_status(404).title == "Not found"
    odd = for_status(418, "teapot")
    assert odd.status == 418 and odd.entry()["code"] == "HTTP-418"
