"""JSON-RPC texts: decoding requests, encoding results, errors, notifications, pushes."""

from __future__ import annotations

import json
import math

import pytest

from associa.errors import AppNotFound, InvalidRequest, ParseError
from associa.qix import messages


def test_decode_positional_request() -> None:
    req = messages.decode(
        '{"jsonrpc":"2.0","id":3,"handle":2,"method":"GetLayout","params":[],"delta":true}'
    )
    assert (req.id, req.handle, req.method, req.params, req.delta) == (3, 2, "GetLayout", [], True)
    assert req.return_empty is False


def test_decode_named_params_and_extras() -> None:
    req = messages.decode(
        '{"jsonrpc":"2.0","id":"a","handle":-1,"method":"OpenDoc",'
        '"params":{"qDocName":"x"},"return_empty":true}'
    )
    assert req.id == "a" and req.params == {"qDocName": "x"} and req.return_empty
    assert req.delta is False


def test_decode_bytes_and_missing_or_null_params() -> None:
    assert messages.decode(b'{"id":1,"handle":-1,"method":"QvVersion"}').params == []
    assert messages.decode('{"id":1,"handle":-1,"method":"QvVersion","params":null}').params == []


@pytest.mark.parametrize(
    "text",
    ["{bad", "", "nul", b"\xff\xfe\x00garbage", '{"a":1', "[" * 100_000,
     '{"a":' * 50_000 + "1" + "}" * 50_000],
)
def test_decode_parse_errors(text: str | bytes) -> None:
    with pytest.raises(ParseError) as info:
        messages.decode(text)
    assert info.value.code == -32700


@pytest.mark.parametrize(
    ("text", "problem", "rid"),
    [
        ("[1,2]", "", None),
        ('"text"', "", None),
        ("42", "", None),
        ('{"id":5,"handle":-1}', "method", 5),
        ('{"id":5,"handle":-1,"method":""}', "method", 5),
        ('{"id":5,"handle":-1,"method":7}', "method", 5),
        ('{"id":5,"method":"X"}', "handle", 5),
        ('{"id":5,"handle":"1","method":"X"}', "handle", 5),
        ('{"id":5,"handle":true,"method":"X"}', "handle", 5),
        ('{"id":5,"handle":1.5,"method":"X"}', "handle", 5),
        ('{"id":5,"handle":1,"method":"X","params":"a"}', "params", 5),
        ('{"id":5,"handle":1,"method":"X","params":3}', "params", 5),
        ('{"id":true,"handle":1,"method":"X","params":3}', "params", None),
        ('{"id":[1],"handle":1,"method":"X","params":3}', "params", None),
    ],
)
def test_decode_invalid_requests(text: str, problem: str, rid: object) -> None:
    with pytest.raises(InvalidRequest) as info:
        messages.decode(text)
    assert info.value.code == -32600
    assert info.value.parameter == problem
    assert getattr(info.value, "request_id", None) == rid


def test_result_shape() -> None:
    text = messages.result(7, {"qReturn": True}, [2, 1], [3])
    assert json.loads(text) == {
        "jsonrpc": "2.0", "id": 7, "result": {"qReturn": True}, "change": [2, 1], "close": [3]
    }
    # no empty change/close members; the result is there even when empty
    assert json.loads(messages.result(1, {})) == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert " " not in messages.result(1, {"a": [1, 2]})


def test_number_encoding() -> None:
    body = {"a": 1.0, "b": math.nan, "c": math.inf, "d": -math.inf, "e": 0.5, "f": [2.0, (3.0,)],
            "g": 2.0**60, "h": True}
    out = json.loads(messages.result(1, body))["result"]
    assert out == {"a": 1, "b": "NaN", "c": "Infinity", "d": "-Infinity", "e": 0.5,
                   "f": [2, [3]], "g": 2.0**60, "h": True}
    assert isinstance(out["g"], float)


def test_non_ascii_kept() -> None:
    assert "Åre" in messages.result(1, {"qReturn": "Åre"})


def test_error_shape() -> None:
    text = messages.error(7, AppNotFound("Could not find app"))
    assert json.loads(text) == {
        "jsonrpc": "2.0",
        "id": 7,
        "error": {"code": 1003, "parameter": "Could not find app", "message": "App not found"},
    }
    assert json.loads(messages.error(None, ParseError("")))["id"] is None


def test_notification_always_has_params() -> None:
    assert json.loads(messages.notification("OnConnected", {"qSessionState": "SESSION_CREATED"})) \
        == {"jsonrpc": "2.0", "method": "OnConnected", "params": {"qSessionState": "SESSION_CREATED"}}
    assert json.loads(messages.notification("X", {}))["params"] == {}


def test_push_shape() -> None:
    assert json.loads(messages.push([1, 2])) == {"jsonrpc": "2.0", "change": [1, 2]}
    assert json.loads(messages.push(close=[3])) == {"jsonrpc": "2.0", "close": [3]}
    assert "id" not in json.loads(messages.push([1]))
