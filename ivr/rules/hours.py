"""Decide from the hours file whether the line is open at a given moment, and when that changes."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from ivr.rules.data_files import ScheduleError

# How far ahead to look for the next opening before calling the schedule broken: more than a
# year, so a long closure plus a holiday season still finds the day the line reopens.
SEARCH_DAYS = 400

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CALENDARS = ("us_federal", "none")
INAUGURATION_DAY = "Inauguration Day"

_OBSERVED = " (observed)"
_HALF_DAY = " (half-day closing)"
_ONE_DAY = timedelta(days=1)
# When a closed stretch has several causes, the caller hears the most specific one.
_CLOSED_DAY_PRIORITY = ("closure", "holiday", "weekend", "after_hours")


@dataclass(frozen=True)
class LineStatus:
    is_open: bool
    # "open" | "after_hours" | "weekend" | "holiday" | "closure" | "short_day"
    reason: str
    occasion: str | None
    occasion_translations: dict[str, str]
    closes_at: datetime | None
    next_opening: datetime | None
    opens_later_today: bool = False  # "opens again today at 8", not "on Monday, November 30"


@dataclass(frozen=True)
class Change:
    """One opening or closing; a closing's reason is why the line stays closed until it reopens."""

    at: datetime
    opens: bool
    reason: str
    occasion: str | None


@dataclass(frozen=True)
class Closure:
    first_day: date
    last_day: date
    reason: str
    translations: Mapping[str, str]
    line: int | None


@dataclass(frozen=True)
class ShortDay:
    day: date
    open: time
    close: time
    reason: str
    translations: Mapping[str, str]
    line: int | None


@dataclass(frozen=True)
class _Holiday:
    name: str
    half_day: bool


@dataclass(frozen=True)
class _DayPlan:
    hours: tuple[datetime, datetime] | None
    reason: str  # why the line is closed all day, or "open" when it has hours
    occasion: str | None = None
    translations: Mapping[str, str] = field(default_factory=dict)
    short: bool = False


@dataclass(frozen=True)
class _Period:
    day: date
    opens: datetime
    closes: datetime
    plan: _DayPlan


class Schedule:
    """The validated contents of the hours file; every question about time takes `now` as given."""

    def __init__(
        self,
        path: Path,
        time_zone: ZoneInfo,
        weekly_hours: Mapping[int, tuple[time, time]],
        calendar: str,
        inauguration_day: bool,
        keep_open_on: frozenset[str],
        closures: tuple[Closure, ...],
        short_days: tuple[ShortDay, ...],
    ) -> None:
        self.path = path
        self.time_zone = time_zone
        self.weekly_hours = MappingProxyType(dict(weekly_hours))
        self.calendar = calendar
        self.inauguration_day = inauguration_day
        self.keep_open_on = keep_open_on
        self.closures = closures
        self.short_days = short_days
        self._closure_on = {
            closure.first_day + timedelta(days=offset): closure
            for closure in closures
            for offset in range((closure.last_day - closure.first_day).days + 1)
        }
        self._short_day_on = {short.day: short for short in short_days}
        self._holidays_by_year: dict[int, dict[date, _Holiday]] = {}
        self._holidays_lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> Schedule:
        """Read and validate the hours file, raising ScheduleError on the first mistake."""
        # The reader builds a Schedule, so it imports this module; importing it only when a file
        # is read keeps the rules free of the parser and the two modules free of an import cycle.
        from ivr.rules.hours_file import load_schedule

        return load_schedule(path)

    def status_at(self, now: datetime) -> LineStatus:
        """Say whether the line is open at `now`, why, and when that next changes."""
        instant = _instant(now)
        today = instant.astimezone(self.time_zone).date()
        plan = self._plan(today)
        if plan.hours is not None:
            opens, closes = plan.hours
            if opens <= instant < closes:
                # On a short day the flow may tell callers that the line closes early, and why.
                return LineStatus(
                    is_open=True,
                    reason="open",
                    occasion=plan.occasion,
                    occasion_translations=dict(plan.translations),
                    closes_at=closes,
                    next_opening=None,
                )
            reason = "short_day" if plan.short else "after_hours"
        else:
            reason = plan.reason
        next_opening = self._next_opening(instant, today)
        return LineStatus(
            is_open=False,
            reason=reason,
            occasion=plan.occasion,
            occasion_translations=dict(plan.translations),
            closes_at=None,
            next_opening=next_opening,
            opens_later_today=next_opening is not None
            and next_opening.astimezone(self.time_zone).date() == today,
        )

    def upcoming(self, now: datetime, count: int) -> list[Change]:
        """List the next `count` openings and closings strictly after `now`, in order."""
        instant = _instant(now)
        if count <= 0:
            return []
        changes: list[Change] = []
        periods = self._periods(instant.astimezone(self.time_zone).date())
        current = next(periods)
        while len(changes) < count:
            following = next(periods)
            if current.opens > instant:
                changes.append(Change(current.opens, True, "open", current.plan.occasion))
            if len(changes) < count and current.closes > instant:
                reason, occasion = self._closed_between(current, following)
                changes.append(Change(current.closes, False, reason, occasion))
            current = following
        return changes

    def holiday_on(self, day: date) -> str | None:
        """Name the holiday that closes the line on `day` (all day or half) under the policy."""
        holiday = self._holidays_in(day.year).get(day)
        return holiday.name if holiday else None

    def _plan(self, day: date) -> _DayPlan:
        # Explicit entries in the file beat the holiday policy, which beats the weekly hours.
        closure = self._closure_on.get(day)
        if closure is not None:
            return _DayPlan(None, "closure", closure.reason, closure.translations)
        short = self._short_day_on.get(day)
        if short is not None:
            return _DayPlan(
                self._hours_on(day, short.open, short.close),
                "open",
                short.reason,
                short.translations,
                short=True,
            )
        holiday = self._holidays_in(day.year).get(day)
        weekly = self.weekly_hours.get(day.weekday())
        if holiday is not None and not holiday.half_day:
            return _DayPlan(None, "holiday", holiday.name)
        if weekly is not None:
            opens, closes = self._hours_on(day, *weekly)
            if holiday is not None:
                # A federal "half-day closing" (e.g. Christmas Eve 2015) excuses staff for the
                # last half of their workday: the line closes halfway through its hours.
                return _DayPlan((opens, opens + (closes - opens) / 2), "open", holiday.name, short=True)
            return _DayPlan((opens, closes), "open")
        # A weekday the file leaves without hours is not a weekend, so callers are not told so.
        return _DayPlan(None, "weekend" if day.weekday() >= 5 else "after_hours")

    def _hours_on(self, day: date, opens: time, closes: time) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, opens, tzinfo=self.time_zone),
            datetime.combine(day, closes, tzinfo=self.time_zone),
        )

    def _periods(self, start: date) -> Iterator[_Period]:
        """Yield each day's open period from `start` on; fail if none comes within SEARCH_DAYS."""
        day, closed_days = start, 0
        while True:
            plan = self._plan(day)
            if plan.hours is not None:
                closed_days = 0
                yield _Period(day, plan.hours[0], plan.hours[1], plan)
            else:
                closed_days += 1
                if closed_days > SEARCH_DAYS:
                    raise ScheduleError(
                        self.path,
                        None,
                        f"the line is never open in the {SEARCH_DAYS} days up to {day}: the "
                        "closures, holidays and weekly hours leave no opening. Shorten or "
                        "remove a [[closure]], or add weekly hours.",
                    )
            day += _ONE_DAY

    def _next_opening(self, instant: datetime, today: date) -> datetime:
        return next(period.opens for period in self._periods(today) if period.opens > instant)

    def _closed_between(self, current: _Period, following: _Period) -> tuple[str, str | None]:
        """Give the reason the line stays closed from `current`'s close to `following`'s open."""
        closed_days: dict[str, _DayPlan] = {}
        day = current.day + _ONE_DAY
        while day < following.day:
            plan = self._plan(day)
            closed_days.setdefault(plan.reason, plan)
            day += _ONE_DAY
        for reason in _CLOSED_DAY_PRIORITY:
            if reason in closed_days:
                return reason, closed_days[reason].occasion
        # Overnight: an early close or a late opening is the news, not the usual night.
        if current.plan.short:
            return "short_day", current.plan.occasion
        if following.plan.short:
            return "short_day", following.plan.occasion
        return "after_hours", None

    def _holidays_in(self, year: int) -> dict[date, _Holiday]:
        known = self._holidays_by_year.get(year)
        if known is not None:
            return known
        with self._holidays_lock:
            known = self._holidays_by_year.get(year)
            if known is None:
                known = self._compute_holidays(year)
                self._holidays_by_year[year] = known
        return known

    def _compute_holidays(self, year: int) -> dict[date, _Holiday]:
        whole: dict[date, list[str]] = {}
        half: dict[date, list[str]] = {}
        if self.calendar == "us_federal":
            for day, parts in _federal_observed(year).items():
                for part in parts:
                    name = part.removesuffix(_HALF_DAY)
                    if name not in self.keep_open_on:
                        kind = half if part.endswith(_HALF_DAY) else whole
                        kind.setdefault(day, []).append(name)
        if self.inauguration_day and year % 4 == 1:
            # 5 U.S.C. 6103(c): a Sunday inauguration moves to Monday; a Saturday one is not moved.
            day = date(year, 1, 20)
            if day.weekday() == 6:
                day += _ONE_DAY
            if INAUGURATION_DAY not in self.keep_open_on:
                whole.setdefault(day, []).append(INAUGURATION_DAY)
        result = {day: _Holiday(" and ".join(names), True) for day, names in half.items()}
        result.update({day: _Holiday(" and ".join(names), False) for day, names in whole.items()})
        return result


@cache
def _federal_observed(year: int) -> Mapping[date, tuple[str, ...]]:
    """Map each date in `year` on which a federal holiday is observed to its holidays' names."""
    # The package lists a weekend holiday on both its actual and its observed date; the line
    # closes only on the observed one. Neighbouring years are read so that New Year's Day 2028,
    # observed on 2027-12-31, is paired with its actual date across the year boundary.
    calendar = holidays.country_holidays(
        "US", categories=("government",), years=range(year - 1, year + 2), language="en_US"
    )
    observed: dict[date, list[str]] = {}
    actual: dict[date, list[str]] = {}
    for day, joined in calendar.items():
        for part in joined.split("; "):
            if part.endswith(_OBSERVED):
                observed.setdefault(day, []).append(part.removesuffix(_OBSERVED))
            else:
                actual.setdefault(day, []).append(part)
    result: dict[date, list[str]] = {day: list(parts) for day, parts in observed.items()}
    for day, parts in actual.items():
        for name in parts:
            moved = any(name in observed.get(day + timedelta(days=shift), ()) for shift in (-1, 1))
            if not moved and name not in result.get(day, []):
                result.setdefault(day, []).append(name)
    return MappingProxyType({day: tuple(parts) for day, parts in sorted(result.items()) if day.year == year})


@cache
def known_holiday_names() -> frozenset[str]:
    """Name every holiday the line may close for, as the hours file's keep_open_on spells them."""
    names = {INAUGURATION_DAY}
    for year in range(2000, 2051):
        for parts in _federal_observed(year).values():
            names.update(part.removesuffix(_HALF_DAY) for part in parts)
    return frozenset(names)


def _instant(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(
            f"now={now.isoformat()} has no time zone: pass an aware datetime, e.g. datetime.now(UTC)."
        )
    # Comparing in UTC keeps the answer exact even for wall-clock times repeated by a DST change.
    return now.astimezone(UTC)
