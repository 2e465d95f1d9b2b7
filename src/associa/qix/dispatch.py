"""The QIX method registry: ``METHODS[(class, name)]`` with parameters and result keys.

Each API module registers its handlers with ``@method``. A parameter list gives every
parameter's name (as the engine API names it, which is how clients send them by name),
its JSON type and its default; ``bind`` maps positional or named ``params`` onto them,
fills omitted trailing parameters with their defaults and rejects wrong JSON types with
error -32602. The result keys say how a handler's return value is wrapped:
``("qReturn",)`` → ``{"qReturn": value}``, ``("qLayout",)`` → ``{"qLayout": value}``,
several keys → the handler returns the dict, none → ``{}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from associa.errors import InvalidHandle

REQUIRED: Any = object()

_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int, float),
    "num": (int, float),
    "bool": (bool,),
    "obj": (dict,),
    "list": (list,),
    "any": (object,),
}


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: str = "any"
    default: Any = REQUIRED


def p(name: str, kind: str = "any", default: Any = REQUIRED) -> Param:
    return Param(name, kind, default)


@dataclass(frozen=True, slots=True)
class MethodSpec:
    qtype: str
    name: str
    params: tuple[Param, ...]
    out: tuple[str, ...]
    handler: Callable[..., Any]

    def wrap(self, value: Any) -> dict[str, Any]:
        if not self.out:
            return {}
        if len(self.out) == 1:
            return {self.out[0]: value}
        return dict(value)


METHODS: dict[tuple[str, str], MethodSpec] = {}


def method(qtype: str, name: str, *params: Param, out: tuple[str, ...] = ()) -> Callable:
    """Register the decorated function as ``qtype.name``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        METHODS[(qtype, name)] = MethodSpec(qtype, name, tuple(params), out, fn)
        return fn

    return register


def _bad(param: Param, why: str) -> InvalidHandle:
    return InvalidHandle(f"{param.name}: {why}", "Invalid Params")


def _check(param: Param, value: Any) -> Any:
    if value is None and param.default is not REQUIRED:
        return _copy_default(param.default)
    kinds = _KINDS[param.kind]
    if param.kind == "any":
        return value
    if isinstance(value, bool) and param.kind != "bool":
        raise _bad(param, f"expected {_describe(param.kind)}, got a boolean")
    if not isinstance(value, kinds):
        raise _bad(param, f"expected {_describe(param.kind)}, got {type(value).__name__}")
    if param.kind == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise _bad(param, "expected an integer")
            value = int(value)
    return value


def _describe(kind: str) -> str:
    return {
        "str": "a string",
        "int": "an integer",
        "num": "a number",
        "bool": "a boolean",
        "obj": "an object",
        "list": "an array",
    }.get(kind, kind)


def _copy_default(value: Any) -> Any:
    if isinstance(value, dict | list):
        import copy

        return copy.deepcopy(value)
    return value


def bind(spec: MethodSpec, params: list[Any] | dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for the handler from positional or named params."""
    out: dict[str, Any] = {}
    if isinstance(params, dict):
        unknown = [k for k in params if k not in {q.name for q in spec.params}]
        if unknown:
            raise InvalidHandle(f"{unknown[0]}: unknown parameter", "Invalid Params")
        for param in spec.params:
            if param.name in params:
                out[param.name] = _check(param, params[param.name])
            elif param.default is REQUIRED:
                raise _bad(param, "missing")
            else:
                out[param.name] = _copy_default(param.default)
        return out
    # extra trailing parameters (a newer client schema) are ignored
    for i, param in enumerate(spec.params):
        if i < len(params):
            out[param.name] = _check(param, params[i])
        elif param.default is REQUIRED:
            raise _bad(param, "missing")
        else:
            out[param.name] = _copy_default(param.default)
    return out
