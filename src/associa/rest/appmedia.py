"""An app's media over REST: ``/apps/{id}/media/files/{path}`` (read, upload, delete an
image), ``/media/list/{path}`` (a folder's files and folders) and ``/media/thumbnail``
(the image the app's ``qThumbnail`` points at), in the shapes of Qlik Cloud's apps API
(@qlik/api ``apps``: ``AppContentList``).

The files live beside the app (``store/media.py``: plain relative paths to images only,
a size limit per app); a bad path is a 400, a body over the request limit a 413.
Reading needs *consume* on the app, uploading and deleting *edit*. Files are served with
``nosniff`` and a sandboxing Content-Security-Policy, so an SVG runs no script.
"""

from __future__ import annotations

import re
from typing import Literal

from starlette.responses import Response

from associa.app.access import Right
from associa.rest.errors import BadRequest, NotFound, PayloadTooLarge
from associa.rest.models import Shape
from associa.rest.operations import Call, Operation, Reply
from associa.rest.ratelimit import Tier
from associa.store.media import MediaPathInvalid, MediaStore, MediaTooLarge, media_type

IMAGE = "image/*"
SAFE_HEADERS = {"X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                           "sandbox"}
# where a qThumbnail URL points into the app's media
MEDIA_URL = re.compile(r"/media/files/(?P<path>[^?#]+)")


class ListQuery(Shape):
    show: Literal["r", "recursive", "af", "allfolders"] | None = None


class AppContentListItem(Shape):
    id: str
    link: str
    name: str
    type: Literal["image", "folder"]


class AppContentList(Shape):
    library: str
    subpath: str
    data: list[AppContentListItem]


def media(call: Call) -> MediaStore:
    return MediaStore(call.engine.settings.data_dir)


def _image(call: Call, app_id: str, path: str) -> Response:
    try:
        content = media(call).read(app_id, path)
    except MediaPathInvalid as exc:
        raise BadRequest(str(exc.args[-1]), parameter="path") from None
    if content is None:
        raise NotFound(f"No media file {path}")
    return Response(content, media_type=media_type(path), headers=SAFE_HEADERS)


def get_media_file(call: Call) -> Response:
    return _image(call, call.path["appId"], call.path["path"])


def put_media_file(call: Call) -> Reply:
    try:
        media(call).write(call.path["appId"], call.path["path"], call.body)
    except MediaPathInvalid as exc:
        raise BadRequest(str(exc.args[-1]), parameter="path") from None
    except MediaTooLarge as exc:
        raise PayloadTooLarge(str(exc.args[-1])) from None
    return Reply(status=200)


def delete_media_file(call: Call) -> Reply:
    try:
        found = media(call).delete(call.path["appId"], call.path["path"])
    except MediaPathInvalid as exc:
        raise BadRequest(str(exc.args[-1]), parameter="path") from None
    if not found:
        raise NotFound(f"No media file {call.path['path']}")
    return Reply(status=200)


def _list(call: Call, path: str) -> AppContentList:
    app_id = call.path["appId"]
    show: ListQuery = call.query
    recursive = show.show is not None
    try:
        entries = media(call).list(app_id, path, recursive=recursive)
    except MediaPathInvalid as exc:
        raise BadRequest(str(exc.args[-1]), parameter="path") from None
    if entries is None:
        raise NotFound(f"No media folder {path}")
    if show.show in ("r", "recursive"):  # files only
        entries = [e for e in entries if not e.folder]
    return AppContentList(library="default", subpath=path.strip("/"), data=[
        AppContentListItem(
            id=e.path, name=e.name, type="folder" if e.folder else "image",
            link=call.url(f"/apps/{app_id}/media/{'list' if e.folder else 'files'}/{e.path}"))
        for e in entries])


def list_media(call: Call) -> AppContentList:
    return _list(call, call.path["path"])


def list_media_top(call: Call) -> AppContentList:
    return _list(call, "")


def get_thumbnail(call: Call) -> Response:
    """The media file the app's ``qThumbnail`` (its qUrl, or its
    qStaticContentUrlDef's) points at; 404 when it points at none."""
    app_id = call.path["appId"]
    thumb = call.engine.get_app(app_id).properties.get("qThumbnail") or {}
    urls = [thumb.get("qUrl"), (thumb.get("qStaticContentUrlDef") or {}).get("qUrl")]
    for url in urls:
        found = MEDIA_URL.search(url) if isinstance(url, str) else None
        if found is not None:
            return _image(call, app_id, found.group("path"))
    raise NotFound("The app has no thumbnail")


OPERATIONS = [
    Operation("GET", "/apps/{appId}/media/files/{path:path}", get_media_file,
              "An image of the app's media", "apps", response_type=IMAGE,
              right=Right.CONSUME),
    Operation("PUT", "/apps/{appId}/media/files/{path:path}", put_media_file,
              "Upload an image to the app's media", "apps", tier=Tier.TIER2, raw_body=True,
              right=Right.EDIT),
    Operation("DELETE", "/apps/{appId}/media/files/{path:path}", delete_media_file,
              "Delete an image of the app's media", "apps", tier=Tier.TIER2,
              right=Right.EDIT),
    Operation("GET", "/apps/{appId}/media/list", list_media_top,
              "The app's media: files and folders at the top", "apps", query=ListQuery,
              response=AppContentList, right=Right.CONSUME),
    Operation("GET", "/apps/{appId}/media/list/{path:path}", list_media,
              "The app's media: files and folders in a folder", "apps", query=ListQuery,
              response=AppContentList, right=Right.CONSUME),
    Operation("GET", "/apps/{appId}/media/thumbnail", get_thumbnail,
              "The app's thumbnail image", "apps", response_type=IMAGE,
              right=Right.CONSUME),
]
