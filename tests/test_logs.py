"""Log lines as text and JSON (associa.logs)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from associa.logs import configure, event


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    yield
    for handler in list(root.handlers):
        if handler not in before[0]:
            root.removeHandler(handler)
    root.setLevel(before[1])


def test_text_line_quotes_what_needs_quotes(restore_logging: None) -> None:
    out = io.StringIO()
    configure("info", "text", out)
    log = logging.getLogger("associa.test")
    event(log, logging.INFO, "thing done", app="a b", n=3, ok=True, skipped=None, t=0.12345,
          empty="")
    event(log, logging.DEBUG, "not shown")
    (line,) = out.getvalue().splitlines()
    assert line.endswith(' INFO associa.test: thing done app="a b" n=3 ok=true t=0.123 empty=""')


def test_json_lines(restore_logging: None) -> None:
    out = io.StringIO()
    configure("debug", "json", out)
    log = logging.getLogger("associa.test")
    event(log, logging.WARNING, "went wrong", code=7, message='50% "done"')
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("plain %s", "line")
    logging.getLogger("uvicorn.error").info("noise")  # uvicorn's info lines stay out
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert {k: first[k] for k in ("level", "logger", "event", "code", "message")} == {
        "level": "warning", "logger": "associa.test", "event": "went wrong", "code": 7,
        "message": '50% "done"'}
    assert second["message"] == "plain line" and "ValueError: boom" in second["exception"]
    assert "event" not in second


def test_bad_choices() -> None:
    with pytest.raises(ValueError, match="log level"):
        configure("loud")
    with pytest.raises(ValueError, match="log format"):
        configure("info", "xml")


def test_request_id_on_json_lines(restore_logging: None) -> None:
    """Every line logged inside a request scope carries its request id (JSON only);
    lines outside carry none; two requests have two ids."""
    from associa.logs import request_scope

    out = io.StringIO()
    configure("info", "json", out)
    log = logging.getLogger("associa.test")
    with request_scope() as first:
        event(log, logging.INFO, "inside")
        log.info("a plain line inside")
    event(log, logging.INFO, "outside")
    with request_scope() as second:
        event(log, logging.INFO, "again")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [ln.get("request_id") for ln in lines] == [first, first, None, second]
    assert first != second and len(first) == 16


def test_request_id_stays_off_text_lines(restore_logging: None) -> None:
    from associa.logs import request_scope

    out = io.StringIO()
    configure("info", "text", out)
    with request_scope():
        event(logging.getLogger("associa.test"), logging.INFO, "inside", n=1)
    assert out.getvalue().rstrip().endswith("associa.test: inside n=1")
