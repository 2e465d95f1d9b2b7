"""The exception tree: every class is in the module docstring's tree with its code and
parent, an error's code is its class's (never set on an instance), and script errors keep
the code of what went wrong."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import associa
from associa import errors
from associa.errors import (
    AccessDenied,
    AssociaError,
    ConnectionNotFound,
    InvalidParameters,
    LibPathOutside,
    ScriptError,
    script_error,
    script_error_class,
)

SRC = Path(associa.__file__).parent
TREE_LINE = re.compile(r"^(?P<indent>[\s│]*)[├└]── (?P<name>\w+)(?: \((?P<builtin>\w+)\))?\s+(?P<code>-?\d+)?")


def tree() -> dict[str, tuple[str, int | None]]:
    """name -> (parent, code) as the docstring draws it."""
    out: dict[str, tuple[str, int | None]] = {}
    parents = ["AssociaError"]
    base: int | None = None
    for line in (errors.__doc__ or "").splitlines():
        m = TREE_LINE.match(line)
        if not m:
            continue
        base = len(m["indent"]) if base is None else base
        depth = (len(m["indent"]) - base) // 4
        del parents[depth + 1:]
        code = int(m["code"]) if m["code"] else None
        out[m["name"]] = (parents[depth], code)
        parents.append(m["name"])
    return out


def error_classes() -> dict[str, type[AssociaError]]:
    return {
        name: cls for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, AssociaError) and cls is not AssociaError
    }


def test_the_docstring_tree_names_every_class_with_its_code_and_parent() -> None:
    drawn = tree()
    classes = error_classes()
    assert set(drawn) == set(classes)
    for name, (parent, code) in drawn.items():
        cls = classes[name]
        assert issubclass(cls, getattr(errors, parent)), name
        if code is not None:
            assert cls.code == code, name


def test_every_code_the_engine_reports_has_a_class() -> None:
    by_code: dict[int, list[str]] = {}
    for name, cls in error_classes().items():
        by_code.setdefault(cls.code, []).append(name)
    for code in (-32603, 2000, 2004, 6003, 9000, 9001, 11002, 11020, 11024, 11026):
        assert code in by_code, code
    # a code shared by several classes is a refinement of one root (FieldNotFound of
    # NotFound) or the expression/parameter code 8
    for code, names in by_code.items():
        if code == 8:
            continue
        roots = [n for n in names if not any(
            issubclass(error_classes()[n], error_classes()[m]) for m in names if m != n)]
        assert len(roots) == 1, (code, names)


# the client's EngineError carries the code an engine answered with (any engine's, not
# only this one's): the one place an instance holds its code
CODES_RECEIVED = {Path("client/errors.py")}


def test_no_code_is_set_on_an_instance() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.relative_to(SRC) in CODES_RECEIVED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign)
                       else [])
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "code":
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_wire_form() -> None:
    assert errors.ModalObjectError("BeginSelections").to_json() == {
        "code": 6003, "parameter": "BeginSelections",
        "message": "Function not allowed on this object in app modal mode",
    }
    err = errors.ConnectionAlreadyExists("data", "Connection already exists")
    assert isinstance(err, InvalidParameters) and isinstance(err, ValueError)
    assert err.to_json() == {"code": 2000, "parameter": "data",
                             "message": "Connection already exists"}
    assert InvalidParameters("x").code == 8
    assert errors.InternalError().to_json()["code"] == -32603


def test_script_errors_keep_the_code_of_what_went_wrong() -> None:
    err = script_error(11020, "Cannot open file: 'lib://data/x.csv'", line=3, column=1)
    assert type(err) is errors.ReloadOpenFileError and err.code == 11020
    assert (err.line, err.column) == (3, 1)
    assert script_error_class(11002) is ScriptError
    # another engine error met in a statement: a ScriptError class of its own code, once
    cls = script_error_class(ConnectionNotFound.code)
    assert issubclass(cls, ScriptError) and cls.code == 2001
    assert script_error_class(2001) is cls
    assert script_error(2001, "Connection not found").code == 2001
    assert ScriptError("x").code == 11002  # the shared class is untouched


def test_a_path_outside_its_connection_is_access_denied() -> None:
    err = LibPathOutside("The path 'lib://d/../x' is outside the folder")
    assert isinstance(err, ScriptError) and isinstance(err, AccessDenied)
    assert isinstance(err, PermissionError)
    assert err.code == 11026 and str(err) == "The path 'lib://d/../x' is outside the folder"
    with pytest.raises(PermissionError):
        raise err
