"""The method registry: binding positional and named params, defaults, type checks,
result wrapping, and that every registered handler fits its declaration."""

from __future__ import annotations

import inspect

import pytest

import associa.qix.api  # noqa: F401  (registers the methods)
from associa.errors import InvalidHandle
from associa.qix.dispatch import METHODS, REQUIRED, MethodSpec, Param, bind, p


def spec(*params: Param, out: tuple[str, ...] = ()) -> MethodSpec:
    return MethodSpec("Test", "M", params, out, lambda call, **kw: kw)


SPEC = spec(
    p("qName", "str"),
    p("qCount", "int", 0),
    p("qFlag", "bool", False),
    p("qObj", "obj", {"a": []}),
    p("qList", "list", []),
    p("qNum", "num", 1.5),
    p("qAny", "any", None),
)


def test_positional_and_defaults() -> None:
    assert bind(SPEC, ["x"]) == {
        "qName": "x", "qCount": 0, "qFlag": False, "qObj": {"a": []}, "qList": [],
        "qNum": 1.5, "qAny": None,
    }
    out = bind(SPEC, ["x", 3, True, {"b": 1}, [1], 2, "anything"])
    assert out == {"qName": "x", "qCount": 3, "qFlag": True, "qObj": {"b": 1}, "qList": [1],
                   "qNum": 2, "qAny": "anything"}


def test_named_params_in_any_order() -> None:
    out = bind(SPEC, {"qFlag": True, "qName": "y"})
    assert out["qName"] == "y" and out["qFlag"] is True and out["qCount"] == 0


def test_extra_positional_params_are_ignored() -> None:
    assert bind(spec(p("qA", "str")), ["a", "b", 3]) == {"qA": "a"}


def test_null_takes_the_default() -> None:
    assert bind(SPEC, ["x", None, None])["qCount"] == 0


def test_defaults_are_copies() -> None:
    first = bind(SPEC, ["x"])
    first["qObj"]["a"].append(1)
    first["qList"].append(1)
    second = bind(SPEC, ["x"])
    assert second["qObj"] == {"a": []} and second["qList"] == []


def test_integral_float_for_int() -> None:
    assert bind(SPEC, ["x", 3.0])["qCount"] == 3
    assert isinstance(bind(SPEC, ["x", 3.0])["qCount"], int)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ([], "qName"),
        ({}, "qName"),
        ([5], "qName"),
        (["x", "3"], "qCount"),
        (["x", 1.5], "qCount"),
        (["x", True], "qCount"),
        (["x", float("nan")], "qCount"),
        (["x", 1, "yes"], "qFlag"),
        (["x", 1, 0], "qFlag"),
        (["x", 1, False, []], "qObj"),
        (["x", 1, False, {}, {}], "qList"),
        (["x", 1, False, {}, [], "1"], "qNum"),
        (["x", 1, False, {}, [], False], "qNum"),
        ({"qName": "x", "qBogus": 1}, "qBogus"),
    ],
)
def test_bad_params_name_the_parameter(params: object, name: str) -> None:
    with pytest.raises(InvalidHandle) as info:
        bind(SPEC, params)  # type: ignore[arg-type]
    assert info.value.code == -32602
    assert info.value.message == "Invalid Params"
    assert info.value.parameter.startswith(name)


def test_wrap() -> None:
    assert spec().wrap(None) == {}
    assert spec(out=("qReturn",)).wrap(True) == {"qReturn": True}
    assert spec(out=("qLayout",)).wrap({"a": 1}) == {"qLayout": {"a": 1}}
    assert spec(out=("qtr", "qk")).wrap({"qtr": [], "qk": []}) == {"qtr": [], "qk": []}


def test_registry_is_not_empty() -> None:
    classes = {cls for cls, _ in METHODS}
    assert {"Global", "Doc", "GenericObject", "Field"} <= classes
    assert ("Global", "OpenDoc") in METHODS and ("Doc", "GetLayout") not in METHODS


@pytest.mark.parametrize("key", sorted(METHODS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_handler_accepts_its_params(key: tuple[str, str]) -> None:
    spec_ = METHODS[key]
    sig = inspect.signature(spec_.handler)
    names = list(sig.parameters)
    assert names[0] == "call"
    takes_kwargs = any(v.kind is inspect.Parameter.VAR_KEYWORD for v in sig.parameters.values())
    for param in spec_.params:
        assert takes_kwargs or param.name in names, f"{key}: {param.name}"
    # required params come first (a positional call can't skip one)
    seen_default = False
    for param in spec_.params:
        if param.default is REQUIRED:
            assert not seen_default, f"{key}: required {param.name} after an optional one"
        else:
            seen_default = True
    # out keys: none (void), qReturn, named outs, or named outs plus qReturn
    assert len(set(spec_.out)) == len(spec_.out)
    assert all(k.startswith("q") for k in spec_.out)
