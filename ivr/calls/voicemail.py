"""Voicemails as work items: exactly one per recording, however often Twilio reports it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, func, literal, update

from ivr.calls.records import VOICEMAILS, StoredCall
from ivr.calls.store import insert_once
from ivr.clock import EASTERN
from ivr.journey.subjects import URGENT_SUBJECTS
from ivr.routing import priority_of
from ivr.rules.hours import Schedule


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
    connection: Connection,
    call: StoredCall,
    recording_sid: str,
    recording_url: str | None,
    duration_seconds: int | None,
    schedule: Schedule,
    now: datetime,
) -> bool:
    """Create the voicemail for this recording unless a repeated callback did; the caller commits.

    Returns whether this request created it. Two callbacks for one recording may race in two
    workers: the unique recording id decides, and the second only fills in what the first lacked.
    """
    created = connection.execute(
        insert_once(connection.dialect.name, VOICEMAILS),
        {
            "call_id": call.id,
            "recording_sid": recording_sid,
            "recording_url": recording_url,
            "duration_seconds": duration_seconds,
            "language": call.language,
            "needs_interpreter": call.needs_interpreter,
            "subject": call.subject,
            "caller_type": call.caller_type,
            "priority": call.priority or priority_of(call.subject, call.caller_type),
            "urgent": call.subject in URGENT_SUBJECTS,
            "left_after_hours": not schedule.status_at(now).is_open,
            "created_at": now,
            "work_on": work_day(schedule, now),
        },
    ).first()
    if created is None:
        connection.execute(
            update(VOICEMAILS)
            .where(VOICEMAILS.c.recording_sid == recording_sid)
            .values(
                duration_seconds=func.coalesce(VOICEMAILS.c.duration_seconds, duration_seconds),
                # Typed as the column, so that the address is encrypted here too.
                recording_url=func.coalesce(
                    VOICEMAILS.c.recording_url, literal(recording_url, VOICEMAILS.c.recording_url.type)
                ),
            )
        )
    return created is not None
