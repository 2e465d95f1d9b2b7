"""docs/script.md stays true: every complete statement in its LOAD section's example
columns parses (examples with an ellipsis are fragments and are skipped)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from associa.script.parser import Load, parse_statement
from associa.script.scanner import split_statements

DOC = Path(__file__).resolve().parents[2] / "docs" / "script.md"


def examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## LOAD, its prefixes and clauses", 1)[1].split("\n## ", 1)[0]
    out = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| Statement") or "---" in line:
            continue
        for code in re.findall(r"`([^`]+)`", line):
            if "…" in code or not code.rstrip().endswith(";") or not code[0].isalpha():
                continue
            out.extend(s.text.strip() for s in split_statements(code))
    return out


def test_the_section_has_examples() -> None:
    assert len(examples()) >= 30


@pytest.mark.parametrize("statement", examples())
def test_example_parses(statement: str) -> None:
    node = parse_statement(statement)
    if statement.split()[0].upper() in ("LOAD", "FIRST", "SAMPLE", "BUFFER"):
        assert isinstance(node, Load)
