"""JSON-RPC 2.0 messages as the QIX engine writes them. Text in, texts out; no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from associa.calc.cells import Wire, nan_json
from associa.errors import AssociaError, InvalidRequest, ParseError


@dataclass(slots=True)
class Request:
    id: Any
    handle: int
    method: str
    params: list[Any] | dict[str, Any] = field(default_factory=list)
    delta: bool = False
    return_empty: bool = False


def decode(text: str | bytes) -> Request:
    """Parse one request. Raises ParseError (-32700) or InvalidRequest (-32600); the
    exception carries the request id when it could be read (``.request_id``)."""
    try:
        msg = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # too deeply nested
        raise ParseError("", "JSON parse error") from exc
    if not isinstance(msg, dict):
        raise InvalidRequest("", "Invalid JSON request")
    rid = msg.get("id")
    if isinstance(rid, bool) or not isinstance(rid, int | str | None):
        rid = None
    method = msg.get("method")
    handle = msg.get("handle")
    params = msg.get("params", [])
    if params is None:
        params = []
    if not isinstance(method, str) or not method:
        raise _invalid("method", rid)
    if isinstance(handle, bool) or not isinstance(handle, int):
        raise _invalid("handle", rid)
    if not isinstance(params, list | dict):
        raise _invalid("params", rid)
    return Request(rid, handle, method, params, bool(msg.get("delta")), bool(msg.get("return_empty")))


def _invalid(problem: str, rid: Any) -> InvalidRequest:
    err = InvalidRequest(problem, "Invalid JSON request")
    err.request_id = rid
    return err


def _clean(value: Any) -> Any:
    """Wire form of numbers: integral floats as integers, non-finite as strings. (Texts,
    integers, booleans and None inside a dict or list are taken as they are, without a
    call each: a layout holds thousands of them.)"""
    t = type(value)
    if t is Wire:  # cells made in wire form
        return value
    if t is dict:
        return {k: v if ((tv := type(v)) is str or tv is int or tv is bool or v is None)
                else _clean(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [v if ((tv := type(v)) is str or tv is int or tv is bool or v is None)
                else _clean(v) for v in value]
    if isinstance(value, float):
        return nan_json(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def dumps(obj: dict[str, Any]) -> str:
    """A message's JSON text (orjson: a click's layouts are tens of kilobytes; the
    standard library's encoder, which also takes integers beyond 64 bits, where it
    cannot)."""
    clean = _clean(obj)
    try:
        return orjson.dumps(clean, option=orjson.OPT_SERIALIZE_NUMPY).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(clean, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def result(rid: Any, value: dict[str, Any], change: list[int] | None = None,
           close: list[int] | None = None) -> str:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "result": value}
    if change:
        msg["change"] = change
    if close:
        msg["close"] = close
    return dumps(msg)


def error(rid: Any, err: AssociaError, change: list[int] | None = None) -> str:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "error": err.to_json()}
    if change:
        msg["change"] = change
    return dumps(msg)


def notification(method: str, params: dict[str, Any]) -> str:
    return dumps({"jsonrpc": "2.0", "method": method, "params": params})


def push(change: list[int] | None = None, close: list[int] | None = None) -> str:
    msg: dict[str, Any] = {"jsonrpc": "2.0"}
    if change:
        msg["change"] = change
    if close:
        msg["close"] = close
    return dumps(msg)
