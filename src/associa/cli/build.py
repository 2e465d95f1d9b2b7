"""``associa build PROJECT.yaml``: a project file (YAML) made into an app, as corectl's
``build`` does: the app is created (or, with --replace, made anew), its connections,
script, master dimensions and measures, variables and objects set, its script run, its
bookmarks made (each one's selections applied first) and the app saved.

Everything goes through QIX (``cli/remote.py``), so ``--engine`` builds on a running
engine the same way. The project file's shape is the pydantic models below; a file
that does not fit them is exit 2 with the first problem named."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from associa.cli import options
from associa.cli.folder import connection, open_engine, settings_from
from associa.cli.options import command
from associa.cli.output import USAGE, ReloadView, fail
from associa.cli.query import field_value
from associa.cli.remote import Doc, Qix, QixFailure


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConnectionSpec(Strict):
    name: str
    type: str = "folder"
    path: str = Field(description="a folder (relative to the project file) or a URL")


class DimensionSpec(Strict):
    id: str
    title: str = ""
    field: str | None = None
    fields: list[str] = []

    @model_validator(mode="after")
    def one_field(self) -> DimensionSpec:
        if not self.fields and not self.field:
            raise ValueError("a dimension needs field or fields")
        return self


class MeasureSpec(Strict):
    id: str
    title: str = ""
    expression: str
    label: str = ""


class VariableSpec(Strict):
    name: str
    definition: str
    comment: str = ""


class BookmarkSpec(Strict):
    id: str
    title: str = ""
    selections: dict[str, list[str | int | float]] = {}


class Project(Strict):
    app: str
    script: str | None = None
    script_file: str | None = Field(default=None, alias="script-file")
    connections: list[ConnectionSpec] = []
    dimensions: list[DimensionSpec] = []
    measures: list[MeasureSpec] = []
    variables: list[VariableSpec] = []
    objects: list[dict[str, Any]] = []
    bookmarks: list[BookmarkSpec] = []

    @model_validator(mode="after")
    def one_script(self) -> Project:
        if (self.script is None) == (self.script_file is None):
            raise ValueError("give the load script as script or script-file (one of them)")
        return self


def read_project(path: Path) -> tuple[Project, str]:
    """The project and its script; a file that cannot be read or does not fit: exit 2."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}", USAGE)
    except yaml.YAMLError as exc:
        fail(f"{path} is not YAML: {' '.join(str(exc).split())}", USAGE)
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        fail(f"{path}: {where}: {first['msg']}", USAGE)
    if project.script_file is not None:
        script_path = path.parent / project.script_file
        try:
            return project, script_path.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"cannot read the script {script_path}: {exc.strerror or exc}", USAGE)
    return project, project.script or ""


def connection_string(spec: ConnectionSpec, base: Path) -> str:
    if spec.type.lower() == "folder":
        return str((base / spec.path).resolve())
    return spec.path


def fill(doc: Doc, project: Project, script: str, base: Path) -> None:
    """Connections, script, master items, variables and objects, before the reload."""
    for conn in project.connections:
        doc.create_connection({"qName": conn.name, "qType": conn.type,
                               "qConnectionString": connection_string(conn, base)})
    doc.set_script(script)
    for dim in project.dimensions:
        fields = dim.fields or [str(dim.field)]
        doc.create_dimension({"qInfo": {"qId": dim.id, "qType": "dimension"},
                              "qDim": {"qGrouping": "N", "qFieldDefs": fields,
                                       "qFieldLabels": [dim.title] if dim.title else []},
                              "qMetaDef": {"title": dim.title or fields[0]}})
    for m in project.measures:
        doc.create_measure({"qInfo": {"qId": m.id, "qType": "measure"},
                            "qMeasure": {"qDef": m.expression, "qLabel": m.label or m.title},
                            "qMetaDef": {"title": m.title or m.id}})
    for var in project.variables:
        doc.create_variable_ex({"qInfo": {"qType": "variable"}, "qName": var.name,
                                "qDefinition": var.definition, "qComment": var.comment})
    for props in project.objects:
        doc.create_object(props)


def make_bookmarks(doc: Doc, project: Project) -> None:
    for mark in project.bookmarks:
        doc.clear_all()
        for field, values in mark.selections.items():
            doc.get_field(field).select_values([field_value(str(v)) for v in values])
        doc.create_bookmark({"qInfo": {"qId": mark.id, "qType": "bookmark"},
                             "qMetaDef": {"title": mark.title or mark.id}})
    doc.clear_all()


def build(qix: Qix, project: Project, script: str, base: Path, exists: bool,
          replace: bool) -> bool:
    """The app built; False when its script failed (the app stays, without data)."""
    if exists:
        if not replace:
            fail(f"app '{project.app}' exists (use --replace to build it anew)")
        qix.call("DeleteApp", qAppId=project.app)
    app_id = qix.create_app(project.app)
    doc = qix.open_doc(app_id)
    fill(doc, project, script, base)
    view = ReloadView()
    errors: list[dict[str, Any]] = []

    def progress(data: dict[str, Any]) -> None:
        for message in data.get("qPersistentProgressMessages") or []:
            for line in message.get("qMessageParameters") or []:
                view.line(str(line))
        view.status(str(data.get("qTransientProgress") or ""))
        errors.extend(data.get("qErrorData") or [])

    try:
        ok = doc.do_reload_ex(progress).get("qSuccess")
    finally:
        view.close()
    if ok:
        make_bookmarks(doc, project)
    doc.do_save()
    if not ok:
        why = errors[-1].get("qErrorString", "") if errors else "the reload failed"
        print(f"{project.app}: {why}", file=sys.stderr)
        return False
    tables = view.tables
    print(f"built '{app_id}': {len(tables)} tables, {sum(tables.values())} rows, "
          f"{len(project.dimensions)} dimensions, {len(project.measures)} measures, "
          f"{len(project.variables)} variables, {len(project.objects)} objects, "
          f"{len(project.bookmarks)} bookmarks")
    return True


def add(group: click.Group) -> None:
    @command(
        group, "build", "make an app from a project file (YAML)",
        "Make an app from a project file: its id (app), load script (script, or "
        "script-file relative to the project file), connections (name, type, path), "
        "master dimensions (id, title, field or fields) and measures (id, title, "
        "expression), variables (name, definition), objects (QIX properties, as "
        "CreateObject takes them) and bookmarks (id, title, selections: field -> "
        "values). The script runs and the app is saved; a script error is exit 1 "
        "(the app is saved without data).",
        """
        associa build project.yaml
        associa build project.yaml --replace --data-dir ~/apps
        associa build project.yaml --engine ws://localhost:9076
        """,
    )
    @click.argument("project_file", metavar="PROJECT")
    @options.data_dir
    @options.engine
    @click.option("--replace", is_flag=True,
                  help="delete the app of the same id first, when it exists")
    def build_(project_file: str, data_dir: str | None, engine_url: str | None,
               replace: bool) -> int:
        path = Path(project_file)
        project, script = read_project(path)
        base = path.resolve().parent
        engine = None
        if not engine_url:
            engine = open_engine(settings_from(data_dir=data_dir), create=True, write=True)
        with connection(engine_url, engine) as qix:
            if engine is not None:
                exists = engine.app_exists(project.app)
            else:
                exists = any(d.get("qDocId") == project.app for d in qix.get_doc_list())
            try:
                return 0 if build(qix, project, script, base, exists, replace) else 1
            except QixFailure as exc:
                if exc.unreachable:
                    raise
                fail(f"cannot build '{project.app}': {exc}")
