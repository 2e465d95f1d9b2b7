"""Settings as switches: one table, given by default, settings file, environment and
command line (in that precedence), with clear errors for unknown names and bad values."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from associa.errors import InvalidParameters
from associa.settings import (
    ENVIRONMENT,
    SWITCHES,
    Settings,
    parse_assignment,
    read_settings_file,
)


def test_every_setting_is_a_switch() -> None:
    assert sorted(s.attr for s in SWITCHES) == sorted(f.name for f in fields(Settings))
    assert len({s.name.lower() for s in SWITCHES}) == len(SWITCHES)
    assert {"SessionTTL", "MaxSessionTTL"} <= {s.name for s in SWITCHES}  # Qlik's names
    assert ENVIRONMENT["session_ttl"][0] == "ASSOCIA_SESSION_TTL"  # the old names hold
    assert all(s.help for s in SWITCHES)


def test_defaults_are_qliks() -> None:
    settings = Settings()
    assert (settings.session_ttl, settings.max_session_ttl) == (0, 1800)


def test_precedence(tmp_path: Path) -> None:
    ini = tmp_path / "Settings.ini"
    ini.write_text("[Settings 7]\nSessionTTL=10\nMaxSessionTTL=600\nWorkers=3\nPort=1\n")
    env = {"ASSOCIA_SESSION_TTL": "20", "ASSOCIA_WORKERS": "4", "ASSOCIA_PORT": "2"}
    got = Settings.load(ini, ["sessionttl=30", "Port=3"], env, {"port": 4})
    assert got.max_session_ttl == 600  # the file
    assert got.workers == 4  # the environment over the file
    assert got.session_ttl == 30  # -S over the environment
    assert got.port == 4  # a flag over -S
    assert Settings.load(None, [], {}).session_ttl == 0  # defaults


def test_settings_file_forms(tmp_path: Path) -> None:
    ini = tmp_path / "s.ini"
    ini.write_text("\ufeff; Qlik's Settings.ini\n[Settings 7]\n  SessionTTL = 15 \n"
                   "# comment\nLogFormat=JSON\n[Other]\nNotOurs=1\n", encoding="utf-8")
    assert read_settings_file(ini) == {"session_ttl": 15, "log_format": "json"}
    bare = tmp_path / "bare.ini"
    bare.write_text("MaxSessions=5\n")  # no section header: all of it
    assert read_settings_file(bare) == {"max_sessions": 5}
    other = tmp_path / "other.ini"
    other.write_text("[Settings 8]\nMaxSessions=5\n")
    assert read_settings_file(other) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[Settings 7]\nNoSuch=1\n", "unknown setting 'NoSuch'; the settings are: Host, Port"),
        ("[Settings 7]\nPort=abc\n", "Port in "),
        ("[Settings 7\nPort=1\n", "is not valid"),
    ],
)
def test_bad_settings_files(tmp_path: Path, text: str, message: str) -> None:
    ini = tmp_path / "bad.ini"
    ini.write_text(text)
    with pytest.raises(InvalidParameters) as caught:
        read_settings_file(ini)
    assert message in caught.value.message


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameters, match="cannot read settings file"):
        read_settings_file(tmp_path / "none.ini")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Nope=1", "unknown setting 'Nope'; the settings are: Host, Port, DataDir, SessionTTL"),
        ("SessionTTL", "a setting is given as Name=value, not 'SessionTTL'"),
        ("=5", "a setting is given as Name=value"),
    ],
)
def test_bad_assignments(text: str, message: str) -> None:
    with pytest.raises(InvalidParameters) as caught:
        parse_assignment(text)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("switch", "message"),
    [
        ("SessionTTL=-2", "SessionTTL must be a whole number of seconds or -1 (infinite), not '-2'"),
        ("MaxSessionTTL=x", "MaxSessionTTL must be a whole number of seconds or -1"),
        ("Workers=-1", "Workers must not be negative, not '-1'"),
        ("LogLevel=loud", "LogLevel must be one of debug, info, warning, error, not 'loud'"),
    ],
)
def test_bad_values(switch: str, message: str) -> None:
    with pytest.raises(InvalidParameters) as caught:
        Settings.load(None, [switch], {})
    assert caught.value.message.startswith(message)


def test_infinite_ttl_values() -> None:
    got = Settings.load(None, ["SessionTTL=-1", "MaxSessionTTL=-1"], {})
    assert (got.session_ttl, got.max_session_ttl) == (-1, -1)
