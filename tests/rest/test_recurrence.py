"""Recurrence rules expanded in a time zone (rest/recurrence.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from associa.rest.recurrence import BadSchedule, next_run, parse_time, zone

NY = zone("America/New_York")


def test_wall_clock_time_across_daylight_saving() -> None:
    start = parse_time("2030-03-08T09:30:00", NY)  # EST, UTC-5
    assert start == datetime(2030, 3, 8, 14, 30, tzinfo=UTC)
    runs, at = [], start
    for _ in range(3):
        at = next_run(["FREQ=DAILY"], start, None, NY, at)  # type: ignore[assignment]
        runs.append(at)
    # 10 March 2030: clocks go forward; 09:30 local is 13:30 UTC from then on
    assert runs == [datetime(2030, 3, 9, 14, 30, tzinfo=UTC),
                    datetime(2030, 3, 10, 13, 30, tzinfo=UTC),
                    datetime(2030, 3, 11, 13, 30, tzinfo=UTC)]


def test_several_lines_the_earliest_wins_and_end_stops() -> None:
    start = parse_time("2030-01-01T00:00:00Z", NY)
    lines = ["RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0",
             "FREQ=MONTHLY;BYMONTHDAY=3;BYHOUR=6;BYMINUTE=0;BYSECOND=0"]
    first = next_run(lines, start, None, NY, start)
    assert first == datetime(2030, 1, 3, 11, 0, tzinfo=UTC)  # Thursday 3rd, 06:00 EST
    assert next_run(lines, start, None, NY, first) == datetime(2030, 1, 7, 13, 0, tzinfo=UTC)
    end = datetime(2030, 1, 5, tzinfo=UTC)
    assert next_run(lines, start, end, NY, first) is None


def test_no_lines_is_one_run_at_the_start() -> None:
    start = parse_time("2030-05-01T12:00:00+02:00", NY)
    assert next_run([], start, None, NY, datetime(2029, 1, 1, tzinfo=UTC)) == start
    assert next_run([], start, None, NY, start) is None


@pytest.mark.parametrize("lines", [["DTSTART:20300101T000000Z"], ["FREQ=SOMETIMES"],
                                   ["X-THING:1"], ["FREQ=DAILY;UNTIL=20310101T000000"]])
def test_bad_rules(lines: list[str]) -> None:
    start = parse_time("2030-01-01T00:00:00", NY)
    with pytest.raises(BadSchedule):
        next_run(lines, start, None, NY, start)


def test_bad_zone_and_time() -> None:
    with pytest.raises(BadSchedule):
        zone("Mars/Olympus")
    with pytest.raises(BadSchedule):
        parse_time("next tuesday", NY)
