"""``associa diff APP``: what the last reload changed in the data model (tables added
or removed, fields added or removed, row counts), from the summary of the replaced model
that the app keeps (``app/summary.py``); with ``--engine``, the same two summaries from
the engine's REST API (``GET /api/v1/apps/{id}/data/summary``)."""

from __future__ import annotations

import click

from associa.cli import options
from associa.cli.folder import app_engine
from associa.cli.options import command
from associa.cli.output import print_json, show

COLUMNS = ("change", "table", "detail", "rows before", "rows after")


def add(group: click.Group) -> None:
    @command(
        group, "diff", "what the last reload changed in the data model",
        "Compare a saved app's data model with the one its last reload replaced: tables "
        "added or removed, fields added or removed, row counts changed. Prints nothing "
        "but a note when nothing changed.",
        """
        associa reload sales && associa diff sales
        associa diff sales --json
        associa diff sales --engine ws://localhost:9076
        """,
    )
    @options.app_argument
    @options.data_dir
    @options.engine
    @options.as_json
    def diff(app: str, data_dir: str | None, engine_url: str | None, as_json: bool) -> None:
        from associa.app.summary import model_summary, summary_changes

        if engine_url:
            from associa.cli.restapi import RestApi

            with RestApi.open(engine_url) as api:
                summaries = api.data_summary(app)
            previous, current = summaries.get("previous"), summaries["current"]
        else:
            opened = app_engine(app, data_dir).get_app(app)
            previous, current = opened.previous_summary, model_summary(opened.model)
        if previous is None:
            if as_json:
                print_json([])
            else:
                print(f"'{app}' has no earlier reload to compare with")
            return
        changes = summary_changes(previous, current)
        if not changes and not as_json:
            print(f"no change in the data model of '{app}' since the previous reload")
            return
        show(COLUMNS, changes, as_json, (False, False, False, True, True))
