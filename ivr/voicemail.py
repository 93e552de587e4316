"""Voicemails as work items: exactly one per recording, however often Twilio reports it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.clock import EASTERN
from ivr.flow import priority_of
from ivr.hours import Schedule
from ivr.models import Call, Voicemail
from ivr.subjects import URGENT_SUBJECTS


def recording_sid_from(url: str | None, sid: str | None) -> str | None:
    """Twilio names the recording in RecordingSid, and at the end of RecordingUrl too."""
    if sid:
        return sid
    if url:
        last = url.rstrip("/").rsplit("/", 1)[-1].split(".")[0]
        if last.startswith("RE"):
            return last
    return None


def work_day(schedule: Schedule, now: datetime) -> date:
    """Operators work a message the day it is left if the line is open, else the next business day."""
    status = schedule.status_at(now)
    if status.is_open or status.next_opening is None:
        return now.astimezone(EASTERN).date()
    return status.next_opening.date()


def record(
    session: Session,
    call: Call,
    recording_sid: str,
    recording_url: str | None,
    duration_seconds: int | None,
    schedule: Schedule,
    now: datetime,
) -> Voicemail:
    """Create the voicemail for this recording, or return the one a repeated callback created."""
    existing = session.scalar(select(Voicemail).where(Voicemail.recording_sid == recording_sid))
    if existing is not None:
        if duration_seconds is not None and existing.duration_seconds is None:
            existing.duration_seconds = duration_seconds
        if recording_url and not existing.recording_url:
            existing.recording_url = recording_url
        return existing
    is_open = schedule.status_at(now).is_open
    session.flush()  # the call needs its id, and must not be flushed inside the savepoint below
    voicemail = Voicemail(
        call_id=call.id,
        recording_sid=recording_sid,
        recording_url=recording_url,
        duration_seconds=duration_seconds,
        language=call.language,
        needs_interpreter=call.needs_interpreter,
        subject=call.subject,
        caller_type=call.caller_type,
        priority=call.priority or priority_of(call.subject, call.caller_type),
        urgent=call.subject in URGENT_SUBJECTS,
        left_after_hours=not is_open,
        created_at=now,
        work_on=work_day(schedule, now),
    )
    # Two callbacks for one recording may race in two workers: the unique constraint decides.
    try:
        with session.begin_nested():
            session.add(voicemail)
    except IntegrityError:
        winner = session.scalar(select(Voicemail).where(Voicemail.recording_sid == recording_sid))
        if winner is None:
            raise
        return winner
    return voicemail
