"""Global (handle -1): what the engine offers around the apps: its grammar for script
editors, connectors, code pages, databases behind a connection string, streams, its
folder, the user it serves, and stopping the process.

Shapes from Qlik's Engine JSON API reference (help.qlik.com, sense-developer,
EngineJSONAPI: models-bnfdef, models-customconnector, models-codepage, models-database,
models-nxstreamlistentry) and the enigma.js schema 12.2027.0 for the parameter and
result names. enigma.js's own integration tests (``global.spec.js``) call GetBNF(0),
GetCustomConnectors and GetSupportedCodePages for arrays and ReloadExtensionList for an
object (reference/ecosystem.md §1.1).
"""

from __future__ import annotations

from typing import Any

from associa.app.connections import CONNECTION_TYPES
from associa.errors import InvalidParameters, NotImplementedInEngine
from associa.qix.dispatch import method, p
from associa.qix.session import Call
from associa.script import grammar
from associa.script.sources.database import DatabaseError, database_kind, postgres_params
from associa.script.sources.delimited import code_pages

# qBnfType as sent: enigma.js's schema gives 0 as the default; the JSON API names S and E
_BNF_TYPES = {0: grammar.SCRIPT, 1: grammar.EXPRESSION, "S": grammar.SCRIPT,
              "E": grammar.EXPRESSION}

# the connection types CreateConnection accepts, as the connectors a data load editor
# offers (app/connections.py): provider = the qType to give
_CONNECTORS = {
    "folder": "Folder of files",
    "duckdb": "DuckDB database file",
    "sqlite": "SQLite database file",
    "postgresql": "PostgreSQL",
}


def _bnf_type(value: Any) -> str:
    kind = None
    if isinstance(value, str):
        kind = _BNF_TYPES.get(value.upper())
    elif isinstance(value, int) and not isinstance(value, bool):
        kind = _BNF_TYPES.get(value)
    if kind is None:
        raise InvalidParameters("qBnfType", "qBnfType is S (script) or E (expression)")
    return kind


@method("Global", "GetBNF", p("qBnfType", "any", grammar.SCRIPT), out=("qBnfDefs",))
def get_bnf(call: Call, qBnfType: Any) -> list[dict[str, Any]]:
    return list(grammar.bnf_defs(_bnf_type(qBnfType)))


@method("Global", "GetBaseBNF", p("qBnfType", "any", grammar.SCRIPT),
        out=("qBnfDefs", "qBnfHash"))
def get_base_bnf(call: Call, qBnfType: Any) -> dict[str, Any]:
    kind = _bnf_type(qBnfType)
    return {"qBnfDefs": list(grammar.bnf_defs(kind)), "qBnfHash": grammar.bnf_hash(kind)}


@method("Global", "GetBaseBNFHash", p("qBnfType", "any", grammar.SCRIPT), out=("qBnfHash",))
def get_base_bnf_hash(call: Call, qBnfType: Any) -> str:
    return grammar.bnf_hash(_bnf_type(qBnfType))


@method("Global", "GetBaseBNFString", p("qBnfType", "any", grammar.SCRIPT),
        out=("qBnfStr", "qBnfHash"))
def get_base_bnf_string(call: Call, qBnfType: Any) -> dict[str, Any]:
    kind = _bnf_type(qBnfType)
    return {"qBnfStr": grammar.bnf_text(kind), "qBnfHash": grammar.bnf_hash(kind)}


@method("Global", "GetCustomConnectors", p("qReloadList", "bool", False),
        out=("qConnectors",))
def get_custom_connectors(call: Call, qReloadList: bool) -> list[dict[str, Any]]:
    return [{"qProvider": ctype, "qParent": "", "qDisplayName": _CONNECTORS[ctype],
             "qMachineMode": "CONNECT_DEFAULT", "qSupportFileStreaming": ctype == "folder"}
            for ctype in CONNECTION_TYPES]


@method("Global", "ReloadExtensionList")
def reload_extension_list(call: Call) -> None:
    """Nothing to reload: the engine has no extension folder (connectors are built in)."""


@method("Global", "GetSupportedCodePages", out=("qCodePages",))
def get_supported_code_pages(call: Call) -> list[dict[str, Any]]:
    """The code pages a LOAD's ``codepage is N`` reads (``script/sources/delimited.py``)."""
    return [{"qNumber": number, "qName": name, "qDescription": f"Code page {number} ({name})"}
            for number, name in code_pages().items()]


def _connection(qConnection: dict[str, Any]) -> tuple[str, str]:
    ctype = qConnection.get("qType") or "folder"
    target = qConnection.get("qConnectionString") or ""
    if not isinstance(ctype, str) or not isinstance(target, str):
        raise InvalidParameters("qConnection", "qType and qConnectionString are strings")
    kind = database_kind(ctype)
    if kind is None:
        raise InvalidParameters("qType", f"Connection type '{ctype}' has no databases "
                                         f"(database types: duckdb, sqlite, postgresql)")
    if not target.strip():
        raise InvalidParameters("qConnectionString", "A database connection needs a string")
    return kind, target


@method("Global", "GetDatabasesFromConnectionString", p("qConnection", "obj"),
        out=("qDatabases",))
def get_databases_from_connection_string(call: Call,
                                         qConnection: dict[str, Any]) -> list[dict[str, Any]]:
    """The databases a connection string names, read from the string alone: a Global
    call has no app, so it opens nothing (no file is touched, no server reached). A
    DuckDB or SQLite file holds one database, ``main``; a PostgreSQL string names its
    ``dbname`` (the server's default, the user's name, when it names none)."""
    kind, target = _connection(qConnection)
    if kind != "postgresql":
        return [{"qName": "main", "qIsDefault": True}]
    try:
        params = postgres_params(target)
    except DatabaseError as exc:
        raise InvalidParameters("qConnectionString", exc.message) from None
    name = params.get("dbname") or params.get("user") or qConnection.get("qUserName") or ""
    return [{"qName": str(name), "qIsDefault": True}]


@method("Global", "IsValidConnectionString", p("qConnection", "obj"), out=("qReturn",))
def is_valid_connection_string(call: Call, qConnection: dict[str, Any]) -> bool:
    try:
        get_databases_from_connection_string(call, qConnection)
    except InvalidParameters:
        return False
    return True


@method("Global", "GetStreamList", out=("qStreamList",))
def get_stream_list(call: Call) -> list[dict[str, Any]]:
    """Streams are Qlik Sense's publishing places; this engine has none (spaces come with
    the REST API), as Qlik's engine without a repository."""
    return []


@method("Global", "GetDefaultAppFolder", out=("qPath",))
def get_default_app_folder(call: Call) -> str:
    """Where apps are kept: the data folder's ``apps``."""
    return str(call.session.engine.store.root.resolve())


@method("Global", "GetAuthenticatedUser", out=("qReturn",))
def authenticated_user(call: Call) -> str:
    """The session's user, as Qlik writes one: ``UserDirectory=X; UserId=Y``."""
    return call.session.identity.qualified


@method("Global", "ShutdownProcess")
def shutdown_process(call: Call) -> None:
    """Stop the engine (engine administrators only: ``qix/rights.py``); the server ends
    its sessions and closes the sockets as at any stop."""
    if not call.session.engine.request_shutdown():
        raise NotImplementedInEngine("ShutdownProcess", "No server process to stop")
