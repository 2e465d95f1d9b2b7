"""docs/cli.md is what the CLI says of itself (regenerate: python -m associa.cli.docs)."""

from __future__ import annotations

from pathlib import Path

from associa.cli import cli
from associa.cli.docs import markdown
from associa.cli.output import EXIT_CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_md_is_current() -> None:
    assert DOC.read_text("utf-8") == markdown(cli), (
        "docs/cli.md is out of date: python -m associa.cli.docs > docs/cli.md")


def test_cli_md_lists_every_command_and_exit_code() -> None:
    text = DOC.read_text("utf-8")
    for name in cli.commands:
        assert f"## `associa {name}`" in text
    for code, meaning in EXIT_CODES:
        assert f"| {code} | {meaning} |" in text
