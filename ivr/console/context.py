"""What the console shows of a caller: what the line learned on the call, and their earlier calls.

The A-number and the caller's number stay masked here: only `reveal` shows them, audited. Earlier
calls are found through the keyed fingerprint of the number, never the number itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_percent
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ivr.console.words import (
    CALLER_TYPES,
    DISPOSITIONS,
    OUTCOMES,
    PRIORITIES,
    SUBJECTS,
    duration,
    language_name,
    named,
)
from ivr.desk.connections import ANSWERED
from ivr.journey.subjects import URGENT_SUBJECTS, CallerType
from ivr.models import Call, Connection, Disposition, QueueEntry, Voicemail
from ivr.routing import aware

EARLIER_CALLS = 10  # the most recent ones: enough to see a pattern, few enough to read during a call


@dataclass(frozen=True)
class EarlierCall:
    """A call from the same number before this one: when, why, and what came of it."""

    started_at: datetime
    subject: str
    outcome: str
    disposition: str | None


@dataclass(frozen=True)
class CallerContext:
    """A call as an operator sees it, each value already named for the screen."""

    call_id: int
    started_at: datetime
    language: str
    interpreter: str | None  # the language an interpreter must speak, when one is needed
    caller_type: str
    facility_phone: bool  # a caller in detention: their phone cannot be called back
    subject: str
    urgent: bool
    chosen_by: str | None  # "keypad" or "speech"
    words: str | None  # what the caller said; data, shown only as text
    confidence: str | None
    priority: str
    waited: str
    field_office: str | None
    a_number_masked: str | None
    earlier: list[EarlierCall]


def mask_a_number(a_number: str | None) -> str | None:
    """The A-number as dots in its groups of three, none of its digits: revealing is audited."""
    if not a_number:
        return None
    dots = "•" * len(a_number)
    return "A-" + "-".join(dots[i : i + 3] for i in range(0, len(dots), 3))


def waited(entry: QueueEntry | None, now: datetime) -> timedelta | None:
    """How long the caller waited for an operator (so far, if they still wait)."""
    if entry is None:
        return None
    if entry.wait_seconds is not None:
        return timedelta(seconds=entry.wait_seconds)
    until = aware(entry.left_at, now) if entry.left_at else now
    return until - aware(entry.enqueued_at, now)


def context_of(session: Session, call: Call, now: datetime) -> CallerContext:
    confidence = None
    if call.subject_source == "speech" and call.subject_confidence is not None:
        confidence = format_percent(call.subject_confidence)
    return CallerContext(
        call_id=call.id,
        started_at=aware(call.started_at, now),
        language=language_name(call.language),
        interpreter=language_name(call.needs_interpreter) if call.needs_interpreter else None,
        caller_type=named(CALLER_TYPES, call.caller_type),
        facility_phone=call.caller_type == CallerType.DETAINED,
        subject=named(SUBJECTS, call.subject),
        urgent=call.subject in URGENT_SUBJECTS,
        chosen_by=call.subject_source,
        words=call.subject_transcript if call.subject_source == "speech" else None,
        confidence=confidence,
        priority=named(PRIORITIES, call.priority),
        waited=duration(waited(call.queue_entry, now)),
        field_office=call.field_office,
        a_number_masked=mask_a_number(call.a_number),
        earlier=earlier_calls(session, call, now),
    )


def earlier_calls(session: Session, call: Call, now: datetime) -> list[EarlierCall]:
    """The same number's calls before this one, newest first, matched by its keyed fingerprint."""
    if not call.caller_fingerprint:
        return []
    earlier = session.scalars(
        select(Call)
        .where(Call.caller_fingerprint == call.caller_fingerprint, Call.id != call.id)
        .where(Call.started_at <= call.started_at)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(EARLIER_CALLS)
    ).all()
    kinds: dict[int, str] = {}
    if earlier:
        finals = session.execute(
            select(Disposition.call_id, Disposition.kind)
            .where(Disposition.call_id.in_([found.id for found in earlier]), Disposition.final.is_(True))
            .order_by(Disposition.updated_at)
        )
        kinds = {call_id: kind for call_id, kind in finals if kind}
    return [
        EarlierCall(
            started_at=aware(found.started_at, now),
            subject=named(SUBJECTS, found.subject),
            outcome=named(OUTCOMES, found.outcome),
            disposition=named(DISPOSITIONS, kinds[found.id]) if found.id in kinds else None,
        )
        for found in earlier
    ]


def operator_may_see(session: Session, operator_id: int, call_id: int) -> bool:
    """Whether this operator took (or is being given) this caller, or holds one of their voicemails."""
    connected = select(Connection.id).where(
        Connection.operator_id == operator_id,
        Connection.call_id == call_id,
        or_(Connection.ended_at.is_(None), Connection.result == ANSWERED),
    )
    claimed = select(Voicemail.id).where(Voicemail.call_id == call_id, Voicemail.claimed_by == operator_id)
    return session.scalar(connected.limit(1)) is not None or session.scalar(claimed.limit(1)) is not None
