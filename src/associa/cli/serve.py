"""``associa serve``: run the engine (QIX over WebSocket, the REST API). Every setting
is a switch (``associa.settings.SWITCHES``): -S Name=value, a settings file, a variable,
or the switch's own flag; the serve help lists them all, generated from the table."""

from __future__ import annotations

import textwrap

import click

from associa.cli.folder import (
    check_app_files,
    data_folder,
    open_app,
    open_engine,
    settings_from,
)
from associa.cli.options import command
from associa.cli.output import USAGE, fail
from associa.errors import AssociaError
from associa.settings import SWITCHES, Settings, Switch


def default_text(switch: Switch) -> str:
    value = getattr(Settings(), switch.attr)
    return str(value) if value != "" else "none"


def switches_help() -> str:
    """The serve help's list of every switch: name, variable, default, what it does
    (generated from the table, so it cannot fall behind)."""
    out = ["settings (-S Name=value, a settings file, or the variable):"]
    for switch in SWITCHES:
        out.append(f"  {switch.name} (env {switch.env}; default {default_text(switch)})")
        out.extend(textwrap.wrap(switch.help, 74, initial_indent="      ",
                                 subsequent_indent="      "))
    return "\n".join(out)


def switch_flag_help(switch: Switch) -> str:
    return (f"{switch.help} (-S {switch.name}; env {switch.env}; "
            f"default {default_text(switch)})")


def add(group: click.Group) -> None:
    @command(
        group, "serve", "run the engine (QIX over WebSocket)",
        "Run the engine: Qlik clients connect to ws://HOST:PORT/app/<app id>. "
        "Prints 'associa listening on ws://HOST:PORT' once it accepts connections; logs "
        "go to stderr. Every setting is a switch given as -S Name=value, in a settings "
        "file (--settings-file) or as an environment variable; the command line wins, "
        "then the environment, then the file.",
        """
        associa serve --demo
        associa serve --port 9077 --data-dir ~/apps --log-format json
        associa serve -S SessionTTL=60 -S MaxSessionTTL=600
        associa serve --settings-file Settings.ini   # [Settings 7] with Name=value lines
        ASSOCIA_PORT=0 associa serve        # a free port, printed at start
        """,
        switches_help(),
    )
    @click.option("-S", "--set", "switches", multiple=True, metavar="NAME=VALUE",
                  help="set a switch (repeatable): any of the settings listed below")
    @click.option("--settings-file", metavar="FILE", default=None,
                  help="read switches from FILE: a [Settings 7] section of Name=value "
                       "lines, as in the Qlik engine's Settings.ini")
    @click.option("--demo", is_flag=True, help="build (or refresh) the demo app 'demo' at start")
    @click.option("--no-auth", is_flag=True, default=None,
                  help="development mode: every connection is anonymous with full "
                       "rights, whatever authentication is configured (env "
                       "ASSOCIA_NO_AUTH; default False; also the mode when no "
                       "authentication is configured)")
    def serve(switches: tuple[str, ...], settings_file: str | None, demo: bool,
              no_auth: bool | None, **flags: str | None) -> int:
        from associa.logs import configure

        settings = settings_from(settings_file, list(switches), **flags,
                                 no_auth=True if no_auth else None)
        configure(settings.log_level, settings.log_format)
        data_folder(settings.data_dir, create=True, write=True)  # before the heavy imports
        from associa.server.runner import BindError, Security, api_key_lookup, bind
        from associa.server.runner import serve as run_server

        try:
            Security.from_settings(settings)  # settings that cannot work stop here, early
        except AssociaError as exc:
            fail(exc.message, USAGE)

        engine = open_engine(settings, create=True, write=True)
        security = Security.from_settings(settings, api_key_lookup(engine))
        check_app_files(engine)
        try:
            sock = bind(settings.host, settings.port)
        except BindError as exc:
            fail(str(exc.strerror))
        if demo:
            from associa.demo import DEMO_APP_ID, install_demo

            if engine.app_exists(DEMO_APP_ID):
                open_app(engine, DEMO_APP_ID)
            try:
                install_demo(engine)
            except (AssociaError, OSError) as exc:
                sock.close()
                fail(f"the demo app cannot be built: {exc}")
        run_server(engine, sock, security)
        return 0

    serve.params[:0] = [
        click.Option([switch.flag, switch.attr], default=None,
                     metavar=switch.attr.rsplit("_", 1)[-1].upper(),
                     help=switch_flag_help(switch))
        for switch in SWITCHES if switch.flag
    ]
