"""One exception tree for the whole engine.

Every error a client can cause is an ``AssociaError``; each class carries the QIX error
code it is reported with, and renders itself as a JSON-RPC error object
(``{"code", "parameter", "message"}``). Classes also inherit the fitting built-in so that
callers can catch either::

    AssociaError
    ├── ProtocolError                 -32603  JSON-RPC level
    │   ├── InternalError             -32603  a bug in the engine (logged with its trace)
    │   ├── ParseError                -32700  malformed JSON
    │   ├── InvalidRequest            -32600  not a request
    │   ├── MethodNotFound            -32601  unknown method for the handle's class
    │   └── InvalidHandle             -32602  unknown or closed handle, bad param types
    ├── NotFound (KeyError)           2       a named resource is missing
    │   ├── FieldNotFound             2       parameter: the field's name
    │   ├── AppNotFound               1003
    │   │   └── AppGone                1003    the URL's app is missing or was deleted: 4204
    │   └── ConnectionNotFound        2001
    ├── AlreadyExists                 3
    ├── InvalidPath                   4
    ├── AccessDenied (PermissionError) 5
    │   ├── SectionAccessDenied       4000    Section Access refuses the user at OpenDoc
    │   ├── AppAccessDenied           5       the identity may not open or change the app
    │   │   └── AppAccessRefused      5       no right to open the URL's app: socket closes 4203
    │   └── AuthenticationFailed      401     no valid credential on the upgrade (HTTP 401)
    ├── InvalidParameters (ValueError) 8
    │   ├── RequestMalformed          8       a malformed URL or upgrade: socket closes 4202
    │   ├── ConnectionAlreadyExists   2000    a connection of that name exists
    │   └── ConnectionNameInvalid     2004    empty, too long or with a "/"
    ├── Aborted                       15      request cancelled
    ├── MemoryLimitReached            19      too many apps in memory: socket closes 4230
    ├── EngineBusy                    429     a limit on sessions or reloads: socket closes 4205
    ├── NotImplementedInEngine        20
    ├── AppAlreadyExists              1000
    ├── AppInvalidName                1001
    ├── AppAlreadyOpen                1002
    ├── AppInvalid                    1007    no active document
    ├── HyperCubeModeError            6000    a data call that does not fit the cube's mode
    ├── ModalObjectError              6003    another object is in modal selection mode
    ├── PagesTooLarge                 7009
    ├── ExtendsInvalidId              8000    qExtendsId names no object, a session object or a cycle
    ├── ExportNoData                  13001   ExportData of a table without rows
    ├── PersistenceError (OSError)    9000    writing an app failed
    │   └── PersistenceReadFailed     9001    an app file cannot be read
    ├── SessionAppNotPersistent       9009
    ├── ReloadInProgress              11000
    ├── VariableNoName                18000   a variable made without a name
    ├── VariableDuplicateName         18001   a variable of that name exists
    └── LanguageError                 8       script and expression errors, with position
        ├── ScriptError               11002   a load script failed (line, column, statement)
        │   ├── LibConnectionNotFound 11015   LIB CONNECT TO a connection that does not exist
        │   ├── ReloadOpenFileError   11020   a file the script reads cannot be opened
        │   ├── LibPathNotFound       11024   lib://<name>: no connection of that name
        │   ├── ReloadTimeLimit       11002   the reload ran past its time limit
        │   ├── LibPathOutside (AccessDenied) 11026  the path leaves the connection's folder
        │   └── SpaceDataDenied (AccessDenied) 11002  a space's connection the reloading user
        │                                             may not use
        └── ExpressionError           8       an expression does not parse or evaluate

An error that also ends the socket (the close codes of Qlik's engine proxy, as
@qlik/api lists them and https://qlik.dev/apis/json-rpc/ describes) mixes in
``Refusal``: its ``close_code`` and ``close_reason`` are what the socket closes with,
after the request that met it (if any) is answered.

Each code is a class: an error is raised as the class whose code it is reported with,
never by setting ``code`` on an instance. ``script_error`` gives the ScriptError class of
an error met while a statement ran (another engine error keeps its code in a subclass of
ScriptError made for it).
"""

from __future__ import annotations

from typing import Any


class AssociaError(Exception):
    """Root of every error the engine raises on purpose."""

    code: int = -1
    default_message: str = "Unknown error"

    def __init__(self, parameter: str = "", message: str | None = None) -> None:
        self.parameter = parameter
        self.message = message or self.default_message
        super().__init__(f"{parameter}: {self.message}" if parameter else self.message)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "parameter": self.parameter, "message": self.message}


class ProtocolError(AssociaError):
    code = -32603
    default_message = "Internal error"
    request_id: Any = None  # the request's id, when it could be read


class InternalError(ProtocolError):
    code = -32603
    default_message = "Internal error"


class ParseError(ProtocolError):
    code = -32700
    default_message = "JSON parse error"


class InvalidRequest(ProtocolError):
    code = -32600
    default_message = "Invalid JSON request"


class MethodNotFound(ProtocolError):
    code = -32601
    default_message = "Method not found"


class InvalidHandle(ProtocolError):
    code = -32602
    default_message = "Invalid Params"


class Refusal:
    """Mixed into an error that closes the socket: with ``close_code`` and the reason
    text Qlik's clients show for it (@qlik/api ``closeCodeMessages``)."""

    close_code: int = 4200
    close_reason: str = "Engine error"


class NotFound(AssociaError, KeyError):
    code = 2
    default_message = "Resource not found"

    def __str__(self) -> str:  # KeyError would quote the text
        return Exception.__str__(self)


class FieldNotFound(NotFound):
    """A field name that is not in the data model. The engine answers with the spec's
    message for code 2 and the name as the parameter, like every error on the wire
    (``{"code": 2, "parameter": "Nosuch", "message": "Resource not found"}``)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)


class AppNotFound(NotFound):
    code = 1003
    default_message = "App not found"


class AppGone(AppNotFound, Refusal):
    """The app a URL names (a session app's template, ``?from=``) does not exist, or the
    open app was deleted: 4204, "app id in the URL is incorrect or the app has been
    deleted" (https://qlik.dev/apis/json-rpc/)."""

    close_code = 4204
    close_reason = "App not found or deleted"


class ConnectionNotFound(NotFound):
    code = 2001
    default_message = "Connection not found"


class AlreadyExists(AssociaError):
    code = 3
    default_message = "Resource already exists"


class InvalidPath(AssociaError):
    code = 4
    default_message = "Invalid path"


class AccessDenied(AssociaError, PermissionError):
    code = 5
    default_message = "Access denied"


class SectionAccessDenied(AccessDenied):
    """USER_ACCESS_DENIED: the app's Section Access does not let the user open it (not
    listed, no valid ACCESS, or strict exclusion: no reduction value found in the data);
    ``app/section_access.py``."""

    code = 4000
    default_message = "User access denied"


class AppAccessDenied(AccessDenied):
    """The session's identity lacks the right a call needs on an app (``app/access.py``):
    QIX error 5, "Access denied" (qix-api.md: "The JWT user or section access forbids the
    object or method"). A socket whose URL names an app its identity may not open is
    closed with 4203 instead (@qlik/api's close codes: no permission to open the app)."""

    code = 5


class AuthenticationFailed(AccessDenied):
    """The WebSocket upgrade carries no credential the engine accepts (a token that does
    not verify, an untrusted X-Qlik-User, an unknown API key): refused with HTTP 401
    before any socket exists, as Qlik's engine does. ``parameter`` names the kind of
    failure for the server's log (``expired``, ``signature``, ...); the client is told
    only "Unauthorized"."""

    code = 401  # LocalizedErrorCode HTTP_401
    default_message = "Unauthorized"


class AppAccessRefused(AppAccessDenied, Refusal):
    """The user may not open the app (access rules, Section Access): the socket closes
    with 4203, "no permission to open the app". A refused *call* is plain AccessDenied."""

    close_code = 4203
    close_reason = "No permission to open the app"


class InvalidParameters(AssociaError, ValueError):
    code = 8
    default_message = "Invalid parameters"


class RequestMalformed(InvalidParameters, Refusal):
    """A WebSocket URL or upgrade the engine cannot read (a TTL that is not a number,
    control characters, an oversized id or header): 4202, "bad or malformed request"."""

    close_code = 4202
    close_reason = "Malformed request"


class ConnectionAlreadyExists(InvalidParameters):
    code = 2000
    default_message = "Connection already exists"


class ConnectionNameInvalid(InvalidParameters):
    code = 2004
    default_message = "Connection name is invalid"


class Aborted(AssociaError):
    code = 15
    default_message = "Request aborted"


class MemoryLimitReached(AssociaError, Refusal):
    """No room for another app in memory (MaxAppsInMemory, every loaded app in use):
    GENERIC_MEMORY_LIMIT_REACHED, and the socket closes with 4230."""

    code = 19
    default_message = "Memory limit reached"
    close_code = 4230
    close_reason = "Too many open apps"


class EngineBusy(AssociaError, Refusal):
    """A limit on sessions or concurrent reloads is reached: the engine's HTTP_429
    code ("Too Many Requests"), and the socket closes with 4205, "too many requests"."""

    code = 429
    default_message = "Too Many Requests"
    close_code = 4205
    close_reason = "Engine busy: too many requests"


class NotImplementedInEngine(AssociaError):
    code = 20
    default_message = "Not implemented"


class AppAlreadyExists(AssociaError):
    code = 1000
    default_message = "App already exists"


class AppInvalidName(AssociaError):
    code = 1001
    default_message = "Invalid app name"


class AppAlreadyOpen(AssociaError):
    code = 1002
    default_message = "App already open"


class AppInvalid(AssociaError):
    code = 1007
    default_message = "App invalid"


class HyperCubeModeError(AssociaError):
    """A data or selection call that does not fit the cube's mode: a pivot call on a
    straight cube, a straight page of a pivot (HC_INVALID_OBJECT)."""

    code = 6000
    default_message = "Invalid hypercube object"


class ModalObjectError(AssociaError):
    """BeginSelections on an object while another object holds the doc's modal mode
    (LOCERR_HC_MODAL_OBJECT_ERROR)."""

    code = 6003
    default_message = "Function not allowed on this object in app modal mode"


class PagesTooLarge(AssociaError):
    code = 7009
    default_message = "Calculation pages too large"


class ExtendsInvalidId(AssociaError):
    """``qExtendsId`` names an object that does not exist, a session object (the linked
    object "cannot be a transient object"), or the object itself through a chain
    (LOCERR_LAYOUT_EXTENDS_INVALID_ID)."""

    code = 8000
    default_message = "Invalid extends id for properties"


class ExportNoData(AssociaError):
    """ExportData of a table with no rows (LOCERR_EXPORT_NO_DATA)."""

    code = 13001
    default_message = "No data"


class SessionAppNotPersistent(AssociaError):
    code = 9009
    default_message = "Unknown error"


class PersistenceError(AssociaError, OSError):
    code = 9000
    default_message = "Write Failed"

    def __str__(self) -> str:
        return Exception.__str__(self)


class PersistenceReadFailed(PersistenceError):
    code = 9001
    default_message = "Read Failed"


class ReloadInProgress(AssociaError):
    code = 11000
    default_message = "Reload in progress"


class VariableNoName(AssociaError):
    """CreateVariableEx or CreateSessionVariable with an empty ``qName``
    (LOCERR_VARIABLE_NO_NAME)."""

    code = 18000
    default_message = "Variable must have a name"


class VariableDuplicateName(AssociaError):
    """A variable made or renamed to a name another variable has
    (LOCERR_VARIABLE_DUPLICATE_NAME)."""

    code = 18001
    default_message = "Variable already exists"


class LanguageError(AssociaError):
    """An error in script or expression text, with its position (1-based)."""

    code = 8
    default_message = "Syntax error"

    def __init__(
        self,
        message: str,
        *,
        text: str = "",
        line: int = 0,
        column: int = 0,
        statement: str = "",
    ) -> None:
        self.text = text
        self.offset = -1  # offset in ``text`` when known
        self.line = line
        self.column = column
        self.statement = statement
        where = f" (line {line}, column {column})" if line else ""
        super().__init__("", f"{message}{where}")
        self.detail = message

    def caret(self) -> str:
        """The offending line with a caret under the column."""
        if not self.text or not self.line:
            return ""
        lines = self.text.splitlines()
        if self.line > len(lines):
            return ""
        src = lines[self.line - 1]
        return f"{src}\n{' ' * max(self.column - 1, 0)}^"


class ScriptError(LanguageError):
    code = 11002
    default_message = "Script error"


class LibConnectionNotFound(ScriptError):
    code = 11015
    default_message = "Connection not found"


class ReloadOpenFileError(ScriptError):
    code = 11020
    default_message = "Cannot open file"


class LibPathNotFound(ScriptError):
    code = 11024
    default_message = "No connection matches the lib:// path"


class LibPathOutside(ScriptError, AccessDenied):
    """A lib:// path that leads out of its connection's folder; also an AccessDenied
    (and so a PermissionError) for callers that catch those."""

    code = 11026
    default_message = "The path is outside the connection's folder"


class SpaceDataDenied(ScriptError, AccessDenied):
    """A script that names a space's connection (``lib://Sales:DataFiles/...``, ``LIB
    CONNECT TO 'Sales:db'``) which the reloading user may not use: not a member of the
    space, or a member whose roles do not include data use. The reload stops; nothing
    of the app changes."""

    default_message = "The space's data connections may not be used"


class ReloadTimeLimit(ScriptError):
    """A reload that ran past its time limit (an endless loop, say): stopped where it was,
    never ignored by ErrorMode 0."""

    default_message = "Reload time limit reached"


_SCRIPT_ERRORS: dict[int, type[ScriptError]] = {
    cls.code: cls for cls in (ScriptError, LibConnectionNotFound, ReloadOpenFileError,
                              LibPathNotFound, LibPathOutside)
}


def script_error_class(code: int) -> type[ScriptError]:
    """The ScriptError class reported with ``code``: one of the reload errors above, or,
    for an engine error of another code met while a statement ran (a callback raised
    ConnectionNotFound, 2001), a subclass of ScriptError made once for that code
    (``ScriptError2001``), so that the reload still reports the error's own code."""
    cls = _SCRIPT_ERRORS.get(code)
    if cls is None:
        cls = _SCRIPT_ERRORS.setdefault(
            code, type(f"ScriptError{code}", (ScriptError,), {"code": code, "__module__": __name__})
        )
    return cls


def script_error(
    code: int, message: str, *, text: str = "", line: int = 0, column: int = 0,
    statement: str = "",
) -> ScriptError:
    """A ScriptError of the class for ``code`` (``script_error_class``) at a place in a
    script."""
    return script_error_class(code)(message, text=text, line=line, column=column,
                                    statement=statement)


class ExpressionError(LanguageError):
    code = 8
    default_message = "Error in expression"
