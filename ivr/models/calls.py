"""The callers' records: calls, the steps of each call, queue entries and voicemails."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ivr.crypto import Encrypted
from ivr.models.base import Base


class Call(Base):
    """One call to the line, keyed by Twilio's CallSid; holds the flow's state between webhooks."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    caller_number: Mapped[str | None] = mapped_column(Encrypted)
    caller_fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    line_number: Mapped[str | None] = mapped_column(Text)  # a number, or a SIP address of any length
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Where the caller is in the flow, and the webhook step that brought them there: a request
    # for an earlier step is a Twilio retry and gets the same answer again.
    state: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer, default=0)
    last_response: Mapped[str | None] = mapped_column(Encrypted)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    language: Mapped[str | None] = mapped_column(String(8))
    needs_interpreter: Mapped[str | None] = mapped_column(String(40))
    caller_type: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(30))
    subject_source: Mapped[str | None] = mapped_column(String(10))
    subject_confidence: Mapped[float | None] = mapped_column(Float)
    subject_transcript: Mapped[str | None] = mapped_column(Encrypted)
    pending_subject: Mapped[str | None] = mapped_column(String(30))
    a_number: Mapped[str | None] = mapped_column(Encrypted)
    pending_a_number: Mapped[str | None] = mapped_column(Encrypted)
    a_number_skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    third_party: Mapped[bool] = mapped_column(Boolean, default=False)
    state_choices: Mapped[str | None] = mapped_column(String(40))
    field_office: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int | None] = mapped_column(Integer)

    outcome: Mapped[str | None] = mapped_column(String(30), index=True)
    final_status: Mapped[str | None] = mapped_column(String(20))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    used_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the retention job cleared its personal data (ivr/jobs/retention.py); its numbers stay.
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", order_by="CallEvent.id", cascade="all, delete-orphan"
    )
    queue_entry: Mapped[QueueEntry | None] = relationship(back_populates="call")
    voicemails: Mapped[list[Voicemail]] = relationship(back_populates="call")


class CallEvent(Base):
    """One step of a call: what the caller did where, and what the line did about it."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    step: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(30))
    input_kind: Mapped[str] = mapped_column(String(10))  # dtmf, speech, none, system
    # Keys pressed at a menu are kept; A-numbers and speech are redacted here (the call holds them
    # encrypted) so the timeline can be shown without revealing them.
    value: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(60))

    call: Mapped[Call] = relationship(back_populates="events")


class QueueEntry(Base):
    """A caller waiting for a live operator, with the priority the operators take them in."""

    __tablename__ = "queue_entries"
    __table_args__ = (Index("ix_queue_waiting", "queue_name", "left_at", "priority", "enqueued_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    queue_name: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    needs_interpreter: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(30))
    caller_type: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    queue_sid: Mapped[str | None] = mapped_column(String(64))
    last_position: Mapped[int | None] = mapped_column(Integer)
    last_announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(String(20))
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    # When the caller's hold loop last asked (ivr.calls.queue): a call whose end was never reported
    # stops being counted ahead of anyone. None (an entry made outside the webhooks): counted.
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    call: Mapped[Call] = relationship(back_populates="queue_entry")


class VoicemailStatus(StrEnum):
    """Where a voicemail is in the operators' work: waiting, held by one operator, done."""

    NEW = "new"
    CLAIMED = "claimed"
    CLOSED = "closed"


class FollowUp(StrEnum):
    """What an operator did about a voicemail; facility phones cannot be called back."""

    CALLED_BACK = "called_back"
    REFERRED = "referred"
    NO_CALLBACK_POSSIBLE = "no_callback_possible"
    OTHER = "other"


class Voicemail(Base):
    """A recorded message: a work item for the operators on the next business day."""

    __tablename__ = "voicemails"
    __table_args__ = (UniqueConstraint("recording_sid", name="uq_voicemails_recording_sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    recording_sid: Mapped[str] = mapped_column(String(64))
    # Twilio's address of the message: with the account's credentials, anyone could listen to it.
    recording_url: Mapped[str | None] = mapped_column(Encrypted)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(8))
    needs_interpreter: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(30))
    caller_type: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    left_after_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    work_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=VoicemailStatus.NEW, index=True)
    supervisor_alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The operators' work on it: one claims it (never two at once), follows up and closes it.
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up: Mapped[str | None] = mapped_column(String(30))  # a FollowUp
    follow_up_notes: Mapped[str | None] = mapped_column(Encrypted)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the retention job deleted its recording, here and at Twilio, and the notes on it.
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    call: Mapped[Call] = relationship(back_populates="voicemails")
