"""The other side of the line: who signs in, operators' state, who took which caller, the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ivr.crypto import Encrypted
from ivr.models.base import Base


class Role(StrEnum):
    """What a person may see: each role sees its own pages and those of the roles before it."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"


class Reach(StrEnum):
    """How the line rings an operator."""

    BROWSER = "browser"  # Twilio's Voice JavaScript SDK: <Dial><Client>
    PHONE = "phone"
    SIP = "sip"


class OperatorState(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    ON_CALL = "on_call"
    WRAPPING_UP = "wrapping_up"
    AWAY = "away"


class DispositionKind(StrEnum):
    """What came of a call with an operator: the fixed list an operator chooses from after it."""

    REPORT_TAKEN = "report_taken"
    INFORMATION_GIVEN = "information_given"
    REFERRED_TO_FIELD_OFFICE = "referred_to_field_office"
    TRANSFERRED = "transferred"
    INTERPRETER_USED = "interpreter_used"
    CALLER_HUNG_UP = "caller_hung_up"
    OTHER = "other"


class AuditAction(StrEnum):
    """What a person did that the audit log keeps: each look at a caller's personal data."""

    REVEAL_A_NUMBER = "reveal_a_number"
    REVEAL_CALLER_NUMBER = "reveal_caller_number"
    LISTEN_VOICEMAIL = "listen_voicemail"
    # The retention job (no person): a call's personal data cleared, a recording deleted.
    PURGE_CALL = "purge_call"
    PURGE_RECORDING = "purge_recording"


class User(Base):
    """A person who signs in: an operator, a supervisor or an administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lowercased
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The callers' languages this person takes ("en,es"); interpreter calls are every other language.
    languages: Mapped[str] = mapped_column(String(100), default="en")
    takes_interpreter_calls: Mapped[bool] = mapped_column(Boolean, default=False)
    screen_language: Mapped[str] = mapped_column(String(8), default="en")
    reach_by: Mapped[str] = mapped_column(String(10), default=Reach.BROWSER)
    reach_address: Mapped[str | None] = mapped_column(Encrypted)  # a phone number or SIP address
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Operator(Base):
    """An operator's state now, one row per operator; routing reads and locks it."""

    __tablename__ = "operators"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default=OperatorState.OFFLINE, index=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    wrap_up_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Connection(Base):
    """One caller offered to one operator: rung, answered or not, ended.

    An open connection (ended_at unset) is unique per call and per operator: whatever several
    workers decide at once, the database refuses a caller to two operators or two callers to one.
    """

    __tablename__ = "connections"
    __table_args__ = (
        Index(
            "uq_connections_open_call",
            "call_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index(
            "uq_connections_open_operator",
            "operator_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    conference: Mapped[str] = mapped_column(String(64), unique=True)
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(String(20))  # answered, no_answer, caller_left, failed
    operator_call_sid: Mapped[str | None] = mapped_column(String(64))
    # Twilio's SID of the conference room, from its first status callback: participants are added by it.
    conference_sid: Mapped[str | None] = mapped_column(String(64))


class Disposition(Base):
    """What came of a call, by the operator who took it: a kind from a fixed list and notes."""

    __tablename__ = "dispositions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str | None] = mapped_column(String(30))  # a DispositionKind; None while a draft
    notes: Mapped[str | None] = mapped_column(Encrypted)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    final: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """Who saw or changed what, when and why: every reveal of personal data, every purge."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))  # an AuditAction
    subject: Mapped[str] = mapped_column(String(60))  # e.g. "call 42", "voicemail 7"
    reason: Mapped[str | None] = mapped_column(Encrypted)  # in the person's words: may name someone
