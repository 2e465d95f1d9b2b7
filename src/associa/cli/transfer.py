"""``associa export APP FILE`` and ``associa import APP FILE``: an app as one file (the
app file format of the data folder and of the REST API's export: a zip archive of
``app.json`` and the data model), to copy an app between data folders, or between a
data folder and a running engine (``--engine``: the REST API's export and import,
``cli/restapi.py``)."""

from __future__ import annotations

import io
from pathlib import Path

import click

from associa.cli import options
from associa.cli.folder import app_engine, local_engine
from associa.cli.options import command
from associa.cli.output import USAGE, fail
from associa.errors import AssociaError


def write_file(file: str, content: bytes) -> None:
    """``content`` into ``file`` whole or not at all (a .part file renamed)."""
    target = Path(file)
    partial = target.with_name(target.name + ".part")
    try:
        partial.write_bytes(content)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {file}: {exc.strerror or exc}")


def export_remote(app: str, file: str, engine_url: str, no_data: bool) -> None:
    from associa.cli.restapi import RestApi

    with RestApi.open(engine_url) as api:
        write_file(file, api.export_app(app, no_data))
    print(f"exported '{app}' from {engine_url} to {file}")


def import_remote(app: str, file: str, engine_url: str, replace: bool) -> None:
    """A new app titled APP (the engine gives it its id, printed), or with --replace
    the app of id APP replaced in place."""
    from associa.cli.restapi import RestApi

    content = Path(file).read_bytes()
    with RestApi.open(engine_url) as api:
        exists = api.app_exists(app)
        if exists and not replace:
            fail(f"app '{app}' exists on {engine_url} (use --replace)")
        if replace and not exists:
            fail(f"app '{app}' not found on {engine_url} (--replace replaces an app by "
                 "its id)")
        made = api.import_app(content, app, app if replace else None)
    new_id = made["attributes"]["id"]
    if replace:
        print(f"imported {file} as '{app}' on {engine_url}")
    else:
        print(f"imported {file} as '{app}' on {engine_url}: its id is {new_id}")


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
    @options.engine
    @click.option("--no-data", is_flag=True, help="leave the data model out of the file")
    def export(app: str, file: str, data_dir: str | None, engine_url: str | None,
               no_data: bool) -> None:
        if engine_url:
            export_remote(app, file, engine_url, no_data)
            return
        from associa.store.appstore import AppRecord, write_record

        engine = app_engine(app, data_dir)
        record = engine.get_app(app).to_record()
        if no_data:
            record = AppRecord(record.id, record.meta, None)
        buffer = io.BytesIO()
        write_record(record, buffer)
        write_file(file, buffer.getvalue())
        print(f"exported '{app}' to {file}")

    @command(
        group, "import", "make a saved app from a file 'associa export' wrote",
        "Make the app APP in the data folder from FILE (as 'associa export' or the REST "
        "API's export wrote it). An existing app of that id is replaced only with "
        "--replace. With --engine, the engine makes a new app titled APP and gives it "
        "its id (printed); --replace replaces the app whose id is APP.",
        """
        associa import sales-copy sales.associa
        associa import sales sales.associa --replace --data-dir ~/apps
        associa import "Sales copy" sales.associa --engine ws://localhost:9076
        """,
    )
    @options.app_argument
    @click.argument("file")
    @options.data_dir
    @options.engine
    @click.option("--replace", is_flag=True, help="replace the app APP when it exists")
    def import_(app: str, file: str, data_dir: str | None, engine_url: str | None,
                replace: bool) -> None:
        from associa.app.app import App
        from associa.store.appstore import AppRecord, read_record

        if not Path(file).is_file():
            fail(f"cannot read {file}: no such file", USAGE)
        if engine_url:
            import_remote(app, file, engine_url, replace)
            return
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
