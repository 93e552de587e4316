"""Commands that let an administrator check the hours file and ask whether the line is open."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from babel.dates import format_datetime, get_timezone_name
from flask import current_app
from flask.cli import with_appcontext

from ivr.clock import line_now
from ivr.line import closure_problems
from ivr.prompts.audio import AudioBook
from ivr.prompts.phrasebook import Phrasebook
from ivr.rules.data_files import ScheduleError
from ivr.rules.hours import WEEKDAYS, Change, LineStatus, Schedule
from ivr.rules.outside_routes import OutsideRouteError, load_outside_routes

_CLOSED_BECAUSE = {
    "after_hours": "outside operating hours",
    "weekend": "weekend",
}
_KIND = {"holiday": "federal holiday", "closure": "closure", "short_day": "short day"}


class _Moment(click.ParamType[datetime]):
    """An ISO 8601 time; one without an offset is read later in the line's own time zone."""

    name = "time"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO 8601 time. Use e.g. 2026-12-24T19:59:59-05:00, or "
                "2026-12-24T19:59:59 for the line's own time zone.",
                param,
                ctx,
            )


@click.command("hours")
@click.option(
    "--at",
    "moment",
    type=_Moment(),
    metavar="TIME",
    help="Check this moment instead of the line's clock, in ISO 8601, e.g. "
    "2026-12-24T19:59:59-05:00; without an offset it is read in the schedule's time zone.",
)
@click.option(
    "--upcoming",
    type=click.IntRange(min=1, max=1000),
    metavar="N",
    help="Also list the next N openings and closings, with their reasons.",
)
@with_appcontext
def hours_command(moment: datetime | None, upcoming: int | None) -> None:
    """Say whether the line is open, why, and when it next opens."""
    settings = current_app.config["IVR"]
    schedule = _load(settings.schedule_path)
    zone = schedule.time_zone
    if moment is None:
        moment = line_now(settings)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        status = schedule.status_at(moment)
        changes = schedule.upcoming(moment, upcoming) if upcoming else []
    except ScheduleError as error:
        raise click.ClickException(str(error)) from None

    click.echo(f"At {_spoken(moment, zone, seconds=True)}:")
    click.echo(describe_status(status, zone))
    if changes:
        click.echo(f"Next {len(changes)} changes:")
        for change in changes:
            click.echo(f"  {describe_change(change, zone)}")


@click.command("check-hours")
@with_appcontext
def hours_check_command() -> None:
    """Validate the hours file and summarise it."""
    path = current_app.config["IVR"].schedule_path
    schedule = _load(path)
    # A closure's reason is said to each caller in their language: refused until it can be.
    unspoken = closures_unspoken(schedule)
    if unspoken:
        for problem in unspoken:
            click.echo(problem, err=True)
        raise click.ClickException(
            f"{len(unspoken)} closure reason(s) cannot yet be said in every caller's language (above)."
        )
    click.echo(f"OK: {path} is valid.")
    click.echo(f"  Time zone: {schedule.time_zone.key}")
    for weekday, (opens, closes) in sorted(schedule.weekly_hours.items()):
        click.echo(f"  {WEEKDAYS[weekday].capitalize():<9} {opens:%H:%M}-{closes:%H:%M}")
    holidays = (
        "U.S. federal holidays on their observed dates" if schedule.calendar == "us_federal" else "none"
    )
    if schedule.inauguration_day:
        holidays += ", and Inauguration Day"
    if schedule.keep_open_on:
        holidays += f" (open anyway on {', '.join(sorted(schedule.keep_open_on))})"
    click.echo(f"  Holidays: {holidays}")
    click.echo(f"  Closures: {len(schedule.closures)}; short days: {len(schedule.short_days)}")
    # The numbers callers hear beside the hours: the routes outside the facility.
    routes_path = current_app.config["IVR"].outside_routes_path
    try:
        routes = load_outside_routes(routes_path)
    except OutsideRouteError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"OK: {routes_path} is valid.")
    for route in routes.values():
        checked = "verified" if route.verified else "NOT VERIFIED: check it against its source"
        click.echo(f"  {route.name}: {route.phone} ({checked}; source: {route.source})")


def closures_unspoken(schedule: Schedule) -> list[str]:
    """The closures from today on that some caller would not hear in their language."""
    settings = current_app.config["IVR"]
    phrasebook = Phrasebook.load(settings.prompt_catalog_path, settings.voices_path, settings.locales_path)
    today = line_now(settings).astimezone(schedule.time_zone).date()
    return closure_problems(schedule, AudioBook(phrasebook, settings.audio_path), today)


def describe_status(status: LineStatus, zone: ZoneInfo) -> str:
    """Put a LineStatus into one English sentence or two for an administrator."""
    if status.is_open:
        closes = f"Closes {_spoken(status.closes_at, zone)}." if status.closes_at else ""
        if status.occasion:
            return f"Open (short day: {status.occasion}). {closes}".rstrip()
        return f"Open. {closes}".rstrip()
    sentence = f"Closed: {_why(status.reason, status.occasion)}."
    if status.next_opening is not None:
        sentence += f" Next opening: {_spoken(status.next_opening, zone)}."
    return sentence


def describe_change(change: Change, zone: ZoneInfo) -> str:
    """Put one upcoming opening or closing into a line of text."""
    when = _spoken(change.at, zone)
    if change.opens:
        extra = f" (short day: {change.occasion})" if change.occasion else ""
        return f"Opens  {when}{extra}"
    return f"Closes {when}: {_why(change.reason, change.occasion)}"


def _why(reason: str, occasion: str | None) -> str:
    if occasion and reason in _KIND:
        return f"{occasion} ({_KIND[reason]})"
    return _CLOSED_BECAUSE.get(reason, reason.replace("_", " "))


def _spoken(moment: datetime, zone: ZoneInfo, seconds: bool = False) -> str:
    # Babel, not strftime, so day and month names stay English whatever the server's locale.
    pattern = "EEEE, MMMM d, y 'at' h:mm:ss a" if seconds else "EEEE, MMMM d, y 'at' h:mm a"
    text = format_datetime(moment, pattern, tzinfo=zone, locale="en_US")
    return f"{text} {get_timezone_name(zone, 'long', locale='en_US')}"


def _load(path: Path) -> Schedule:
    try:
        return Schedule.load(path)
    except ScheduleError as error:
        raise click.ClickException(str(error)) from None
