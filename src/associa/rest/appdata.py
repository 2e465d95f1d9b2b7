"""An app's data model and script over REST: ``/apps/{id}/data/metadata``, ``/lineage`` and
``/apps/{id}/scripts`` (script versions).

``data/summary`` (associa's own) gives the data tables, their rows and fields, now and
before the last reload (``app/summary.py``: what ``associa diff --engine`` compares).
``data/lineage`` lists the sources the last reload read (Qlik's LineageInfo: the
discriminator and the statement). ``data/metadata`` answers Qlik's ``DataModelMetadata`` (@qlik/api ``apps``): each field
(name, tables, cardinal, tags, size, whether hidden, system or numeric), each table (rows,
fields, key fields, size, loose), whether Section Access is on, the static size of
the model in bytes (the arrays that hold it), and what the last reload cost
(``reload_meta``: CPU time, peak memory, hardware; ``app/reloadmeta.py``).

Script versions: ``POST /scripts`` sets the app's script and keeps the text as a version
(with its message, author and time); ``GET /scripts`` lists the versions newest first,
paged; ``GET /scripts/{id}`` gives one back.
"""

from __future__ import annotations

from pydantic import Field, RootModel

from associa.app.access import Right
from associa.app.section_access import open_view
from associa.app.summary import model_summary
from associa.rest.apps import iso
from associa.rest.errors import NotFound
from associa.rest.models import Links, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import MAX_LIMIT, paginate
from associa.rest.ratelimit import Tier


class FieldMetadata(Shape):
    name: str
    src_tables: list[str]
    is_system: bool
    is_hidden: bool
    is_semantic: bool = False
    distinct_only: bool = False
    cardinal: int
    total_count: int
    is_locked: bool = False
    always_one_selected: bool = False
    is_numeric: bool
    comment: str = ""
    tags: list[str]
    byte_size: int


class TableMetadata(Shape):
    name: str
    is_system: bool
    is_semantic: bool = False
    is_loose: bool
    no_of_rows: int
    no_of_fields: int
    no_of_key_fields: int
    comment: str = ""
    byte_size: int


class HardwareMeta(Shape):
    logical_cores: int
    total_memory: int


class LastReloadMetadata(Shape):
    """What the last reload cost (``app/reloadmeta.py`` says how each is measured);
    empty before the app's first reload."""

    cpu_time_spent_ms: int | None = None
    hardware: HardwareMeta | None = None
    peak_memory_bytes: int | None = None
    fullReloadPeakMemoryBytes: int | None = None
    partialReloadPeakMemoryBytes: int | None = None


class DataModelMetadata(Shape):
    fields: list[FieldMetadata]
    tables: list[TableMetadata]
    has_section_access: bool
    is_direct_query_mode: bool = False
    reload_meta: LastReloadMetadata
    static_byte_size: int
    usage: str = "ANALYTICS"


class TableSummary(Shape):
    rows: int
    fields: list[str]


class ModelSummary(Shape):
    tables: dict[str, TableSummary]


class DataSummary(Shape):
    """associa's own: the data tables of the model now and of the one the last reload
    replaced (left out before the first reload), what ``associa diff --engine`` compares."""

    current: ModelSummary
    previous: ModelSummary | None = None


class LineageInfoRest(Shape):
    discriminator: str
    statement: str


class Lineage(RootModel[list[LineageInfoRest]]):
    """A bare JSON array, as Qlik answers it."""


class ScriptVersion(Strict):
    script: str = Field(max_length=16 * 1024 * 1024)
    versionMessage: str | None = Field(default=None, max_length=1024)


class ScriptAnswer(Shape):
    script: str
    versionMessage: str
    scriptId: str
    modifiedTime: str
    modifierId: str
    size: int


class ScriptMeta(Shape):
    scriptId: str
    versionMessage: str
    modifiedTime: str
    modifierId: str
    size: int


class ScriptMetaList(Shape):
    scripts: list[ScriptMeta]
    links: Links


class PageQuery(Shape):
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    next: str | None = None
    prev: str | None = None


def get_data_metadata(call: Call) -> DataModelMetadata:
    app_id = call.path["appId"]
    app = call.engine.get_app(app_id)
    # what the caller may see of it: its Section Access reduction, without the fields it
    # omits (SectionAccessDenied, 4000 → 403, when the app does not let the user in)
    model = open_view(app, call.identity)()
    fields = []
    for name, fld in model.fields.items():
        rows = sum(model.tables[t].nrows for t in fld.tables if t in model.tables)
        nums = fld.symbols.nums[:-1]  # the last slot is NULL's
        numeric = bool(len(nums)) and bool((nums == nums).all())
        fields.append(FieldMetadata(
            name=name, src_tables=list(fld.tables), is_system=fld.system,
            is_hidden=fld.hidden or fld.system, cardinal=fld.cardinal, total_count=rows,
            is_numeric=numeric, tags=fld.tags(), byte_size=int(fld.symbols.nbytes)))
    tables = []
    for name, table in model.tables.items():
        tables.append(TableMetadata(
            name=name, is_system=name.startswith("$") and name not in model.synthetic_tables,
            is_loose=name in model.loose_tables, no_of_rows=table.nrows,
            no_of_fields=len(table.fields),
            no_of_key_fields=sum(1 for f in table.fields if model.fields[f].is_key),
            byte_size=int(table.columns.nbytes)))
    size = sum(f.byte_size for f in fields) + sum(t.byte_size for t in tables)
    return DataModelMetadata(fields=fields, tables=tables,
                             has_section_access=bool(app.section_access),
                             reload_meta=LastReloadMetadata.model_validate(app.reload_meta),
                             static_byte_size=size)


def get_data_summary(call: Call) -> DataSummary:
    """The whole model, not a Section Access reduction of it: it needs *edit* (whoever
    may change the script may read every row)."""
    app = call.engine.get_app(call.path["appId"])
    previous = app.previous_summary
    return DataSummary(current=ModelSummary.model_validate(model_summary(app.model)),
                       previous=None if previous is None
                       else ModelSummary.model_validate(previous))


def get_data_lineage(call: Call) -> Lineage:
    """What the last reload read and stored (``script/lineage.py``), in script order."""
    app = call.engine.get_app(call.path["appId"])
    return Lineage([LineageInfoRest(discriminator=d, statement=s) for d, s in app.lineage])


def get_scripts(call: Call) -> ScriptMetaList:
    app_id = call.path["appId"]
    query: PageQuery = call.query
    versions = call.engine.items.scripts(app_id)
    page, links = paginate(call.request, versions, query.limit, query.next, query.prev)
    return ScriptMetaList(scripts=[
        ScriptMeta(scriptId=v.id, versionMessage=v.version_message,
                   modifiedTime=iso(v.modified) or "", modifierId=v.modifier_id,
                   size=len(v.script.encode("utf-8"))) for v in page], links=links)


def add_script(call: Call) -> Reply:
    app_id = call.path["appId"]
    body: ScriptVersion = call.body
    app = call.engine.get_app(app_id)
    app.set_script(body.script)
    call.engine.save_app(app)
    call.engine.items.add_script(app_id, body.script, body.versionMessage or "",
                                 "" if call.identity.anonymous else call.identity.user_id)
    return Reply(status=200)


def get_script(call: Call) -> ScriptAnswer:
    app_id = call.path["appId"]
    found = call.engine.items.script(app_id, call.path["id"])
    if found is None:
        raise NotFound(f"No script version {call.path['id']}")
    return ScriptAnswer(script=found.script, versionMessage=found.version_message,
                        scriptId=found.id, modifiedTime=iso(found.modified) or "",
                        modifierId=found.modifier_id,
                        size=len(found.script.encode("utf-8")))


OPERATIONS = [
    Operation("GET", "/apps/{appId}/data/metadata", get_data_metadata,
              "An app's data model: fields, tables, sizes", "apps",
              response=DataModelMetadata,
              right=Right.CONSUME),
    Operation("GET", "/apps/{appId}/data/summary", get_data_summary,
              "associa: the data tables now and before the last reload", "apps",
              response=DataSummary,
              right=Right.EDIT),
    Operation("GET", "/apps/{appId}/data/lineage", get_data_lineage,
              "Where the last reload's data came from", "apps", response=Lineage,
              right=Right.CONSUME),
    Operation("GET", "/apps/{appId}/scripts", get_scripts, "An app's script versions",
              "apps", query=PageQuery, response=ScriptMetaList,
              right=Right.EDIT),
    Operation("POST", "/apps/{appId}/scripts", add_script,
              "Set an app's script and keep it as a version", "apps", tier=Tier.TIER2,
              body=ScriptVersion,
              right=Right.EDIT),
    Operation("GET", "/apps/{appId}/scripts/{id}", get_script, "One script version",
              "apps", response=ScriptAnswer,
              right=Right.EDIT),
]
