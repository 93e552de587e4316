"""`flask ivr hours` and `flask ivr check-hours`: an administrator asks the line about its hours."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from cryptography.fernet import Fernet
from flask import Flask

from ivr.cli.hours import hours_check_command, hours_command
from ivr.config import load_settings

SHIPPED_SCHEDULE = Path(__file__).resolve().parents[2] / "schedules" / "hours.toml"


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    def make(schedule: Path = SHIPPED_SCHEDULE, fixed_time: str = "") -> Flask:
        settings = load_settings(
            environ={
                "IVR_ENV": "testing",
                "SECRET_KEY": "test-secret-key",
                "TWILIO_AUTH_TOKEN": "test-auth-token",
                "IVR_DATA_KEY": Fernet.generate_key().decode(),
                "IVR_SCHEDULE": str(schedule),
                "IVR_FIXED_TIME": fixed_time,
            },
            instance_path=tmp_path / "instance",
        )
        app = Flask(__name__)
        app.config.update(settings.as_flask_config())
        return app

    return make


def run(app: Flask, command: object, *args: str) -> Result:
    return app.test_cli_runner().invoke(command, list(args))


def test_one_second_before_closing_the_line_is_open_and_says_when_it_closes(
    make_app: Callable[..., Flask],
) -> None:
    result = run(make_app(), hours_command, "--at", "2026-12-24T19:59:59-05:00")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "At Thursday, December 24, 2026 at 7:59:59 PM Eastern Time:\n"
        "Open. Closes Thursday, December 24, 2026 at 8:00 PM Eastern Time.\n"
    )


def test_on_christmas_day_the_line_is_closed_and_names_the_holiday_and_next_opening(
    make_app: Callable[..., Flask],
) -> None:
    result = run(make_app(), hours_command, "--at", "2026-12-25T10:00:00-05:00")
    assert result.exit_code == 0, result.output
    assert (
        "Closed: Christmas Day (federal holiday). "
        "Next opening: Monday, December 28, 2026 at 8:00 AM Eastern Time.\n"
    ) in result.output


def test_at_8_pm_the_line_is_closed_outside_operating_hours(
    make_app: Callable[..., Flask],
) -> None:
    result = run(make_app(), hours_command, "--at", "2026-12-24T20:00:00-05:00")
    assert (
        "Closed: outside operating hours. Next opening: Monday, December 28, 2026 at 8:00 AM" in result.output
    )


def test_a_time_without_offset_is_read_in_eastern_time(make_app: Callable[..., Flask]) -> None:
    result = run(make_app(), hours_command, "--at", "2026-07-15T08:00:00")
    assert result.output.startswith("At Wednesday, July 15, 2026 at 8:00:00 AM Eastern Time:\nOpen.")


def test_a_utc_time_is_shown_in_eastern_time(make_app: Callable[..., Flask]) -> None:
    result = run(make_app(), hours_command, "--at", "2026-03-09T11:59:59Z")
    assert "At Monday, March 9, 2026 at 7:59:59 AM Eastern Time:\nClosed" in result.output


def test_without_at_it_uses_the_lines_clock(make_app: Callable[..., Flask]) -> None:
    app = make_app(fixed_time="2026-07-03T10:00:00-04:00")
    result = run(app, hours_command)
    assert result.exit_code == 0, result.output
    assert "At Friday, July 3, 2026 at 10:00:00 AM Eastern Time:" in result.output
    assert "Closed: Independence Day (federal holiday)." in result.output
    assert "Next opening: Monday, July 6, 2026 at 8:00 AM Eastern Time." in result.output


def test_upcoming_lists_openings_and_closings_with_reasons(make_app: Callable[..., Flask]) -> None:
    result = run(make_app(), hours_command, "--at", "2026-11-25T12:00:00-05:00", "--upcoming", "4")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "Next 4 changes:\n"
        "  Closes Wednesday, November 25, 2026 at 8:00 PM Eastern Time: "
        "Thanksgiving Day (federal holiday)\n"
        "  Opens  Friday, November 27, 2026 at 8:00 AM Eastern Time\n"
        "  Closes Friday, November 27, 2026 at 8:00 PM Eastern Time: weekend\n"
        "  Opens  Monday, November 30, 2026 at 8:00 AM Eastern Time\n"
    )


def test_closures_and_short_days_are_named_with_their_reasons(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    schedule = tmp_path / "hours.toml"
    schedule.write_text(
        SHIPPED_SCHEDULE.read_text(encoding="utf-8")
        + '\n[[closure]]\ndate = 2026-12-24\nreason = "Christmas Eve"\n'
        + '\n[[short_day]]\ndate = 2026-12-31\nopen = "08:00"\nclose = "14:00"\n'
        + 'reason = "New Year\'s Eve"\n',
        encoding="utf-8",
    )
    app = make_app(schedule=schedule)
    closed = run(app, hours_command, "--at", "2026-12-24T10:00:00-05:00")
    assert "Closed: Christmas Eve (closure)." in closed.output
    short = run(app, hours_command, "--at", "2026-12-31T13:00:00-05:00")
    assert "Open (short day: New Year's Eve). Closes Thursday, December 31, 2026 at 2:00 PM" in short.output
    after = run(app, hours_command, "--at", "2026-12-31T14:00:00-05:00")
    assert "Closed: New Year's Eve (short day)." in after.output


@pytest.mark.parametrize("bad", ["tomorrow", "2026-13-01T08:00", "24/12/2026"])
def test_a_bad_at_value_is_a_usage_error_without_traceback(make_app: Callable[..., Flask], bad: str) -> None:
    result = run(make_app(), hours_command, "--at", bad)
    assert result.exit_code == 2
    assert "Invalid value for '--at'" in result.output
    assert "is not an ISO 8601 time" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_bad_upcoming_count_is_a_usage_error(make_app: Callable[..., Flask]) -> None:
    result = run(make_app(), hours_command, "--upcoming", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--upcoming'" in result.output


def test_a_broken_schedule_file_is_reported_with_file_line_and_fix(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    schedule = tmp_path / "hours.toml"
    schedule.write_text(
        'time_zone = "America/New_York"\n[weekly_hours]\nfunday = { open = "08:00", close = "20:00" }\n',
        encoding="utf-8",
    )
    app = make_app(schedule=schedule)
    for command, args in ((hours_command, ["--at", "2026-07-15T10:00:00"]), (hours_check_command, [])):
        result = run(app, command, *args)
        assert result.exit_code == 1
        assert f"Error: {schedule}, line 3: 'funday' in [weekly_hours]" in result.output
        assert "Use monday, tuesday" in result.output
        assert "Traceback" not in result.output


def test_check_hours_says_ok_and_summarises_the_shipped_file(
    make_app: Callable[..., Flask],
) -> None:
    result = run(make_app(), hours_check_command)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {SHIPPED_SCHEDULE} is valid.\n")
    assert "  Time zone: America/New_York\n" in result.output
    assert "  Monday    08:00-20:00\n" in result.output
    assert "  Friday    08:00-20:00\n" in result.output
    assert "Saturday" not in result.output
    assert "  Holidays: U.S. federal holidays on their observed dates\n" in result.output
