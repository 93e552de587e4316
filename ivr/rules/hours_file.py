"""Read and check the hours file (schedules/hours.toml), naming the line and the fix of any mistake."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.rules.data_files import ScheduleError
from ivr.rules.hours import CALENDARS, WEEKDAYS, Closure, Schedule, ShortDay, known_holiday_names

# A closure longer than this is almost surely a typo in a year (2062 for 2026), not a plan.
MAX_CLOSURE_DAYS = 366

_TOP_LEVEL_KEYS = ("time_zone", "weekly_hours", "holidays", "closure", "short_day")
_HOLIDAY_KEYS = ("calendar", "inauguration_day", "keep_open_on")
_CLOSURE_KEYS = ("date", "first_day", "last_day", "reason")
_SHORT_DAY_KEYS = ("date", "open", "close", "reason")
_TRANSLATION_KEY = re.compile(r"^reason_([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)$")
_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})$")


def load_schedule(path: Path) -> Schedule:
    """Read and validate the hours file, raising ScheduleError on the first mistake."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScheduleError(
            path,
            None,
            "the file does not exist. Create it (see schedules/hours.toml in the "
            "project) or point IVR_SCHEDULE at it.",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScheduleError(path, None, f"cannot be read ({error}).") from None
    return _Parser(path, text).parse()


class _Parser:
    """Turn the file's text into a Schedule, naming the line of the first mistake found."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines()

    def parse(self) -> Schedule:
        try:
            document = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as error:
            message = str(error)
            found = re.search(r"\(at line (\d+), column (\d+)\)", message)
            line = int(found.group(1)) if found else None
            problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
            if found:
                problem += f" at column {found.group(2)}"
            impossible = self._impossible_date(line)
            if impossible:
                problem = f"{impossible} is not a real date ({problem})"
            raise ScheduleError(
                self.path,
                line,
                f"not valid TOML: {problem}. Fix the syntax there: text and times go in double "
                'quotes ("08:00"), dates are written bare (2026-12-24), and each [[closure]] '
                "starts on its own line.",
            ) from None

        self._no_unknown_keys(document, _TOP_LEVEL_KEYS, None, None, "at the top of the file")
        time_zone = self._time_zone(document)
        weekly_hours = self._weekly_hours(document)
        calendar, inauguration, keep_open_on = self._holiday_policy(document)
        closures = tuple(
            self._closure(entry, index) for index, entry in enumerate(self._entries(document, "closure"))
        )
        short_days = tuple(
            self._short_day(entry, index) for index, entry in enumerate(self._entries(document, "short_day"))
        )
        self._no_overlaps(closures, short_days)
        return Schedule(
            self.path,
            time_zone,
            weekly_hours,
            calendar,
            inauguration,
            keep_open_on,
            closures,
            short_days,
        )

    def _impossible_date(self, line: int | None) -> str | None:
        # tomllib reports 2026-13-01 as a stray character; say what is really wrong.
        if line is None or not 0 < line <= len(self.lines):
            return None
        written_dates: list[str] = re.findall(r"\b\d{4}-\d{2}-\d{2}\b", self.lines[line - 1])
        for written in written_dates:
            try:
                date.fromisoformat(written)
            except ValueError:
                return written
        return None

    def error(
        self,
        problem: str,
        table: str | None = None,
        index: int | None = None,
        key: str | None = None,
    ) -> ScheduleError:
        return ScheduleError(self.path, self.line_of(table, index, key), problem)

    def line_of(
        self, table: str | None = None, index: int | None = None, key: str | None = None
    ) -> int | None:
        """Find the line that sets `key` in `[table]` (or in the index-th `[[table]]`)."""
        current: str | None = None
        occurrence = -1
        header_line: int | None = None
        counts: dict[str, int] = {}
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            # `[name]` and `[[name]]` headers alike; `[[closure]]` blocks are counted in order.
            header = re.match(r"^\[{1,2}\s*([A-Za-z0-9_.-]+)\s*\]{1,2}", line)
            if header:
                current = header.group(1)
                if table is None and current == key:
                    return number
                occurrence = counts.get(current, -1) + 1
                counts[current] = occurrence
                if current == table and (index is None or occurrence == index):
                    header_line = number
                    if key is None:
                        return number
                continue
            in_target = current == table and (index is None or occurrence == index)
            if in_target and key is not None and re.match(rf"^[\"']?{re.escape(key)}[\"']?\s*=", line):
                return number
        return header_line

    def _no_unknown_keys(
        self,
        section: Mapping[str, Any],
        allowed: tuple[str, ...],
        table: str | None,
        index: int | None,
        where: str,
        translations: bool = False,
    ) -> None:
        for key in section:
            if key in allowed or (translations and _TRANSLATION_KEY.match(key)):
                continue
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f"Did you mean {hint[0]!r}? " if hint else ""
            extra = " or reason_<language code> (reason_es)" if translations else ""
            raise self.error(
                f"{key!r} is not a setting {where}. {suggestion}Allowed: {', '.join(allowed)}{extra}.",
                table,
                index,
                key,
            )

    def _time_zone(self, document: Mapping[str, Any]) -> ZoneInfo:
        name = document.get("time_zone")
        if name is None:
            raise self.error(
                'time_zone is missing. Add time_zone = "America/New_York" at the top of the file.'
            )
        if not isinstance(name, str) or not name:
            raise self.error(
                'time_zone must be a zone name in quotes, e.g. "America/New_York".',
                key="time_zone",
            )
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.error(
                f"time_zone {name!r} is not a known time zone. Use an IANA name such as "
                '"America/New_York" (never a fixed offset like "EST" or "-05:00").',
                key="time_zone",
            ) from None

    def _weekly_hours(self, document: Mapping[str, Any]) -> dict[int, tuple[time, time]]:
        section = document.get("weekly_hours")
        if not isinstance(section, dict):
            raise self.error(
                "[weekly_hours] is missing or not a table. Add it with one line per open day, "
                'e.g. monday = { open = "08:00", close = "20:00" }.',
                key="weekly_hours",
            )
        hours: dict[int, tuple[time, time]] = {}
        for name, value in section.items():
            if name not in WEEKDAYS:
                hint = difflib.get_close_matches(name.lower(), WEEKDAYS, n=1)
                suggestion = f"Did you mean {hint[0]!r}? " if hint else ""
                raise self.error(
                    f"{name!r} in [weekly_hours] is not a day of the week. {suggestion}"
                    "Use monday, tuesday, wednesday, thursday, friday, saturday or sunday "
                    "(lower case, in full).",
                    "weekly_hours",
                    None,
                    name,
                )
            if not isinstance(value, dict):
                raise self.error(
                    f'{name} must be written {{ open = "08:00", close = "20:00" }}; '
                    "leave the day out to close it all day.",
                    "weekly_hours",
                    None,
                    name,
                )
            self._no_unknown_keys(
                value, ("open", "close"), "weekly_hours", None, f"of {name} in [weekly_hours]"
            )
            where = ("weekly_hours", None, name)
            opens = self._time(value, "open", f"{name}'s open", where)
            closes = self._time(value, "close", f"{name}'s close", where)
            self._open_before_close(opens, closes, name, where)
            hours[WEEKDAYS.index(name)] = (opens, closes)
        if not hours:
            raise self.error(
                "[weekly_hours] lists no open day, so the line would never open. Add at least "
                'one day, e.g. monday = { open = "08:00", close = "20:00" }; to close the line '
                "for a while, use a [[closure]] instead.",
                "weekly_hours",
            )
        return hours

    def _holiday_policy(self, document: Mapping[str, Any]) -> tuple[str, bool, frozenset[str]]:
        section = document.get("holidays", {})
        if not isinstance(section, dict):
            raise self.error("holidays must be a [holidays] table.", key="holidays")
        self._no_unknown_keys(section, _HOLIDAY_KEYS, "holidays", None, "in [holidays]")
        calendar = section.get("calendar", "us_federal")
        if calendar not in CALENDARS:
            raise self.error(
                f"calendar = {calendar!r} is not a holiday calendar the line knows. Use "
                '"us_federal" (federal holidays on their observed dates) or "none".',
                "holidays",
                None,
                "calendar",
            )
        inauguration = section.get("inauguration_day", False)
        if not isinstance(inauguration, bool):
            raise self.error(
                "inauguration_day must be true or false (no quotes).",
                "holidays",
                None,
                "inauguration_day",
            )
        keep_open_on = section.get("keep_open_on", [])
        if not isinstance(keep_open_on, list) or not all(isinstance(name, str) for name in keep_open_on):
            raise self.error(
                'keep_open_on must be a list of holiday names, e.g. ["Columbus Day"].',
                "holidays",
                None,
                "keep_open_on",
            )
        if keep_open_on:
            known = known_holiday_names()
            for name in keep_open_on:
                if name not in known:
                    hint = difflib.get_close_matches(name, sorted(known), n=1)
                    suggestion = f"Did you mean {hint[0]!r}? " if hint else ""
                    raise self.error(
                        f"keep_open_on names {name!r}, which is not a federal holiday. "
                        f"{suggestion}Spell it as `flask ivr hours --upcoming` prints it.",
                        "holidays",
                        None,
                        "keep_open_on",
                    )
        return calendar, inauguration, frozenset(keep_open_on)

    def _entries(self, document: Mapping[str, Any], table: str) -> list[dict[str, Any]]:
        entries = document.get(table, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise self.error(
                f"{table} must be written as [[{table}]] entries, each on its own lines.",
                key=table,
            )
        return entries

    def _closure(self, entry: Mapping[str, Any], index: int) -> Closure:
        label = f"the [[closure]] entry number {index + 1}"
        self._no_unknown_keys(entry, _CLOSURE_KEYS, "closure", index, f"of {label}", True)
        if "date" in entry and ("first_day" in entry or "last_day" in entry):
            raise self.error(
                f"{label} has both date and first_day/last_day. Use date for one day, or "
                "first_day and last_day for several.",
                "closure",
                index,
                "date",
            )
        if "date" in entry:
            first = last = self._date(entry, "date", label, ("closure", index, "date"))
        elif "first_day" in entry or "last_day" in entry:
            first = self._date(entry, "first_day", label, ("closure", index, "first_day"))
            last = self._date(entry, "last_day", label, ("closure", index, "last_day"))
            if last < first:
                raise self.error(
                    f"{label} has last_day {last} before first_day {first}. Swap them.",
                    "closure",
                    index,
                    "last_day",
                )
            if (last - first).days + 1 > MAX_CLOSURE_DAYS:
                raise self.error(
                    f"{label} runs from {first} to {last}, longer than a year: check the years. "
                    "A longer closure must be split into entries of at most a year each.",
                    "closure",
                    index,
                    "last_day",
                )
        else:
            raise self.error(
                f"{label} has no date. Add date = 2026-12-24, or first_day and last_day.",
                "closure",
                index,
            )
        reason, translations = self._reason(entry, label, "closure", index)
        return Closure(first, last, reason, translations, self.line_of("closure", index))

    def _short_day(self, entry: Mapping[str, Any], index: int) -> ShortDay:
        label = f"the [[short_day]] entry number {index + 1}"
        self._no_unknown_keys(entry, _SHORT_DAY_KEYS, "short_day", index, f"of {label}", True)
        if "date" not in entry:
            raise self.error(f"{label} has no date. Add date = 2026-12-31.", "short_day", index)
        day = self._date(entry, "date", label, ("short_day", index, "date"))
        where = ("short_day", index, None)
        opens = self._time(entry, "open", f"{label}'s open", where)
        closes = self._time(entry, "close", f"{label}'s close", where)
        self._open_before_close(opens, closes, label, ("short_day", index, "close"))
        reason, translations = self._reason(entry, label, "short_day", index)
        return ShortDay(day, opens, closes, reason, translations, self.line_of("short_day", index))

    def _reason(
        self, entry: Mapping[str, Any], label: str, table: str, index: int
    ) -> tuple[str, Mapping[str, str]]:
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise self.error(
                f'{label} needs a reason in quotes, e.g. reason = "a telephone system upgrade"; '
                "callers hear it.",
                table,
                index,
                "reason" if "reason" in entry else None,
            )
        translations: dict[str, str] = {}
        for key, value in entry.items():
            found = _TRANSLATION_KEY.match(key)
            if not found:
                continue
            if not isinstance(value, str) or not value.strip():
                raise self.error(f"{key} of {label} must be text in quotes.", table, index, key)
            translations[found.group(1)] = value.strip()
        return reason.strip(), MappingProxyType(translations)

    def _date(
        self,
        entry: Mapping[str, Any],
        key: str,
        label: str,
        where: tuple[str, int | None, str | None],
    ) -> date:
        value = entry.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        shown = "missing" if value is None else repr(value)
        raise self.error(f"{key} of {label} is {shown}, not a date. Write it as 2026-12-24.", *where)

    def _time(
        self,
        entry: Mapping[str, Any],
        key: str,
        label: str,
        where: tuple[str, int | None, str | None],
    ) -> time:
        value = entry.get(key)
        # TOML's own time literal (08:00:00) is accepted too, as long as it carries no offset.
        if isinstance(value, time) and value.tzinfo is None:
            return value
        if isinstance(value, str):
            found = _HH_MM.match(value.strip())
            if found and int(found.group(1)) < 24 and int(found.group(2)) < 60:
                return time(int(found.group(1)), int(found.group(2)))
        shown = "missing" if value is None else repr(value)
        table, index, where_key = where
        raise self.error(
            f'{label} time is {shown}. Write it as 24-hour HH:MM in quotes, e.g. "08:00" or "20:00".',
            table,
            index,
            where_key or key,
        )

    def _open_before_close(
        self, opens: time, closes: time, label: str, where: tuple[str, int | None, str | None]
    ) -> None:
        if closes <= opens:
            raise self.error(
                f"{label} closes at {closes:%H:%M}, not after it opens at {opens:%H:%M}. Put the "
                "opening time first; hours cannot run past midnight.",
                *where,
            )

    def _no_overlaps(self, closures: tuple[Closure, ...], short_days: tuple[ShortDay, ...]) -> None:
        taken: dict[date, Closure] = {}
        for closure in closures:
            day = closure.first_day
            while day <= closure.last_day:
                earlier = taken.get(day)
                if earlier is not None:
                    raise ScheduleError(
                        self.path,
                        closure.line,
                        f"this [[closure]] covers {day}, which the closure at line {earlier.line} "
                        "already covers. Merge the two entries or make their dates not overlap.",
                    )
                taken[day] = closure
                day += timedelta(days=1)
        seen: dict[date, ShortDay] = {}
        for short in short_days:
            if short.day in taken:
                raise ScheduleError(
                    self.path,
                    short.line,
                    f"this [[short_day]] on {short.day} falls inside the closure at line "
                    f"{taken[short.day].line}. Remove one of them: a day is closed or short.",
                )
            if short.day in seen:
                raise ScheduleError(
                    self.path,
                    short.line,
                    f"{short.day} already has a [[short_day]] at line {seen[short.day].line}. "
                    "Keep one entry per date.",
                )
            seen[short.day] = short
