"""The client's methods, made from the engine's one method table.

Every QIX method the engine registers (``associa.qix.dispatch.METHODS``) becomes a method
of the proxy class of its QIX class, named in Python style (``GetHyperCubeData`` →
``get_hyper_cube_data``), with parameters named the same way (``qPath`` → ``path``)
given by position or by name. Nothing is written out per method: a new engine method is
a new client method. A result is unwrapped: a single result key gives its value
(``{"qLayout": …}`` → the layout), a handle (``{"qType", "qHandle"}``) gives the
proxy of its class, and a method that returns a new object with its info
(``CreateObject``: ``qInfo`` and ``qReturn``) gives the object's proxy.
"""

from __future__ import annotations

import inspect
import keyword
import re
from collections.abc import Callable
from typing import Any

from associa.qix import api  # noqa: F401  (registers the methods in METHODS)
from associa.qix.dispatch import METHODS, REQUIRED, MethodSpec

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """``GetHyperCubeData`` → ``get_hyper_cube_data``; a parameter's leading ``q``
    goes (``qDimNo`` → ``dim_no``)."""
    if len(name) > 1 and name[0] == "q" and (name[1].isupper() or len(name) <= 3):
        name = name[1:]
    return _BOUNDARY.sub("_", name).lower()


def argument(name: str) -> str:
    """A QIX parameter's Python name (``qDef`` → ``def_``: not a keyword)."""
    made = snake(name)
    return f"{made}_" if keyword.iskeyword(made) else made


def specs_of(qtype: str) -> list[MethodSpec]:
    return [spec for (t, _), spec in sorted(METHODS.items()) if t == qtype]


def params_of(spec: MethodSpec, args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> dict[str, Any]:
    """Named QIX params from Python arguments (by position, snake name or QIX name);
    omitted ones are left to the engine's defaults."""
    if len(args) > len(spec.params):
        raise TypeError(f"{snake(spec.name)}() takes {len(spec.params)} arguments, "
                        f"{len(args)} given")
    named = {param.name: value for param, value in zip(spec.params, args, strict=False)}
    by_name = {argument(p.name): p.name for p in spec.params} | {p.name: p.name
                                                               for p in spec.params}
    for key, value in kwargs.items():
        qname = by_name.get(key)
        if qname is None:
            raise TypeError(f"{snake(spec.name)}() got an unexpected argument {key!r}")
        if qname in named:
            raise TypeError(f"{snake(spec.name)}() got {key!r} twice")
        named[qname] = value
    return named


def unwrap(spec: MethodSpec, result: dict[str, Any], to_proxy: Callable[[Any], Any]) -> Any:
    """The value a Python caller gets from a method's ``result``."""
    if not spec.out:
        return None
    if "qReturn" in spec.out and _is_handle(result.get("qReturn")):
        return to_proxy(result["qReturn"])
    if len(spec.out) == 1:
        value = result.get(spec.out[0])
        if isinstance(value, dict) and value.get("qHandle", 0) is None:
            return None  # no such object: QIX's null handle
        return to_proxy(value) if _is_handle(value) else value
    return result


def _is_handle(value: Any) -> bool:
    """A handle object; one of nulls (GetObject of an id that names nothing) is not."""
    return (isinstance(value, dict) and "qHandle" in value and "qType" in value
            and value["qHandle"] is not None)


def _signature(spec: MethodSpec) -> inspect.Signature:
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for p in spec.params:
        default = inspect.Parameter.empty if p.default is REQUIRED else p.default
        params.append(inspect.Parameter(argument(p.name), inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        default=default))
    return inspect.Signature(params)


def _describe(spec: MethodSpec, flavour: str) -> str:
    args = ", ".join(f"{argument(p.name)} ({p.name}: {p.kind})" for p in spec.params)
    outs = ", ".join(spec.out) or "nothing"
    return (f"QIX {spec.qtype}.{spec.name}({args}) → {outs}; {flavour}.\n\n"
            "Made from the engine's method table (associa.qix.dispatch.METHODS).")


def sync_method(spec: MethodSpec) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.connection.call(self.handle, spec.name, params_of(spec, args, kwargs))
        return unwrap(spec, result, self.proxy)

    return _named(method, spec, "waits for the reply")


def async_method(spec: MethodSpec) -> Callable[..., Any]:
    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = await self.connection.acall(self.handle, spec.name,
                                             params_of(spec, args, kwargs))
        return unwrap(spec, result, self.proxy)

    return _named(method, spec, "a coroutine")


def _named(fn: Callable[..., Any], spec: MethodSpec, flavour: str) -> Callable[..., Any]:
    fn.__name__ = fn.__qualname__ = snake(spec.name)
    fn.__doc__ = _describe(spec, flavour)
    fn.__signature__ = _signature(spec)  # type: ignore[attr-defined]
    return fn


def install(cls: type, qtype: str, make: Callable[[MethodSpec], Callable[..., Any]]) -> None:
    """Give ``cls`` a method per QIX method of ``qtype``; a name the class defines
    itself (a Backend API helper with Qlik's semantics) is kept."""
    for spec in specs_of(qtype):
        name = snake(spec.name)
        if not hasattr(cls, name):
            setattr(cls, name, make(spec))
