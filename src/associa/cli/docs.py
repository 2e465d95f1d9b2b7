"""docs/cli.md, generated from the command tree (``python -m associa.cli.docs >
docs/cli.md``); tests/cli/test_docs.py checks that the file is current."""

from __future__ import annotations

import click

from associa.cli.output import EXIT_CODES


def _option_line(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        names = ", ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
        metavar = "" if param.is_flag else f" {param.metavar or param.name.upper()}"
        return f"- {names}{metavar}: {param.help}"
    return f"- `{(param.name or '').upper()}` (argument)"


def markdown(group: click.Group) -> str:
    out = ["# The `associa` command", "",
           "Generated from the CLI itself (`python -m associa.cli.docs > docs/cli.md`); "
           "`associa <command> --help` prints the same.", "",
           group.help or "", "", "## Exit codes", "", "| code | meaning |", "|---|---|"]
    out += [f"| {code} | {text} |" for code, text in EXIT_CODES]
    ctx = click.Context(group, info_name="associa")
    for name in group.list_commands(ctx):
        cmd = group.commands[name]
        sub = click.Context(cmd, info_name=name, parent=ctx)
        out += ["", f"## `associa {name}`", "", f"`{cmd.get_usage(sub).strip()}`", "",
                cmd.help or "", ""]
        out += [_option_line(p) for p in cmd.params if not isinstance(p, click.Argument)]
        if cmd.epilog:
            out += ["", "```text", *cmd.epilog.replace("\b\n", "").strip().splitlines(), "```"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    from associa.cli import cli

    print(markdown(cli), end="")
