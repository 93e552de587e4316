"""The line's operating hours: Monday-Friday 8 a.m.-8 p.m. Eastern, closed on federal holidays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.rules.data_files import ScheduleError
from ivr.rules.hours import Change, Schedule

EASTERN = ZoneInfo("America/New_York")
SHIPPED_SCHEDULE = Path(__file__).resolve().parents[2] / "schedules" / "hours.toml"

WEEKLY = """\
time_zone = "America/New_York"

[weekly_hours]
monday    = { open = "08:00", close = "20:00" }
tuesday   = { open = "08:00", close = "20:00" }
wednesday = { open = "08:00", close = "20:00" }
thursday  = { open = "08:00", close = "20:00" }
friday    = { open = "08:00", close = "20:00" }
"""


def eastern(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=EASTERN)  # type: ignore[misc]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture(scope="module")
def schedule() -> Schedule:
    return Schedule.load(SHIPPED_SCHEDULE)


@pytest.fixture
def write_schedule(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "hours.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def schedule_with(write_schedule: Callable[[str], Path]) -> Callable[[str], Schedule]:
    """Load the regular weekly hours plus the given extra TOML (closures, short days...)."""
    return lambda extra: Schedule.load(write_schedule(WEEKLY + extra))


# --- The shipped file ---------------------------------------------------------------------------


def test_shipped_schedule_is_monday_to_friday_8_to_8_eastern(schedule: Schedule) -> None:
    assert schedule.time_zone.key == "America/New_York"
    assert {
        day: (o.strftime("%H:%M"), c.strftime("%H:%M")) for day, (o, c) in schedule.weekly_hours.items()
    } == {day: ("08:00", "20:00") for day in range(5)}
    assert schedule.calendar == "us_federal"
    assert schedule.inauguration_day is False
    assert schedule.closures == () and schedule.short_days == ()


# --- Opening and closing edges ------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 1, 14), date(2026, 7, 15)], ids=["winter", "summer"])
@pytest.mark.parametrize(
    ("hour", "minute", "second", "is_open"),
    [(7, 59, 59, False), (8, 0, 0, True), (19, 59, 59, True), (20, 0, 0, False)],
    ids=["07:59:59 closed", "08:00:00 open", "19:59:59 open", "20:00:00 closed"],
)
def test_weekday_is_open_from_8_am_up_to_but_not_including_8_pm(
    schedule: Schedule, day: date, hour: int, minute: int, second: int, is_open: bool
) -> None:
    status = schedule.status_at(eastern(day.year, day.month, day.day, hour, minute, second))
    assert status.is_open is is_open
    assert status.reason == ("open" if is_open else "after_hours")
    assert status.occasion is None


def test_open_line_says_when_it_closes_and_has_no_next_opening(schedule: Schedule) -> None:
    status = schedule.status_at(eastern(2026, 7, 15, 12, 0))
    assert status.closes_at == eastern(2026, 7, 15, 20, 0)
    assert status.closes_at is not None and status.closes_at.tzinfo == EASTERN
    assert status.next_opening is None


def test_before_opening_the_next_opening_is_8_am_the_same_day(schedule: Schedule) -> None:
    status = schedule.status_at(eastern(2026, 1, 14, 7, 59, 59))
    assert status.next_opening == eastern(2026, 1, 14, 8, 0)
    assert status.closes_at is None


def test_after_closing_the_next_opening_is_8_am_the_next_weekday(schedule: Schedule) -> None:
    assert schedule.status_at(eastern(2026, 1, 14, 20, 0)).next_opening == eastern(2026, 1, 15, 8)


def test_8_am_eastern_is_noon_utc_in_summer_and_1_pm_utc_in_winter(schedule: Schedule) -> None:
    assert schedule.status_at(utc(2026, 7, 15, 12, 0)).is_open
    assert not schedule.status_at(utc(2026, 7, 15, 11, 59, 59)).is_open
    assert schedule.status_at(utc(2026, 1, 14, 13, 0)).is_open
    assert not schedule.status_at(utc(2026, 1, 14, 12, 59, 59)).is_open


def test_naive_time_is_refused(schedule: Schedule) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        schedule.status_at(datetime(2026, 7, 15, 12, 0))


# --- Weekends -----------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 7, 18), date(2026, 7, 19)], ids=["Saturday", "Sunday"])
def test_weekend_is_closed_all_day_until_monday_8_am(schedule: Schedule, day: date) -> None:
    for hour in (0, 8, 12, 19, 23):
        status = schedule.status_at(eastern(day.year, day.month, day.day, hour))
        assert not status.is_open
        assert status.reason == "weekend"
        assert status.next_opening == eastern(2026, 7, 20, 8, 0)


def test_friday_evening_next_opening_is_monday_morning(schedule: Schedule) -> None:
    status = schedule.status_at(eastern(2026, 7, 17, 20, 0))
    assert status.reason == "after_hours"
    assert status.next_opening == eastern(2026, 7, 20, 8, 0)


# --- Federal holidays on their observed dates ---------------------------------------------------


def test_independence_day_2026_closes_the_line_on_observed_friday_july_3(
    schedule: Schedule,
) -> None:
    for hour in (8, 12, 19):
        status = schedule.status_at(eastern(2026, 7, 3, hour))
        assert not status.is_open
        assert status.reason == "holiday"
        assert status.occasion == "Independence Day"
        assert status.occasion_translations == {}
        assert status.next_opening == eastern(2026, 7, 6, 8, 0)
    assert schedule.holiday_on(date(2026, 7, 3)) == "Independence Day"


def test_actual_date_of_a_holiday_observed_elsewhere_is_just_a_weekend(
    schedule: Schedule,
) -> None:
    assert schedule.holiday_on(date(2026, 7, 4)) is None
    assert schedule.status_at(eastern(2026, 7, 4, 12)).reason == "weekend"


def test_thanksgiving_2026_is_closed_and_the_friday_after_is_a_normal_day(
    schedule: Schedule,
) -> None:
    thanksgiving = schedule.status_at(eastern(2026, 11, 26, 10, 0))
    assert (thanksgiving.is_open, thanksgiving.reason) == (False, "holiday")
    assert thanksgiving.occasion == "Thanksgiving Day"
    assert schedule.holiday_on(date(2026, 11, 27)) is None
    assert schedule.status_at(eastern(2026, 11, 27, 10, 0)).is_open


def test_evening_before_thanksgiving_next_opening_skips_the_holiday(schedule: Schedule) -> None:
    status = schedule.status_at(eastern(2026, 11, 25, 20, 0))
    assert status.reason == "after_hours"
    assert status.next_opening == eastern(2026, 11, 27, 8, 0)


def test_christmas_2027_is_observed_on_friday_december_24(schedule: Schedule) -> None:
    assert schedule.holiday_on(date(2027, 12, 24)) == "Christmas Day"
    status = schedule.status_at(eastern(2027, 12, 23, 20, 0))
    assert status.next_opening == eastern(2027, 12, 27, 8, 0)


def test_new_years_day_2028_is_observed_on_friday_december_31_2027(schedule: Schedule) -> None:
    assert schedule.holiday_on(date(2027, 12, 31)) == "New Year's Day"
    assert schedule.holiday_on(date(2028, 1, 1)) is None
    assert schedule.status_at(eastern(2027, 12, 31, 9)).reason == "holiday"


def test_christmas_2026_closes_friday_and_the_line_reopens_monday(schedule: Schedule) -> None:
    status = schedule.status_at(eastern(2026, 12, 25, 10))
    assert (status.reason, status.occasion) == ("holiday", "Christmas Day")
    assert status.next_opening == eastern(2026, 12, 28, 8, 0)


def test_executive_order_closure_known_to_the_holidays_package_closes_the_line(
    schedule: Schedule,
) -> None:
    status = schedule.status_at(eastern(2025, 12, 24, 10))
    assert (status.is_open, status.reason) == (False, "holiday")
    assert status.occasion == "Christmas Eve"


def test_a_federal_half_day_closing_closes_the_line_halfway_through_its_hours(
    schedule: Schedule,
) -> None:
    # Christmas Eve 2015: federal offices closed for the last half of the workday.
    assert schedule.holiday_on(date(2015, 12, 24)) == "Christmas Eve"
    morning = schedule.status_at(eastern(2015, 12, 24, 13, 59, 59))
    assert (morning.is_open, morning.occasion) == (True, "Christmas Eve")
    assert morning.closes_at == eastern(2015, 12, 24, 14, 0)
    afternoon = schedule.status_at(eastern(2015, 12, 24, 14, 0))
    assert (afternoon.is_open, afternoon.reason) == (False, "short_day")


def test_inauguration_day_is_open_by_default_and_closed_when_configured(
    schedule: Schedule, schedule_with: Callable[[str], Schedule]
) -> None:
    assert schedule.status_at(eastern(2033, 1, 20, 10)).is_open
    dc_area = schedule_with("[holidays]\ninauguration_day = true\n")
    status = dc_area.status_at(eastern(2033, 1, 20, 10))
    assert (status.reason, status.occasion) == ("holiday", "Inauguration Day")
    # 5 U.S.C. 6103(c): on a Sunday it moves to Monday, here also Martin Luther King Jr.'s day.
    assert dc_area.holiday_on(date(2041, 1, 21)) == (
        "Birthday of Martin Luther King, Jr. and Inauguration Day"
    )


def test_a_holiday_listed_in_keep_open_on_leaves_the_line_open(
    schedule_with: Callable[[str], Schedule],
) -> None:
    schedule = schedule_with('[holidays]\nkeep_open_on = ["Columbus Day"]\n')
    assert schedule.holiday_on(date(2026, 10, 12)) is None
    assert schedule.status_at(eastern(2026, 10, 12, 10)).is_open
    assert not schedule.status_at(eastern(2026, 11, 26, 10)).is_open


def test_calendar_none_has_no_automatic_holidays(schedule_with: Callable[[str], Schedule]) -> None:
    schedule = schedule_with('[holidays]\ncalendar = "none"\n')
    assert schedule.status_at(eastern(2026, 11, 26, 10)).is_open


# --- Daylight-saving changes --------------------------------------------------------------------


def test_monday_after_dst_starts_opens_at_noon_utc(schedule: Schedule) -> None:
    assert not schedule.status_at(utc(2026, 3, 9, 11, 59, 59)).is_open
    status = schedule.status_at(utc(2026, 3, 9, 12, 0))
    assert status.is_open
    assert status.closes_at == utc(2026, 3, 10, 0, 0)  # 8 p.m. EDT


def test_friday_before_dst_starts_next_opening_is_monday_noon_utc(schedule: Schedule) -> None:
    friday_close = utc(2026, 3, 7, 1, 0)  # Friday 2026-03-06 8 p.m. EST
    assert not schedule.status_at(friday_close).is_open
    assert schedule.status_at(friday_close - timedelta(seconds=1)).is_open
    assert schedule.status_at(friday_close).next_opening == utc(2026, 3, 9, 12, 0)
    assert schedule.status_at(utc(2026, 3, 8, 12)).next_opening == utc(2026, 3, 9, 12, 0)


def test_monday_after_dst_ends_opens_at_1_pm_utc(schedule: Schedule) -> None:
    assert not schedule.status_at(utc(2026, 11, 2, 12, 59, 59)).is_open
    status = schedule.status_at(utc(2026, 11, 2, 13, 0))
    assert status.is_open
    assert status.closes_at == utc(2026, 11, 3, 1, 0)  # 8 p.m. EST


def test_friday_before_dst_ends_next_opening_is_monday_1_pm_utc(schedule: Schedule) -> None:
    status = schedule.status_at(utc(2026, 10, 31, 0, 0))  # Friday 2026-10-30 8 p.m. EDT
    assert status.reason == "after_hours"
    assert status.next_opening == utc(2026, 11, 2, 13, 0)
    assert status.next_opening is not None and status.next_opening.utcoffset() is not None
    assert status.next_opening.tzinfo == EASTERN


# --- Closures and short days from the file ------------------------------------------------------


CLOSURES = """
[[closure]]
date = 2026-12-24
reason = "Christmas Eve, federal offices closed by executive order"
reason_es = "Nochebuena, oficinas federales cerradas por orden ejecutiva"

[[closure]]
first_day = "2027-03-12"
last_day = 2027-03-15
reason = "a telephone system upgrade"

[[short_day]]
date = 2026-12-31
open = "08:00"
close = "14:00"
reason = "New Year's Eve"
reason_es = "Nochevieja"

[[short_day]]
date = 2027-01-04
open = 10:30:00
close = "20:00"
reason = "staff training"

[[short_day]]
date = 2026-10-12
open = "08:00"
close = "12:00"
reason = "Columbus Day morning"
"""


def test_a_one_day_closure_closes_the_line_with_its_reason_in_each_language(
    schedule_with: Callable[[str], Schedule],
) -> None:
    status = schedule_with(CLOSURES).status_at(eastern(2026, 12, 24, 10))
    assert not status.is_open
    assert status.reason == "closure"
    assert status.occasion == "Christmas Eve, federal offices closed by executive order"
    assert status.occasion_translations == {
        "es": "Nochebuena, oficinas federales cerradas por orden ejecutiva"
    }
    # Thursday closure, Friday Christmas Day, then the weekend.
    assert status.next_opening == eastern(2026, 12, 28, 8, 0)


def test_a_closure_range_covers_every_day_and_wins_over_the_weekend(
    schedule_with: Callable[[str], Schedule],
) -> None:
    schedule = schedule_with(CLOSURES)
    for day in (12, 13, 14, 15):
        status = schedule.status_at(eastern(2027, 3, day, 12))
        assert (status.reason, status.occasion) == ("closure", "a telephone system upgrade")
        assert status.occasion_translations == {}
        assert status.next_opening == eastern(2027, 3, 16, 8, 0)
    assert schedule.status_at(eastern(2027, 3, 11, 12)).is_open


def test_a_short_day_closes_early(schedule_with: Callable[[str], Schedule]) -> None:
    schedule = schedule_with(CLOSURES)
    before = schedule.status_at(eastern(2026, 12, 31, 13, 59, 59))
    assert before.is_open
    assert before.closes_at == eastern(2026, 12, 31, 14, 0)
    assert before.occasion == "New Year's Eve"
    after = schedule.status_at(eastern(2026, 12, 31, 14, 0))
    assert (after.is_open, after.reason, after.occasion) == (False, "short_day", "New Year's Eve")
    assert after.occasion_translations == {"es": "Nochevieja"}
    assert after.next_opening == eastern(2027, 1, 4, 10, 30)  # Jan 1 holiday, weekend, late start


def test_a_short_day_can_open_late(schedule_with: Callable[[str], Schedule]) -> None:
    schedule = schedule_with(CLOSURES)
    early = schedule.status_at(eastern(2027, 1, 4, 10, 29, 59))
    assert (early.is_open, early.reason, early.occasion) == (False, "short_day", "staff training")
    assert early.next_opening == eastern(2027, 1, 4, 10, 30)
    assert schedule.status_at(eastern(2027, 1, 4, 10, 30)).is_open


def test_a_short_day_on_a_holiday_opens_the_line_for_its_hours(
    schedule_with: Callable[[str], Schedule],
) -> None:
    schedule = schedule_with(CLOSURES)
    assert schedule.status_at(eastern(2026, 10, 12, 11, 59)).is_open
    assert schedule.status_at(eastern(2026, 10, 12, 12, 0)).reason == "short_day"


def test_schedule_that_is_never_open_raises_a_clear_error(
    schedule_with: Callable[[str], Schedule],
) -> None:
    schedule = schedule_with(
        '[[closure]]\nfirst_day = 2026-01-01\nlast_day = 2026-12-31\nreason = "a"\n'
        '[[closure]]\nfirst_day = 2027-01-01\nlast_day = 2027-12-31\nreason = "b"\n'
    )
    with pytest.raises(ScheduleError, match="never open"):
        schedule.status_at(eastern(2026, 1, 5, 10))


# --- The upcoming changes -----------------------------------------------------------------------


def test_upcoming_changes_around_thanksgiving_name_why_the_line_closes(
    schedule: Schedule,
) -> None:
    assert schedule.upcoming(eastern(2026, 11, 25, 12), 4) == [
        Change(eastern(2026, 11, 25, 20), False, "holiday", "Thanksgiving Day"),
        Change(eastern(2026, 11, 27, 8), True, "open", None),
        Change(eastern(2026, 11, 27, 20), False, "weekend", None),
        Change(eastern(2026, 11, 30, 8), True, "open", None),
    ]


def test_upcoming_starts_after_now_and_lists_an_evening_close_as_after_hours(
    schedule: Schedule,
) -> None:
    changes = schedule.upcoming(eastern(2026, 11, 30, 8), 3)
    assert [(c.at, c.opens, c.reason) for c in changes] == [
        (eastern(2026, 11, 30, 20), False, "after_hours"),
        (eastern(2026, 12, 1, 8), True, "open"),
        (eastern(2026, 12, 1, 20), False, "after_hours"),
    ]


def test_upcoming_names_a_closure_and_an_early_close(
    schedule_with: Callable[[str], Schedule],
) -> None:
    changes = schedule_with(CLOSURES).upcoming(eastern(2026, 12, 23, 12), 4)
    assert [(c.at, c.opens, c.reason, c.occasion) for c in changes] == [
        (
            eastern(2026, 12, 23, 20),
            False,
            "closure",
            "Christmas Eve, federal offices closed by executive order",
        ),
        (eastern(2026, 12, 28, 8), True, "open", None),
        (eastern(2026, 12, 28, 20), False, "after_hours", None),
        (eastern(2026, 12, 29, 8), True, "open", None),
    ]
    new_years_eve = schedule_with(CLOSURES).upcoming(eastern(2026, 12, 31, 9), 2)
    assert [(c.reason, c.occasion) for c in new_years_eve] == [
        ("holiday", "New Year's Day"),
        ("open", "staff training"),
    ]


# --- Errors in the file name the file, the line and the fix -------------------------------------


def test_toml_syntax_error_names_the_file_and_line(write_schedule: Callable[[str], Path]) -> None:
    path = write_schedule(WEEKLY + "\n[[closure]]\ndate = 2026-12-24\nreason = Christmas Eve\n")
    with pytest.raises(ScheduleError) as caught:
        Schedule.load(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 12" in message
    assert "double quotes" in message
    assert caught.value.line == 12


def test_unknown_weekday_names_the_line_and_suggests_the_fix(
    write_schedule: Callable[[str], Path],
) -> None:
    path = write_schedule(WEEKLY.replace("thursday ", "thurdsay "))
    with pytest.raises(ScheduleError) as caught:
        Schedule.load(path)
    message = str(caught.value)
    assert f"{path}, line 7:" in message
    assert "'thurdsay'" in message and "Did you mean 'thursday'?" in message


def test_close_before_open_names_the_line(write_schedule: Callable[[str], Path]) -> None:
    path = write_schedule(
        WEEKLY.replace(
            'friday    = { open = "08:00", close = "20:00" }', 'friday = { open = "20:00", close = "08:00" }'
        )
    )
    with pytest.raises(ScheduleError, match=rf"{path}, line 8: friday closes at 08:00, not after"):
        Schedule.load(path)


def test_bad_time_zone_names_the_line_and_asks_for_an_iana_name(
    write_schedule: Callable[[str], Path],
) -> None:
    path = write_schedule(WEEKLY.replace("America/New_York", "Eastern"))
    with pytest.raises(ScheduleError) as caught:
        Schedule.load(path)
    message = str(caught.value)
    assert f"{path}, line 1:" in message
    assert "'Eastern' is not a known time zone" in message
    assert "America/New_York" in message


@pytest.mark.parametrize(
    ("extra", "line", "fragment"),
    [
        ("[[closure]]\ndate = 2026-12-24\n", 10, "needs a reason"),
        ('[[closure]]\ndate = 2026-12-24\nreasn = "x"\n', 12, "Did you mean 'reason'?"),
        ('[[closure]]\ndate = 2026-13-01\nreason = "x"\n', 11, "2026-13-01 is not a real date"),
        ('[[closure]]\ndate = "24/12/2026"\nreason = "x"\n', 11, "not a date"),
        (
            '[[closure]]\nfirst_day = 2026-12-31\nlast_day = 2026-12-24\nreason = "x"\n',
            12,
            "before first_day",
        ),
        (
            '[[closure]]\nfirst_day = 2026-12-24\nlast_day = 2062-12-24\nreason = "x"\n',
            12,
            "longer than a year",
        ),
        ('[[short_day]]\ndate = 2026-12-31\nopen = "8 am"\nclose = "14:00"\nreason = "x"\n', 12, "HH:MM"),
        (
            '[[closure]]\ndate = 2026-12-24\nreason = "x"\n'
            '[[short_day]]\ndate = 2026-12-24\nopen = "08:00"\nclose = "12:00"\nreason = "y"\n',
            13,
            "falls inside the closure at line 10",
        ),
        ('[holidays]\ncalendar = "nyse"\n', 11, "us_federal"),
        ('[holidays]\nkeep_open_on = ["Columbus"]\n', 11, "not a federal holiday"),
        ("[opening_hours]\nmonday = 1\n", 10, "'opening_hours' is not a setting"),
    ],
    ids=[
        "no reason",
        "misspelt key",
        "impossible date",
        "date format",
        "range reversed",
        "range too long",
        "bad time",
        "short day in closure",
        "bad calendar",
        "unknown holiday",
        "unknown top-level key",
    ],
)
def test_mistakes_in_entries_name_their_line(
    write_schedule: Callable[[str], Path], extra: str, line: int, fragment: str
) -> None:
    path = write_schedule(WEEKLY + "\n" + extra)
    with pytest.raises(ScheduleError) as caught:
        Schedule.load(path)
    message = str(caught.value)
    assert f"{path}, line {line}" in message
    assert fragment in message


def test_missing_file_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="does not exist"):
        Schedule.load(tmp_path / "nowhere.toml")


def test_schedule_error_is_a_value_error() -> None:
    assert issubclass(ScheduleError, ValueError)
