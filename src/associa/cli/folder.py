"""The data folder and its apps, the settings of a command, and the QIX connection a
command works through: a session of an in-process engine over the data folder, or a
running engine (``--engine ws://host:port``)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from associa.cli.output import UNREACHABLE, USAGE, fail
from associa.cli.remote import Doc, Qix, QixFailure
from associa.errors import AssociaError
from associa.settings import SWITCHES, Settings

if TYPE_CHECKING:
    from associa.app.app import App
    from associa.engine import Engine


# -- the data folder and its apps -------------------------------------------------------


def settings_from(settings_file: str | None = None, switches: list[str] | None = None,
                  **flags: object) -> Settings:
    """The settings of a command: file < environment < ``-S`` < flags. A flag's text is
    parsed by its switch's parser (one message for a bad value, however it was given)."""
    try:
        parsed = {}
        for switch in SWITCHES:
            raw = flags.pop(switch.attr, None) if switch.flag else None
            if raw is not None:
                parsed[switch.attr] = switch.parse(str(switch.flag), str(raw))
        return Settings.load(settings_file, switches or (), overrides={**flags, **parsed})
    except AssociaError as exc:  # a malformed variable, switch or file
        fail(exc.message, 2)


def data_folder(path: Path, create: bool, write: bool) -> Path:
    """The data folder, checked: created when ``create`` and its parent exists (a typo
    in a deeper path is an error, not a new tree of folders); writable when ``write``."""
    folder = path.expanduser().resolve()
    if not folder.exists():
        if not create:
            fail(f"data folder {folder} does not exist (choose one with --data-dir)")
        if not folder.parent.is_dir():
            fail(f"data folder {folder} cannot be created: {folder.parent} does not exist "
                 "(create it, or choose another folder with --data-dir)")
        try:
            folder.mkdir()
        except OSError as exc:
            fail(f"data folder {folder} cannot be created: {exc.strerror or exc}")
    if not folder.is_dir():
        fail(f"data folder {folder} is not a folder (choose another with --data-dir)")
    if write:
        try:
            (folder / "apps").mkdir(exist_ok=True)
            with tempfile.TemporaryFile(dir=folder / "apps"):
                pass
        except OSError as exc:
            fail(f"data folder {folder} is not writable: {exc.strerror or exc}")
    return folder


def open_engine(settings: Settings, create: bool, write: bool) -> Engine:
    from associa.engine import Engine

    folder = data_folder(settings.data_dir, create, write)
    try:
        return Engine(replace(settings, data_dir=folder))
    except OSError as exc:
        fail(f"data folder {folder} cannot be used: {exc.strerror or exc}")


def open_app(engine: Engine, app_id: str) -> App:
    """A saved app, or a one-line failure naming the folder searched or the bad file."""
    folder = engine.settings.data_dir
    if not engine.app_exists(app_id):
        fail(f"app '{app_id}' not found in {folder}")
    try:
        return engine.get_app(app_id)
    except Exception as exc:  # noqa: BLE001 - any damage to the file: one line, no traceback
        reason = exc.message if isinstance(exc, AssociaError) else f"{type(exc).__name__}: {exc}"
        fail(f"app '{app_id}' cannot be read from {engine.store.path(app_id)}: {reason}")


def check_app_files(engine: Engine) -> None:
    damaged = engine.store.damaged()
    if damaged:
        path, reason = damaged[0]
        more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
        fail(f"app file {path} cannot be read: {reason}{more}; "
             "move it out of the data folder to start without it")



def local_engine(data_dir: str | None, write: bool = False) -> Engine:
    """The engine over an existing data folder (``--data-dir``, ASSOCIA_DATA_DIR)."""
    return open_engine(settings_from(data_dir=data_dir), create=False, write=write)


def app_engine(app_id: str, data_dir: str | None, write: bool = False) -> Engine:
    """The engine over the data folder that holds the saved app ``app_id`` (checked)."""
    folder = settings_from(data_dir=data_dir).data_dir.expanduser().resolve()
    if not folder.is_dir():
        fail(f"app '{app_id}' not found in {folder} (the folder does not exist)")
    engine = local_engine(data_dir, write)
    open_app(engine, app_id)
    return engine


@contextmanager
def connection(engine_url: str | None, engine: Engine | None = None) -> Iterator[Qix]:
    """QIX to the engine at ``engine_url``, or to ``engine`` in process; a failed
    connection ends the command (exit 3)."""
    try:
        if engine_url:
            if not engine_url.startswith(("ws://", "wss://")):
                fail(f"--engine wants a ws:// or wss:// URL, not '{engine_url}'", USAGE)
            with Qix.remote(engine_url) as qix:
                yield qix
        else:
            assert engine is not None
            with Qix.local(engine) as qix:
                yield qix
    except QixFailure as exc:
        fail(str(exc), UNREACHABLE if exc.unreachable else 1)


@contextmanager
def opened(app_id: str, data_dir: str | None, engine_url: str | None,
           write: bool = False) -> Iterator[Doc]:
    """The app ``app_id`` opened over QIX; an unknown app is a one-line failure."""
    engine = None if engine_url else app_engine(app_id, data_dir, write)
    with connection(engine_url, engine) as qix:
        try:
            doc = qix.open_doc(app_id)
        except QixFailure as exc:
            if exc.unreachable:
                raise
            fail(f"app '{app_id}' cannot be opened: {exc}")
        yield doc
