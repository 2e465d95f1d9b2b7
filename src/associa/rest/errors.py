"""The REST API's errors: one exception per HTTP status, one JSON shape for all of them.

Qlik Cloud answers every failed request with ``{"errors": [{"code", "title", "detail",
"status", "source"}]}`` (the ``Error``/``Errors`` schemas of every API in @qlik/api's
type definitions), and the rate-limit page gives the code form: ``HTTP-429`` with the
title "API rate limit reached." (https://qlik.dev/apis/rest/rate-limiting). The codes
here follow that form, ``HTTP-<status>``, for every status::

    ApiError                     the base: status, code, title, detail, source
    ├── BadRequest          400  malformed JSON, wrong types, unknown fields, bad cursors
    ├── Unauthorized        401  no or a bad credential
    ├── Forbidden           403  authenticated, but without the right
    ├── NotFound            404  no such resource (or one the caller may not see)
    ├── MethodNotAllowed    405
    ├── Conflict            409
    ├── PayloadTooLarge     413  the body is over the configured limit
    ├── UnsupportedMedia    415
    └── TooManyRequests     429  over the rate limit (``Retry-After``)

The engine's own errors (``associa.errors``) are translated by ``from_engine_error``: a
missing app is a 404, a right refused a 403, bad parameters a 400, so a handler simply
lets them rise.
"""

from __future__ import annotations

from typing import Any

from associa import errors as engine_errors


class ApiError(Exception):
    """An error answered with the REST error shape."""

    status: int = 500
    title: str = "Internal server error"

    def __init__(self, detail: str = "", *, parameter: str | None = None,
                 pointer: str | None = None, headers: dict[str, str] | None = None,
                 title: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.source: dict[str, str] = {}
        if parameter is not None:
            self.source["parameter"] = parameter
        if pointer is not None:
            self.source["pointer"] = pointer
        self.headers = headers or {}
        self.custom_title = title

    @property
    def code(self) -> str:
        return f"HTTP-{self.status}"

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "title": self.custom_title or self.title,
                               "status": str(self.status)}
        if self.detail:
            out["detail"] = self.detail
        if self.source:
            out["source"] = dict(self.source)
        return out

    def body(self) -> dict[str, Any]:
        return {"errors": [self.entry()]}


class BadRequest(ApiError):
    status = 400
    title = "Bad request"


class Unauthorized(ApiError):
    status = 401
    title = "Unauthorized"


class Forbidden(ApiError):
    status = 403
    title = "Forbidden"


class NotFound(ApiError):
    status = 404
    title = "Not found"


class MethodNotAllowed(ApiError):
    status = 405
    title = "Method not allowed"


class Conflict(ApiError):
    status = 409
    title = "Conflict"


class PayloadTooLarge(ApiError):
    status = 413
    title = "Request entity too large"


class UnsupportedMedia(ApiError):
    status = 415
    title = "Unsupported media type"


class TooManyRequests(ApiError):
    status = 429
    title = "API rate limit reached."


class InternalError(ApiError):
    status = 500
    title = "Internal server error"


BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls for cls in (BadRequest, Unauthorized, Forbidden, NotFound,
                                MethodNotAllowed, Conflict, PayloadTooLarge,
                                UnsupportedMedia, TooManyRequests, InternalError)
}

# engine error class → the REST error it is answered with (the most specific class wins:
# the table is searched along the raised class's MRO)
ENGINE_ERRORS: dict[type[engine_errors.AssociaError], type[ApiError]] = {
    engine_errors.AppNotFound: NotFound,
    engine_errors.NotFound: NotFound,
    engine_errors.AccessDenied: Forbidden,
    engine_errors.AppAlreadyExists: Conflict,
    engine_errors.AlreadyExists: Conflict,
    engine_errors.ReloadInProgress: Conflict,
    engine_errors.AppInvalidName: BadRequest,
    engine_errors.InvalidParameters: BadRequest,
    engine_errors.LanguageError: BadRequest,
    engine_errors.PersistenceReadFailed: BadRequest,
}


def from_engine_error(exc: engine_errors.AssociaError) -> ApiError:
    """The REST error an engine error is answered with (500 for one not in the table)."""
    for cls in type(exc).__mro__:
        target = ENGINE_ERRORS.get(cls)
        if target is not None:
            return target(exc.message)
    return InternalError("The request could not be completed")


def for_status(status: int, detail: str = "") -> ApiError:
    """An error of ``status`` (one Starlette raised: 404 of an unknown path, 405)."""
    err = BY_STATUS.get(status, ApiError)(detail)
    err.status = status
    return err
