"""What the package ships besides code: ``py.typed`` (the package's annotations are for
its users' type checkers too), inside the folder the wheel is built from."""

from __future__ import annotations

import tomllib
from pathlib import Path

import associa

ROOT = Path(__file__).resolve().parent.parent


def test_py_typed_ships_in_the_wheel_folder() -> None:
    package = Path(associa.__file__).resolve().parent
    assert (package / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/associa"]  # the whole folder, py.typed included
    assert not wheel.get("exclude")

