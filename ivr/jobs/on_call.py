"""Who the jobs alert: the supervisor on call for a day, and the supervisors' mailing list.

Read from schedules/on_call.toml (IVR_ON_CALL) each time a job needs it, so a change of rota needs
no restart; a mistake is an error naming the file, the line and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ivr.rules.data_files import TableLines, read_toml

_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PERSON_KEYS = ("name", "sms", "email")
_ROTA_KEYS = ("first_day", "last_day", *_PERSON_KEYS)


class OnCallError(ValueError):
    """The on-call file is missing or wrong; the message names the file, the line and the fix."""

    def __init__(self, path: Path, line: int | None, problem: str, fix: str) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}. Fix: {fix}.")


@dataclass(frozen=True)
class OnCall:
    """One supervisor on call: reached by SMS, email, or both."""

    name: str
    sms: str | None
    email: str | None


@dataclass(frozen=True)
class RotaEntry:
    first_day: date
    last_day: date
    person: OnCall


@dataclass(frozen=True)
class Supervisors:
    """The on-call file's contents."""

    emails: tuple[str, ...]  # the daily summary, service-level escalations, calendar warnings
    on_call: OnCall | None  # when no rota entry covers the day
    rota: tuple[RotaEntry, ...]

    def on_call_on(self, day: date) -> OnCall | None:
        """The supervisor on call on `day`: the rota's entry for it, else the usual one."""
        return next((e.person for e in self.rota if e.first_day <= day <= e.last_day), self.on_call)


def load_supervisors(path: Path) -> Supervisors:
    """Read and check the on-call file; a missing file means nobody to alert (the jobs say so)."""
    if not path.exists():
        return Supervisors((), None, ())
    text, document = read_toml(
        path,
        OnCallError,  # type: ignore[arg-type]  # same signature as the data files' errors
        "check the path in IVR_ON_CALL and the file's permissions",
        "correct the TOML syntax at that line (text in quotes, dates bare: 2026-12-24)",
    )
    lines = TableLines(text)
    for key in document:
        if key not in ("supervisors", "on_call", "rota"):
            raise OnCallError(
                path,
                lines.table(key) or lines.key("", key),
                f"unknown key {key!r}",
                "use only [supervisors], [on_call] and [[rota]] entries",
            )
    supervisors = document.get("supervisors", {})
    emails = supervisors.get("email", [])
    if not isinstance(emails, list) or not all(isinstance(e, str) and _EMAIL.match(e) for e in emails):
        raise OnCallError(
            path,
            lines.key("supervisors", "email"),
            f"[supervisors] email = {emails!r} is not a list of addresses",
            'write it as email = ["duty.supervisors@example.gov"]',
        )
    on_call = None
    if document.get("on_call"):
        on_call = _person(path, document["on_call"], lines.table("on_call"), "[on_call]", _PERSON_KEYS)
    rota = []
    entries = document.get("rota", [])
    rota_lines = [
        n for n, line in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*rota\s*\]\]", line)
    ]
    for index, entry in enumerate(entries):
        line = rota_lines[index] if index < len(rota_lines) else None
        label = f"the [[rota]] entry number {index + 1}"
        person = _person(path, entry, line, label, _ROTA_KEYS)
        first, last = entry.get("first_day"), entry.get("last_day")
        if not isinstance(first, date) or not isinstance(last, date):
            raise OnCallError(
                path,
                line,
                f"{label} needs first_day and last_day as dates",
                "write them bare, e.g. first_day = 2026-12-21 and last_day = 2026-12-27",
            )
        if last < first:
            raise OnCallError(
                path, line, f"{label} ends ({last}) before it starts ({first})", "swap the dates"
            )
        rota.append(RotaEntry(first, last, person))
    return Supervisors(tuple(emails), on_call, tuple(rota))


def _person(path: Path, entry: Any, line: int | None, label: str, allowed: tuple[str, ...]) -> OnCall:
    if not isinstance(entry, dict):
        raise OnCallError(path, line, f"{label} is not a table", f"write it as {label} with keys below it")
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise OnCallError(
            path, line, f"{label} has unknown key(s) {', '.join(unknown)}", f"use only {', '.join(allowed)}"
        )
    sms, email = entry.get("sms") or None, entry.get("email") or None
    if sms is not None and not (isinstance(sms, str) and _PHONE.match(sms)):
        raise OnCallError(
            path,
            line,
            f"{label}: sms = {sms!r} is not a phone number in international form",
            'write it as sms = "+12025550143" (a plus sign, the country code, the number)',
        )
    if email is not None and not (isinstance(email, str) and _EMAIL.match(email)):
        raise OnCallError(
            path,
            line,
            f"{label}: email = {email!r} is not an email address",
            'write it as email = "name@example.gov"',
        )
    if sms is None and email is None:
        raise OnCallError(path, line, f"{label} gives no way to reach them", "add sms, email or both")
    return OnCall(str(entry.get("name") or "on-call supervisor"), sms, email)
