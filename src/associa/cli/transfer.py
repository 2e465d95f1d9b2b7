"""``associa export APP FILE`` and ``associa import APP FILE``: an app as one file (the
app file format of the data folder and of the REST API's export: a zip archive of
``app.json`` and the data model), to copy an app between data folders."""

from __future__ import annotations

from pathlib import Path

import click

from associa.cli import options
from associa.cli.folder import app_engine, local_engine
from associa.cli.options import command
from associa.cli.output import USAGE, fail
from associa.errors import AssociaError
from associa.store.appstore import AppRecord, read_record, write_record

REMOTE = "works on the data folder only (no --engine): the app file is read or written here"


def add(group: click.Group) -> None:
    @command(
        group, "export", "write a saved app to one file",
        "Write a saved app (script, objects, variables, bookmarks and, unless --no-data, "
        "its data) to FILE, as 'associa import' and the REST API's import read it.",
        """
        associa export sales sales.associa
        associa export sales sales.associa --no-data
        """,
    )
    @options.app_argument
    @click.argument("file", type=click.Path(dir_okay=False, writable=True))
    @options.data_dir
    @click.option("--no-data", is_flag=True, help="leave the data model out of the file")
    def export(app: str, file: str, data_dir: str | None, no_data: bool) -> None:
        engine = app_engine(app, data_dir)
        record = engine.get_app(app).to_record()
        if no_data:
            record = AppRecord(record.id, record.meta, None)
        target = Path(file)
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as fh:
                write_record(record, fh)
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            fail(f"cannot write {file}: {exc.strerror or exc}")
        print(f"exported '{app}' to {file}")

    @command(
        group, "import", "make a saved app from a file 'associa export' wrote",
        "Make the app APP in the data folder from FILE (as 'associa export' or the REST "
        "API's export wrote it). An existing app of that id is replaced only with "
        "--replace.",
        """
        associa import sales-copy sales.associa
        associa import sales sales.associa --replace --data-dir ~/apps
        """,
    )
    @options.app_argument
    @click.argument("file")
    @options.data_dir
    @click.option("--replace", is_flag=True, help="replace the app APP when it exists")
    def import_(app: str, file: str, data_dir: str | None, replace: bool) -> None:
        from associa.app.app import App

        if not Path(file).is_file():
            fail(f"cannot read {file}: no such file", USAGE)
        try:
            record = read_record(Path(file), app)
        except AssociaError as exc:
            fail(f"{file} is not an associa app file: {exc.message}")
        engine = local_engine(data_dir, write=True)
        if engine.app_exists(app):
            if not replace:
                fail(f"app '{app}' exists in {engine.settings.data_dir} (use --replace)")
            engine.delete_app(app)
        meta = dict(record.meta, title=record.meta.get("title") or app)
        engine.add_app(App.from_record(AppRecord(app, meta, record.model),
                                       engine.settings.data_dir))
        print(f"imported {file} as '{app}' in {engine.settings.data_dir}")
