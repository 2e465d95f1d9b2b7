"""When a reload task runs: RFC 5545 recurrence lines expanded in a time zone.

Qlik Cloud's reload tasks (https://qlik.dev/apis/rest/reload-tasks/) take
``recurrence``, a "list of RECUR lines for a recurring event, as specified in RFC5545.
Note that DTSTART and DTEND lines are not allowed in this field; event start and end
times are specified in the start and end fields", with ``timeZone`` (an IANA name) "in
which the event start/end are expanded". So the rules are expanded from
``startDateTime`` as wall-clock time in that zone: ``FREQ=DAILY;BYHOUR=8`` runs at 08:00
local time in winter and in summer. dateutil's ``rrule`` does the expansion (it keeps
the wall-clock time and the zone of an aware start); no lines at all is one run, at the
start.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rruleset, rrulestr


class BadSchedule(ValueError):
    """A rule, a time zone or a date that cannot be used (the API answers 400)."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadSchedule(f"Unknown time zone {name!r}") from None


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """An RFC 3339 time (``2024-05-01T08:00:00``, with or without an offset or ``Z``);
    without an offset it is a wall-clock time in ``tz``. Answered in UTC."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadSchedule(f"{text!r} is not an RFC 3339 date and time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(UTC)


def rules(lines: list[str], start: datetime, tz: ZoneInfo) -> list[rruleset]:
    """The occurrences of each of ``lines`` from ``start`` (UTC), in ``tz``."""
    local_start = start.astimezone(tz)
    if not lines:
        once = rruleset()
        once.rdate(local_start)
        return [once]
    out = []
    for line in lines:
        text = line.strip()
        head = text.split(":", 1)[0].upper() if ":" in text else ""
        if head in ("DTSTART", "DTEND"):
            raise BadSchedule("DTSTART and DTEND are given as startDateTime and endDateTime")
        if head and head not in ("RRULE", "EXRULE", "RDATE", "EXDATE"):
            raise BadSchedule(f"{line!r} is not a recurrence line")
        body = text if head else f"RRULE:{text}"
        try:
            made = rrulestr(body, dtstart=local_start, forceset=True, ignoretz=False)
        except (ValueError, TypeError) as exc:
            raise BadSchedule(f"{line!r} is not an RFC 5545 rule: {exc}") from None
        assert isinstance(made, rruleset)
        out.append(made)
    return out


def next_run(lines: list[str], start: datetime, end: datetime | None, tz: ZoneInfo,
             after: datetime) -> datetime | None:
    """The first occurrence strictly after ``after`` (or the start itself when it is
    later), before ``end``; None when there is none. UTC."""
    found: list[datetime] = []
    for occurrences in rules(lines, start, tz):
        if after < start:
            hit = occurrences.after(start.astimezone(tz), inc=True)
        else:
            hit = occurrences.after(after.astimezone(tz), inc=False)
        if hit is not None:
            found.append(hit.astimezone(UTC))
    first = min(found, default=None)
    if first is None or (end is not None and first > end):
        return None
    return first
