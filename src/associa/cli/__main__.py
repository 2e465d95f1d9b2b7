"""``python -m associa.cli``: the ``associa`` command."""

from associa.cli import run

run()
