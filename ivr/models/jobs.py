"""The background jobs' records: who holds each job now, what each run did, the alerts to deliver."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ivr.crypto import Encrypted
from ivr.models.base import Base


class JobLease(Base):
    """One row per job: when it is next due and which scheduler holds it while it runs.

    Two scheduler processes started by mistake both fire every job; the one whose locked update of
    this row succeeds runs it, the other finds it held or not yet due (ivr/jobs/lease.py).
    """

    __tablename__ = "job_leases"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    held_by: Mapped[str | None] = mapped_column(String(120))  # host and process id, for people
    held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobRun(Base):
    """One run of a job: by whom, when, and what came of it (a line for `flask ivr jobs list`)."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    held_by: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(String(20))  # a RunResult
    summary: Mapped[str | None] = mapped_column(Text)  # counts and warnings, never personal data


class RunResult(StrEnum):
    OK = "ok"
    WARNING = "warning"  # done, but something needs a person (the calendar check's findings)
    FAILED = "failed"


class AlertKind(StrEnum):
    """Why a supervisor is told about a voicemail."""

    URGENT_VOICEMAIL = "urgent_voicemail"  # left while the line was closed
    SERVICE_LEVEL = "service_level"  # not handled within its target


class AlertChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Alert(Base):
    """One message to one supervisor about one voicemail, kept until it is delivered.

    Unique per voicemail, kind, channel and recipient, so a message is sent once however often
    the job looks; a failed send waits `next_attempt_at` (growing backoff) and is tried again.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("voicemail_id", "kind", "channel", "recipient_key", name="uq_alerts_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voicemail_id: Mapped[int] = mapped_column(ForeignKey("voicemails.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # an AlertKind
    channel: Mapped[str] = mapped_column(String(10))  # an AlertChannel
    recipient: Mapped[str] = mapped_column(Encrypted)  # a supervisor's phone number or email address
    recipient_key: Mapped[str] = mapped_column(String(64))  # its hash: the ciphertext differs each time
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))  # the error's kind, never its text
    failing: Mapped[bool] = mapped_column(Boolean, default=False)  # shown on the live board
